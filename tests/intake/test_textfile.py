"""textfile.py: a file's bytes read within the size limit, and decoded — or refused with the encoding named
and the first bad byte located."""
from __future__ import annotations

import os

import pytest

from auditor.errors import AuditorError, Collector
from auditor.intake import textfile

DECODED = [  # (bytes, encodings accepted, text)
    (b"\xef\xbb\xbfa: 1", ("utf-8",), "a: 1"),  # a BOM is dropped
    ("a: 和平".encode("utf-8"), ("utf-8",), "a: 和平"),
    ("a: 和平".encode("gbk"), ("utf-8", "gb18030"), "a: 和平"),  # only where the caller accepts GBK (CSV)
]


@pytest.mark.parametrize("raw, encodings, text", DECODED)
def test_text_in_an_accepted_encoding_is_decoded(raw, encodings, text):
    collector = Collector("f", AuditorError)
    assert textfile.decode_bytes(raw, collector, encodings) == text and not collector.problems


REFUSED = [  # (bytes, the problem as printed)
    (b"\xff\xfea\x00", "f: E-ENCODING: file is UTF-16; save it as UTF-8"),
    (b"\x00\x00\xfe\xffa", "f: E-ENCODING: file is UTF-32; save it as UTF-8"),
    ("a: 1".encode("utf-16-le"), "f: E-ENCODING: file looks like UTF-16 without a byte-order mark (every other byte is 0); save it as UTF-8"),
    (b"a: 1\n\x00", "f:2: E-ENCODING: file contains NUL bytes: it is binary, not text"),
    (b"a: 1\nb: \xe5\x92\x8c\xff\n", "f:2: E-ENCODING: byte 0xff at offset 11 is not valid UTF-8; save the file as UTF-8 (at column 7)"),
    ("a: 和平".encode("gbk"), "f:1: E-ENCODING: byte 0xba at offset 3 is not valid UTF-8 (it reads as GBK/GB18030, "
                             "the Chinese Windows encoding); save the file as UTF-8 (at column 4)"),
]


REFUSED_AS_EITHER = [  # (bytes refused as UTF-8 and as GB18030, the problem as printed in English, in Chinese)
    # where GB18030, which reads furthest, fails (line 3), not where UTF-8 failed on the valid GBK of line 1
    ("班级,学校\n1,2\n".encode("gbk") + b"x\x80\xff\n", "f:3: E-ENCODING: byte 0x80 at offset 15 is not valid UTF-8 or GB18030; "
     "save the file as UTF-8 (at column 2)", "f:3: E-ENCODING: 偏移 15 字节处的 0x80 不是有效的 UTF-8 或 GB18030 编码；请把文件另存为 UTF-8 编码（第 2 列）"),
    # where UTF-8, which reads furthest, fails: valid UTF-8 up to a bad byte that GB18030 met earlier
    ("一\n和平\n".encode() + b"\xff\n", "f:3: E-ENCODING: byte 0xff at offset 11 is not valid UTF-8 or GB18030; "
     "save the file as UTF-8 (at column 1)", None),
]


@pytest.mark.parametrize("raw, english, chinese", REFUSED_AS_EITHER)
def test_bytes_valid_in_no_accepted_encoding_are_located_where_the_furthest_reading_fails(raw, english, chinese):
    collector = Collector("f", AuditorError)
    assert textfile.decode_bytes(raw, collector, ("utf-8", "gb18030")) is None
    assert [p.format() for p in collector.problems] == [english]
    if chinese:
        assert [p.format("zh") for p in collector.problems] == [chinese]


@pytest.mark.parametrize("raw, problem", REFUSED)
def test_other_bytes_are_refused_with_the_encoding_named(raw, problem):
    collector = Collector("f", AuditorError)
    assert textfile.decode_bytes(raw, collector) is None
    assert [p.format() for p in collector.problems] == [problem]


def test_what_is_not_a_regular_file_within_the_limit_is_not_read(tmp_path, monkeypatch):
    small = tmp_path / "small.yaml"
    small.write_bytes(b"a: 1\n")
    assert textfile.read_text(str(small), Collector("f", AuditorError)) == "a: 1\n"
    monkeypatch.setattr(textfile, "MAX_FILE_BYTES", 4)
    cases = {str(small): "E-SIZE: file is 5 bytes; at most 4 bytes are allowed", str(tmp_path): "E-READ: is a folder, not a file",
             os.devnull: "E-READ: is not a regular file", str(tmp_path / "none"): "E-READ: cannot read the file: No such file or directory"}
    for file, problem in cases.items():
        collector = Collector(file, AuditorError)
        assert textfile.read_bytes(file, collector) is None
        assert [p.format() for p in collector.problems] == [f"{file}: {problem}"]
