"""Writes the corpus files that cannot be written by hand (UTF-16, Latin-1, binary, deep, bombs).

    python tests/bad/make_binary.py   # rewrites them; the files are committed
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SUB = os.path.join(HERE, "submissions")
POL = os.path.join(HERE, "policies")


def write(folder, name, data: bytes):
    with open(os.path.join(folder, name), "wb") as handle:
        handle.write(data)


def laughs(head: str) -> str:
    lines = [head, 'l0: &l0 ["哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈"]']
    for i in range(1, 12):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


write(SUB, "utf16.yaml", "district: 和平区\nfigures: {pupils_total: 1}\n".encode("utf-16"))
write(SUB, "utf16-no-bom.json", '{"district": "和平区"}'.encode("utf-16-le"))
write(SUB, "latin1.yaml", "district: 和平区\nschools:\n  - {id: S1, name: École, stage: primary}\n".replace("和平区", "Heping").encode("latin-1"))
write(SUB, "gbk.yaml", "district: 和平区\nfigures: {pupils_total: 1}\n".encode("gbk"))
write(SUB, "binary.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
write(SUB, "control-char.yaml", "district: 和平区\nschools:\n  - {id: S1, name: \"第一\x07小学\", stage: primary}\n".encode())
write(SUB, "alias-bomb.yaml", laughs("district: 和平区").encode())
write(SUB, "deep-nesting.yaml", ("district: 和平区\nfigures: " + "[" * 100 + "]" * 100 + "\n").encode())
write(SUB, "deep-nesting.json", ('{"district": "和平区",\n "figures": ' + "[" * 100000 + "]" * 100000 + "}\n").encode())
write(POL, "alias-bomb.yaml", laughs("clause: 二（一）4").encode())
write(POL, "utf16.yaml", "clause: 二（一）4\n".encode("utf-16"))


def merge_bomb(head: str) -> str:
    lines = [head, "m0: &m0 {k0: 哈, k1: 哈, k2: 哈, k3: 哈, k4: 哈, k5: 哈, k6: 哈, k7: 哈}"]
    for i in range(1, 30):
        lines.append(f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}, *m{i - 1}, *m{i - 1}], x{i}: 1}}")
    return "\n".join(lines) + "\n"


write(SUB, "merge-bomb.yaml", merge_bomb("district: 和平区").encode())


# issue 19: aliases limited by the text they bring again, not only by their number (150 x 7,000 characters)
write(SUB, "alias-text.yaml", ("district: 和平区\nfigures:\n  pupils_total: &x \"" + "长" * 7_000 + "\"\n"
                               "schools: [" + ", ".join(["*x"] * 150) + "]\n").encode())
write(SUB, "huge-integer.yaml", ("district: 和平区\nreported_on: " + "9" * 5000 + "\nfigures: {pupils_total: 1}\n").encode())
write(SUB, "huge-integer.json", ('{"district": "和平区",\n "figures": {"pupils_total": ' + "1" * 5000 + "}}\n").encode())
write(SUB, "bidi-override.yaml", "district: 和平区\nschools:\n  - {id: S1, name: \"第一\u202e学小\", stage: primary}\n".encode())


def broken_member(source: str, member: str) -> bytes:
    """A workbook with two bytes in the middle of one member's compressed data changed (zlib fails on it)."""
    import zipfile

    data = bytearray(open(source, "rb").read())
    info = zipfile.ZipFile(source).getinfo(member)
    at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size // 2
    data[at] ^= 0xFF
    data[at + 1] ^= 0x55
    return bytes(data)


# a damaged workbook: broken compressed data inside a sheet was an I-BUG (zlib.error), exit 3
write(SUB, "xlsx-broken-data.xlsx", broken_member(os.path.join(HERE, "..", "..", "fixtures", "shenyang-2022-xlsx", "和平区.xlsx"),
                                                  "xl/worksheets/sheet2.xml"))


# a GBK CSV sheet with undecodable bytes on its last line (392): reported there, where GB18030 fails, not at
# line 1 where UTF-8 failed on the valid GBK header
with open(os.path.join(HERE, "..", "..", "fixtures", "shenyang-2022-csv", "皇姑区-班级.csv"), "rb") as _handle:
    write(SUB, "gbk-bad-last-line-班级.csv", _handle.read() + b"\x80\xff\xfe,1,2\n")


# a CSV cell over the csv module's field limit (131,072 characters): its line, column, header and the limit
with open(os.path.join(HERE, "..", "..", "fixtures", "shenyang-2022-csv", "苏家屯区-班级.csv"), "rb") as _handle:
    _lines = _handle.read().decode("utf-8-sig").splitlines()
_lines[3] = 'SJT001,"' + "x" * 131_073 + '",2,45,0'
write(SUB, "cell-too-long-班级.csv", ("\n".join(_lines) + "\n").encode("utf-8-sig"))
