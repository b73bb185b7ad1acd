"""sheets/grids.py: workbooks and CSV files opened safely — damaged, old, encrypted or bomb-laden workbooks
refused, formulas read as the values Excel saved, CSV in the encodings Excel writes."""
from __future__ import annotations

import datetime as _dt
import lzma
import os
import shutil
import zipfile
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.intake.sheets import grids, layout
from auditor.intake.submissions import load_submissions
from spreadsheet_kit import FIXTURES, _col, _csv_set, _filled, _problems, _verdicts, policy_set  # noqa: F401


def test_formula_without_a_saved_result(policy_set, tmp_path):
    path, wb = _filled(policy_set, tmp_path)
    cell = wb["学校"].cell(2, _col(wb["学校"], "在校生数"))
    cell.value = "=SUM(1,2)"  # openpyxl saves no computed value, as a program (not Excel) would
    wb.save(path)
    (line,) = _problems([path])
    assert f":学校!{cell.coordinate}: S-SCHEMA: 「在校生数」的公式没有保存计算结果" in line


def test_damaged_and_old_workbooks(tmp_path):
    bad = tmp_path / "和平区.xlsx"
    bad.write_bytes(b"not a zip")
    old = tmp_path / "沈河区.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    (tmp_path / "大东区.xlsx").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)  # what an encrypted workbook looks like
    lines = "\n".join(_problems([str(tmp_path)]))
    assert "和平区.xlsx: E-READ: 不是有效的 .xlsx 工作簿" in lines
    assert "大东区.xlsx: E-READ: 这是设置了打开密码的工作簿" in lines
    assert "沈河区.xls: E-READ: 旧版 Excel 97-2003 文件" in lines


XLSX = os.path.join(os.path.dirname(FIXTURES), "shenyang-2022-xlsx", "和平区.xlsx")


def _broken_member(tmp_path, member="xl/worksheets/sheet2.xml"):
    """The 和平区 workbook with two bytes in the middle of one member's compressed data changed."""
    data = bytearray(open(XLSX, "rb").read())
    info = zipfile.ZipFile(XLSX).getinfo(member)
    at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size // 2
    data[at] ^= 0xFF
    data[at + 1] ^= 0x55
    path = tmp_path / "和平区.xlsx"
    path.write_bytes(bytes(data))
    return str(path)


def test_broken_compressed_data_in_a_sheet_is_a_damaged_workbook(tmp_path):
    """A zlib.error from inside the package was an I-BUG (exit 3); now E-READ naming the sheet, fully Chinese."""
    path = _broken_member(tmp_path)
    (line,) = _problems([path])
    assert line == (f"{path}: E-READ: 不是有效的 .xlsx 工作簿（文件已损坏：工作表「区级指标」的数据无法解压）；"
                    "请用 Excel 重新另存为 .xlsx，或重新索取该文件")
    (line,) = _problems([_broken_member(tmp_path, "xl/workbook.xml")], "en")
    assert "E-READ: not a valid .xlsx workbook (the file is damaged: its part 「xl/workbook.xml」 cannot be unpacked)" in line


@pytest.mark.parametrize("error", [
    zlib.error("Error -3 while decompressing data: invalid distance too far back"),
    zipfile.BadZipFile("Bad CRC-32 for file 'xl/worksheets/sheet2.xml'"),
    EOFError("Compressed file ended before the end-of-stream marker was reached"),
    lzma.LZMAError("Corrupt input data"),
    NotImplementedError("That compression method is not supported"),
    RuntimeError("File 'xl/worksheets/sheet2.xml' is encrypted, password required for extraction"),
    OSError("Invalid data stream"),
])
def test_every_error_reading_a_member_is_a_damaged_workbook(tmp_path, monkeypatch, error):
    real = zipfile.ZipFile.read

    def read(self, name, pwd=None):
        if name == "xl/worksheets/sheet4.xml":
            raise error
        return real(self, name, pwd)

    monkeypatch.setattr(zipfile.ZipFile, "read", read)
    (line,) = _problems([XLSX])
    assert line.endswith("E-READ: 不是有效的 .xlsx 工作簿（文件已损坏：工作表「学校」的数据无法解压）；请用 Excel 重新另存为 .xlsx，或重新索取该文件")


