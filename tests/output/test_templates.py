"""output/templates.py: the fill-in workbooks generated from the policies — exactly the columns the checks
read, drop-down lists, ranges and links, a guide sheet — and never written over without --force."""
from __future__ import annotations

import os

import pytest
from openpyxl import load_workbook

from auditor.cli import main
from auditor.intake.sheets import layout
from auditor.output import templates
from auditor.rules.fields import fields_read
from auditor.rules.policies import load_policies
from conftest import POLICIES, make_pack



@pytest.fixture(scope="module")
def policy_set():
    return load_policies(POLICIES)


def _col(ws, title: str) -> int:
    return next(c.column for c in ws[1] if c.value and str(c.value).lstrip("*").split("（")[0] == title)


def _headers(path: str) -> dict[str, list[str]]:
    wb = load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        if ws.title == layout.GUIDE or ws.sheet_state == "hidden":
            continue
        column = [c.value for c in ws["A"]][1:] if ws.title == "区级指标" else [c.value for c in ws[1]]
        out[ws.title] = [str(v).lstrip("*") for v in column if v]
    return out


def test_template_columns_are_exactly_what_the_checks_read(policy_set, tmp_path):
    """Each column is identifying/required or read by some check or measure; each field read has its column."""
    assert main(["template", "--out", str(tmp_path)]) == 0
    assert len(os.listdir(tmp_path)) == 13
    headers = _headers(str(tmp_path / "和平区.xlsx"))
    read = fields_read(policy_set)
    for sheet in layout.sheets():
        shown = {f.key for f in sheet.fields if f.header.lstrip("*") in headers[sheet.name]}
        for f in sheet.fields:
            needed = f.link or f.required or f.key in layout.IDENTIFYING.get(sheet.kind, ()) or (sheet.kind, f.key) in read \
                or (sheet.vertical and f.key in layout.META)
            assert (f.key in shown) == needed, (sheet.name, f.key)


SCRATCH = """
clause: 二（一）4
id: scratch
title: {zh: 试验, en: scratch}
text: 试验
responsible: [市教育局]
checks:
  - id: scratch.rural
    title: {zh: 乡村小班, en: small rural classes}
    over: class
    where: school.rural
    due: 2022-12-31
    require: size <= 30
    severity: minor
    message: {zh: "x", en: "x"}
  - id: scratch.filed-with
    title: {zh: 报送单位, en: filed with}
    over: document
    due: 2022-12-31
    require: filed_with == "市教育局"
    severity: minor
    message: {zh: "x", en: "x"}
"""


BASE = """
clause: 二（一）4
id: base
title: {zh: 班额, en: class size}
text: 班额
responsible: [市教育局]
checks:
  - id: base.size
    title: {zh: 班额, en: size}
    over: class
    due: 2022-12-31
    require: size <= 55
    severity: minor
    message: {zh: "x", en: "x"}
"""


def test_a_field_a_new_policy_reads_gains_a_column(tmp_path):
    folder = tmp_path / "policies"
    make_pack(folder)
    (folder / "1-base.yaml").write_text(BASE, encoding="utf-8")
    before = _headers(templates.write_templates(load_policies(str(folder)), str(tmp_path / "a"), ["沈河区"])[0])
    (folder / "9-scratch.yaml").write_text(SCRATCH, encoding="utf-8")
    after = _headers(templates.write_templates(load_policies(str(folder)), str(tmp_path / "b"), ["沈河区"])[0])
    assert "乡村学校" not in before["学校"] and "乡村学校" in after["学校"]
    assert "报送单位" not in before["报备文件"] and "报送单位" in after["报备文件"]
    comment = load_workbook(tmp_path / "b" / "沈河区.xlsx")["学校"].cell(1, after["学校"].index("乡村学校") + 1).comment.text
    assert "rural" in comment and "乡村小班" in comment


def test_template_has_guide_dropdowns_ranges_and_links(policy_set, tmp_path):
    path = templates.write_templates(policy_set, str(tmp_path), ["和平区"])[0]
    wb = load_workbook(path)
    assert wb.sheetnames[0] == "填表说明"
    assert wb["区级指标"]["B2"].value == "和平区"
    validations = {str(dv.sqref): dv for dv in wb["学校"].data_validations.dataValidation}
    kinds = {(dv.type, dv.formula1) for dv in validations.values()}
    assert ("list", '"小学,初中,九年一贯制,十二年一贯制,完全中学"') in kinds and ("list", '"是,否"') in kinds
    assert any(dv.type == "whole" and dv.formula2 == "20000" for dv in validations.values())
    classes = wb["班级"]
    assert classes["A1"].value == "*学校代码"
    assert any(dv.type == "list" and dv.formula1.startswith("'学校'!$A$2") for dv in classes.data_validations.dataValidation)
    assert "size" in classes.cell(1, _col(classes, "班额")).comment.text


def test_template_refuses_to_overwrite_without_force(tmp_path):
    assert main(["template", "--out", str(tmp_path), "--district", "和平区"]) == 0
    assert main(["template", "--out", str(tmp_path), "--district", "和平区"]) == 2
    assert main(["template", "--out", str(tmp_path), "--district", "和平区", "--force"]) == 0
    assert main(["template", "--out", str(tmp_path), "--district", "和平"]) == 2


@pytest.mark.parametrize("lang, line", [
    (None, "已在 {out} 写出 2 个填报模板：和平区.xlsx、沈河区.xlsx"),  # Chinese by default: it was English in every language
    ("zh", "已在 {out} 写出 2 个填报模板：和平区.xlsx、沈河区.xlsx"),
    ("en", "wrote 2 template(s) to {out}: 和平区.xlsx, 沈河区.xlsx"),
])
def test_template_speaks_the_language_asked_for(tmp_path, capsys, lang, line):
    out = str(tmp_path / "t")
    assert main(["template", "--out", out, "--district", "和平区,沈河区"] + (["--lang", lang] if lang else [])) == 0
    assert capsys.readouterr().out == line.format(out=out) + "\n"


@pytest.mark.parametrize("lang, line", [
    (None, "--district: U-ARGS: 没有名为“和平”的区县（是否应为“和平区”？）"),
    ("en", '--district: U-ARGS: '),
])
def test_a_bad_district_names_the_option_as_typed(tmp_path, capsys, lang, line):
    """template takes --district; its error said --districts, an option template does not have."""
    assert main(["template", "--out", str(tmp_path / "t"), "--district", "和平"] + (["--lang", lang] if lang else [])) == 2
    err = capsys.readouterr().err
    assert err.startswith(line) and "--districts" not in err and "Traceback" not in err, err
    assert not (tmp_path / "t").exists()
