"""sheets/rows.py: the district sheet (one figure per row) and the record sheets (one record per row) read
row by row; every mistake in a sheet's layout is one problem at its row or cell."""
from __future__ import annotations

import os

import pytest

from spreadsheet_kit import _csv_set, _problems, policy_set  # noqa: F401


def _titles(rows) -> list[str]:
    return [h.lstrip("*").split("（")[0] for h in rows[0]]


def _drop_column(title):
    def edit(rows):
        index = _titles(rows).index(title)
        for row in rows:
            row.pop(index)
    return edit


LAYOUT = [  # (sheet of the CSV set, edit of its rows, the one problem: "file:row: CODE: message"; 17 figure rows before)
    ("区级指标", lambda rows: rows.append(["", "12", ""]),
     "和平区-区级指标.csv:34: S-SHEET: 这一行有数值但没有指标名称（第 1 列）"),
    ("区级指标", lambda rows: rows.append(["在校学生数", "5", ""]),
     "和平区-区级指标.csv:34: S-SHEET: 不认识的指标“在校学生数”（第 1 列）"),
    ("区级指标", lambda rows: rows.append(["填报日期", "2023-01-11", ""]),
     "和平区-区级指标.csv:34: S-SHEET: 指标「填报日期」填了两次（另一次在第 4 行）（第 1 列）"),
    ("区级指标", lambda rows: rows.__setitem__(0, ["名称", "值", "单位"]),
     "和平区-区级指标.csv:1: S-SHEET: 「区级指标」找不到表头：第一行应为“指标 | 数值 | 单位 | 说明”（第 1 列）"),
    ("区级指标", lambda rows: rows.__setitem__(0, ["指标", "单位", "说明"]),
     "和平区-区级指标.csv:1: S-SHEET: 「区级指标」需要“指标”和“数值”两列（第 1 列）"),
    ("学校", _drop_column("学段"),
     "和平区-学校.csv:1: S-SHEET: 「学校」缺少必填的列「学段」"),
    ("学校", lambda rows: rows[1].extend(["", "x"]),
     "和平区-学校.csv:2: S-SHEET: 这一列有数据但没有列名（表头是否合并了？）（第 57 列）"),
    ("学校", lambda rows: rows[0].__setitem__(3, "*学校名称"),
     "和平区-学校.csv:1: S-SHEET: 「学校名称」列出现了两次（另一列在第 2 列）（第 4 列）"),
    ("报备文件", lambda rows: rows.__setitem__(0, ["类别"] * len(rows[0])),
     "和平区-报备文件.csv:1: S-SHEET: 「报备文件」找不到表头：第一行应为列名，如 *文件类别、文件名称、文号、*报送备案日期（第 1 列）"),
]


@pytest.mark.parametrize("sheet, change, want", LAYOUT, ids=[want.split(": ", 2)[2][:16] for _, _, want in LAYOUT])
def test_a_layout_mistake_is_one_problem_at_its_row(policy_set, tmp_path, sheet, change, want):
    """A mistake in a sheet's layout is said once, where it is; the rows it spoils are not blamed again."""
    def edit(name, rows):
        if name == sheet:
            change(rows)

    _csv_set(policy_set, tmp_path, "utf-8", edit=edit)
    assert _problems([str(tmp_path)]) == [f"{tmp_path}{os.sep}{want}"]


def test_csv_errors_name_file_row_and_header(policy_set, tmp_path):
    def edit(sheet, rows):
        if sheet == "班级":
            rows[5][[h.lstrip("*").split("（")[0] for h in rows[0]].index("班额")] = "很多"

    _csv_set(policy_set, tmp_path, "gbk", edit=edit)
    (line,) = _problems([str(tmp_path)])
    assert line.startswith(f"{tmp_path}{os.sep}和平区-班级.csv:6: S-SCHEMA: 「班额」应填写0到150之间的整数，实际是“很多”")