@pytest.mark.parametrize("where", ["from_filelike", "get_sheet_by_name"])
def test_an_error_of_the_reader_is_a_damaged_workbook_in_chinese_words(tmp_path, monkeypatch, where):
    """Whatever python-calamine raises for a damaged package: E-READ; its English words in English only."""
    import python_calamine

    def fail(*args, **kwargs):
        raise python_calamine.CalamineError("Xml error: invalid UTF-8")

    target = python_calamine.CalamineWorkbook
    monkeypatch.setattr(target, where, fail if where == "get_sheet_by_name" else classmethod(lambda cls, f: fail()))
    (zh,) = _problems([XLSX])
    assert "E-READ: 不是有效的 .xlsx 工作簿（文件已损坏：" in zh and "Xml" not in zh and "Calamine" not in zh
    (en,) = _problems([XLSX], "en")
    assert "the file is damaged" in en and "CalamineError: Xml error: invalid UTF-8" in en


def test_entity_bomb_in_a_workbook_is_refused(policy_set, tmp_path):
    """XML entity expansion inside the .xlsx package stops at the parser (expat's amplification limit)."""
    path, _ = _filled(policy_set, tmp_path)
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(f'<!ENTITY {n} "{("&" + p + ";") * 10}">' for p, n in zip("abcdefgh", "bcdefghi"))
    bomb = f'<?xml version="1.0"?><!DOCTYPE x [{entities}]><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&i;</t></is></c></row></sheetData></worksheet>'
    with zipfile.ZipFile(path) as src:
        items = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w") as dst:
        for info, data in items:
            dst.writestr(info, bomb.encode() if info.filename == "xl/worksheets/sheet2.xml" else data)
    (line,) = _problems([path])
    assert "E-READ: 不是有效的 .xlsx 工作簿" in line


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_excel_writes(policy_set, tmp_path, encoding):
    _csv_set(policy_set, tmp_path, encoding)
    assert _verdicts(policy_set, [str(tmp_path)], ["和平区"]) == _verdicts(policy_set, [os.path.join(FIXTURES, "01-hp.yaml")], ["和平区"])


@pytest.mark.parametrize("encoding,fragment", [("utf-16", "file is UTF-16"), ("big5", "UTF-8 or GB18030")])
def test_other_encodings_are_refused_with_the_encoding_named(policy_set, tmp_path, encoding, fragment):
    if encoding == "big5":  # bytes that are neither UTF-8 nor GB18030
        _csv_set(policy_set, tmp_path, "utf-8")
        (tmp_path / "和平区-学校.csv").write_bytes("学校代码\n".encode("utf-8") + b"\x81\x20\xff\n")
    else:
        _csv_set(policy_set, tmp_path, encoding)
    lines = "\n".join(_problems([str(tmp_path)], "en"))
    assert "E-ENCODING" in lines and fragment in lines
    assert "请另存为 CSV UTF-8 或 GBK 编码" in "\n".join(_problems([str(tmp_path)]))


def test_a_workbook_that_unpacks_too_large_is_refused(policy_set, tmp_path, monkeypatch):
    path, _ = _filled(policy_set, tmp_path)
    monkeypatch.setattr(grids, "MAX_UNZIPPED_BYTES", 1000)
    (line,) = _problems([path], "en")
    assert _problems([path])[0].endswith("最多允许 1000 字节")
    assert line.startswith(f"{path}: E-SIZE: the workbook unpacks to ") and line.endswith("bytes; at most 1000 are allowed")


def test_a_sheet_given_twice_is_refused(policy_set, tmp_path):
    path, wb = _filled(policy_set, tmp_path)
    wb.copy_worksheet(wb["学校"]).title = "schools"  # the sheet's English name names it too
    wb.save(path)
    assert _problems([path]) == [f"{path}:schools: S-SHEET: 工作表「学校」出现了两次"]


def test_a_csv_file_python_cannot_split_is_refused(policy_set, tmp_path):
    def edit(sheet, rows):
        if sheet == "报备文件":
            rows[1][1] = "长" * 140000  # over the csv module's field limit

    _csv_set(policy_set, tmp_path, "utf-8", edit=edit)
    file = f"{tmp_path}{os.sep}和平区-报备文件.csv"
    assert _problems([str(tmp_path)], "en") == [
        f"{file}:2: E-SYNTAX: a cell 「文件名称」 is longer than 131,072 characters, the most a CSV cell may hold (at column 2)"]
    assert _problems([str(tmp_path)]) == [  # the line, the column and the reason in Chinese too (it had neither)
        f"{file}:2: E-SYNTAX: 单元格「文件名称」超过 131,072 个字符，CSV 单元格最多只能有 131,072 个字符（第 2 列）"]


