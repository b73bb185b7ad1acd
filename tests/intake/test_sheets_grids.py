"""sheets/grids.py: workbooks and CSV files opened safely — damaged, old, encrypted or bomb-laden workbooks
refused, formulas read as the values Excel saved, CSV in the encodings Excel writes."""
from __future__ import annotations

import os
import zipfile

import pytest

from auditor.intake.sheets import grids
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
    assert _problems([str(tmp_path)], "en") == [
        f"{tmp_path}{os.sep}和平区-报备文件.csv: E-SYNTAX: CSV cannot be read: field larger than field limit (131072)"]
