"""sheets/build.py: the submission built from the sheets — the district, records with unique ids, classes
attached to their schools — with every problem at the cell it came from."""
from __future__ import annotations

import os

from openpyxl.utils import get_column_letter as letter

from spreadsheet_kit import _col, _csv_set, _filled, _problems, policy_set  # noqa: F401


def test_errors_point_to_the_cell_and_come_together(policy_set, tmp_path):
    path, wb = _filled(policy_set, tmp_path)
    classes, schools, figures = wb["班级"], wb["学校"], wb["区级指标"]
    code, cid, grade, size = (letter(_col(classes, t)) for t in ("学校代码", "班级编号", "年级", "班额"))
    stage = letter(_col(schools, "学段"))
    classes[f"{size}17"] = "四十五"
    classes[f"{grade}19"] = 12
    classes[f"{code}21"] = classes[f"{code}26"] = "XX999"
    classes[f"{size}22"] = None
    classes[f"{code}23"], classes[f"{cid}23"] = classes[f"{code}24"].value, classes[f"{cid}24"].value
    schools[f"{stage}3"] = "小学校"
    figures["B2"] = "和平"
    wb.save(path)
    name = os.path.basename(path)
    lines = [line.replace(str(tmp_path) + os.sep, "") for line in _problems([path])]
    expected = [
        f"{name}:区级指标!B2: S-DISTRICT: 区县名称“和平”不在十三个区县之中（是否应为“和平区”？）",
        f"{name}:学校!{stage}3: S-SCHEMA: 「学段」应填写下拉列表中的一项：小学、初中、九年一贯制、十二年一贯制、完全中学，实际是“小学校”；是否应为“小学”？",
        f"{name}:班级!{size}17: S-SCHEMA: 「班额」应填写0到150之间的整数，实际是“四十五”",
        f"{name}:班级!{grade}19: S-SCHEMA: 「年级」应填写1到9之间的整数，实际是数字 12",
        f"{name}:班级!{code}21: S-SCHEMA: 「学校代码」“XX999”在「学校」表中没有（共 2 行）",
        f"{name}:班级!{size}22: S-SCHEMA: 「班额」必填，这一格是空的",
        f"{name}:班级!{cid}24: S-DUPLICATE-ID: 学校“{classes[f'{code}24'].value}”的班级编号“{classes[f'{cid}24'].value}”重复（第 23 行已填过）",
    ]
    for want in expected:
        assert any(line.startswith(want) for line in lines), (want, lines)
    assert len(lines) == len(expected), lines


def test_csv_file_prefix_and_district_must_agree(policy_set, tmp_path):
    _csv_set(policy_set, tmp_path, "utf-8")
    for name in os.listdir(tmp_path):
        os.rename(tmp_path / name, tmp_path / name.replace("和平区", "沈河区"))
    lines = "\n".join(_problems([str(tmp_path)]))
    assert "S-DISTRICT: 区县名称“和平区”与文件名中的“沈河区”不一致" in lines


def test_a_workbook_must_name_its_district(policy_set, tmp_path):
    path, wb = _filled(policy_set, tmp_path)
    assert wb["区级指标"]["A2"].value == "*区县（市）"
    wb["区级指标"].delete_rows(2)
    wb.save(path)
    assert _problems([path]) == [f"{path}:区级指标!A1: S-SCHEMA: 没有填写区县名称：请在「区级指标」表填写「区县（市）」"]

