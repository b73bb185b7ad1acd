"""sheets/headers.py: a sheet's header row found, its columns matched to fields, merged cells read or refused."""
from __future__ import annotations

import os

from spreadsheet_kit import FIXTURES, _data, _filled, _problems, policy_set  # noqa: F401

from auditor.intake.submissions import load_submissions


def test_layout_mistakes(policy_set, tmp_path):
    path, wb = _filled(policy_set, tmp_path)
    schools = wb["学校"]
    extra = schools.max_column + 1
    schools.cell(1, extra, "地址")
    schools.cell(2, extra, "和平路1号")
    schools.cell(1, extra + 1, "备注")
    schools.cell(2, extra + 1, "不读")
    address, note = schools.cell(1, extra).coordinate, schools.cell(1, extra + 1).coordinate
    wb["班级"].merge_cells("C2:D2")
    wb["报备文件"].merge_cells("A1:B1")
    wb.create_sheet("Sheet1")["A1"] = "草稿"
    wb.create_sheet("Sheet2")  # empty: ignored
    wb.save(path)
    lines = "\n".join(_problems([path]))
    assert f":学校!{address}: S-SHEET: 不认识的列名“地址”" in lines
    assert f"学校!{note}" not in lines
    assert ":班级!C2: S-SHEET: 单元格 C2:D2 横向合并" in lines
    assert ":报备文件!A1: S-SHEET: 表头单元格 A1:B1 是合并的" in lines
    assert ":Sheet1: S-SHEET: 不认识的工作表“Sheet1”" in lines
    assert "Sheet2" not in lines


def test_header_cells_merged_down_are_one_header(policy_set, tmp_path):
    """Header cells merged over two rows are read as one header row; a sub-header under them is refused."""
    path, wb = _filled(policy_set, tmp_path)
    schools = wb["学校"]
    schools.insert_rows(2)
    for c in range(1, schools.max_column + 1):
        schools.merge_cells(start_row=1, start_column=c, end_row=2, end_column=c)
    wb.save(path)
    assert len(load_submissions([path])[0].of("school")) == len(_data(os.path.join(FIXTURES, "01-hp.yaml"))["schools"])
    schools.unmerge_cells(start_row=1, start_column=1, end_row=2, end_column=1)
    schools["A2"] = "代码"
    wb.save(path)
    (line,) = _problems([path])  # the classes of the unreadable school sheet are not blamed
    assert ":学校!A2: S-SHEET: 表头只能占一行" in line