def test_a_zero_byte_csv_sheet_is_refused_and_a_header_only_one_is_a_sheet_without_rows(tmp_path):
    """A 0-byte file (a failed export or transfer) was read as an empty sheet: 14 schools, 0 classes, exit 0."""
    folder = tmp_path / "csv"
    folder.mkdir()
    source = os.path.join(os.path.dirname(FIXTURES), "shenyang-2022-csv")
    for name in os.listdir(source):
        if name.startswith("苏家屯区-"):
            shutil.copy(os.path.join(source, name), folder / name)
    sheet = folder / "苏家屯区-班级.csv"
    header = sheet.read_bytes().splitlines(keepends=True)[0]
    sheet.write_bytes(b"")
    assert _problems([str(folder)]) == [f"{sheet}: S-SCHEMA: 文件是空的（0 字节）：导出或传送是否失败？没有数据的表也应有表头行"]
    sheet.write_bytes(header)
    (facts,) = load_submissions([str(folder)])
    assert len(facts.records["school"]) == 14 and not facts.records.get("class")


def test_a_missing_closing_quote_that_makes_the_rest_one_cell_is_named(policy_set, tmp_path):
    lines = ["学校代码,班级编号,年级,班额,少数民族学生数", 'S1,"1-1,2,45,0'] + ["S1,1-2,2,45,0"] * 10_000
    path = tmp_path / "和平区-班级.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = [p for p in _problems([str(path)]) if "E-SYNTAX" in p]
    assert found == [f"{path}:2: E-SYNTAX: 单元格「班级编号」超过 131,072 个字符，CSV 单元格最多只能有 131,072 个字符"
                     f"（从此行一直延续到第 10002 行：是否缺少右引号 \"？）（第 2 列）"]


class _Sheet:
    """What grids._rows reads of a calamine sheet: where its used range starts and its rows."""

    def __init__(self, start, table):
        self.start, self.table = start, table

    def iter_rows(self):
        return iter(self.table)

    def __repr__(self):
        return f"_Sheet({self.start!r}, {self.table!r})"


_CELLS = st.one_of(
    st.just(""), st.sampled_from([" ", "0", "学校", "#N/A"]), st.text(max_size=3),
    st.floats(allow_nan=False), st.sampled_from([0.0, -0.0, 1.0, 3.0, 2.5, 2.0**53, -(2.0**53), 2.0**60, float("inf")]),
    st.integers(-3, 3), st.sampled_from([2**60]), st.booleans(),
    st.dates(), st.datetimes(), st.times(), st.timedeltas(max_value=_dt.timedelta(days=3)))


@st.composite
def _sheets(draw):
    width = draw(st.integers(1, 5))
    table = [[draw(_CELLS) for _ in range(width)] for _ in range(draw(st.integers(0, 8)))]
    start = draw(st.none() | st.tuples(st.integers(0, 5), st.integers(0, 5)))
    return _Sheet(start, table)


def _as_openpyxl(value):
    """The rule, cell by cell: openpyxl's kinds for calamine's values (None: an empty cell)."""
    if value == "" and isinstance(value, str):
        return None
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if type(value) is _dt.date:
        return _dt.datetime.combine(value, _dt.time())
    return value


@given(_sheets())
def test_rows_read_cells_as_openpyxl_gave_them(sheet):
    """Every cell holding a value at its 1-based place, in openpyxl's kinds; empty rows left out; ``filled`` says
    whether no cell held is text of spaces only."""
    rows, filled = grids._rows(sheet)
    want = {}
    if sheet.start is not None:
        for r, row in enumerate(sheet.table, sheet.start[0] + 1):
            cells = {c: _as_openpyxl(v) for c, v in enumerate(row, sheet.start[1] + 1) if _as_openpyxl(v) is not None}
            if cells:
                want[r] = cells
    assert rows == want
    assert [(r, c, type(v)) for r, cells in rows.items() for c, v in cells.items()] == \
        [(r, c, type(v)) for r, cells in want.items() for c, v in cells.items()]
    blanks = [v for cells in rows.values() for v in cells.values() if isinstance(v, str) and not v.strip(layout.SPACES)]
    assert filled is (not blanks)


def test_rows_whole_numbers_and_dates_as_openpyxl_gave_them():
    sheet = _Sheet((1, 2), [["学校代码", "班额", "日期"], ["", 45.0, _dt.date(2020, 1, 2)], ["", "", ""], ["x", 2.5, ""]])
    rows, filled = grids._rows(sheet)
    assert rows == {2: {3: "学校代码", 4: "班额", 5: "日期"}, 3: {4: 45, 5: _dt.datetime(2020, 1, 2)}, 5: {3: "x", 4: 2.5}}
    assert type(rows[3][4]) is int and filled
    sheet.table[2][0] = "\u3000 "  # full-width and ASCII spaces: held, read as empty
    assert grids._rows(sheet) == ({**rows, 4: {3: "\u3000 "}}, False)
