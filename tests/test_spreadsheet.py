"""Spreadsheets: templates generated from the policies, .xlsx/.csv submissions read to the same facts as YAML."""
from __future__ import annotations

import datetime as _dt
import glob
import hashlib
import json
import os

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from auditor.intake.sheets import layout, reader
from auditor.output import templates
from auditor.rules.fields import fields_read
from auditor.audit import Auditor
from auditor.cli import main
from auditor.errors import SubmissionError
from auditor.rules.policies import load_policies
from auditor.intake.submissions import load_submissions

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POLICIES = os.path.join(ROOT, "policies")
FIXTURES = os.path.join(ROOT, "fixtures", "shenyang-2022")

AS_OF = _dt.date(2022, 12, 31)
XLSX = os.path.join(ROOT, "fixtures", "shenyang-2022-xlsx")
CSV = os.path.join(ROOT, "fixtures", "shenyang-2022-csv")
YAML_FILES = sorted(glob.glob(os.path.join(FIXTURES, "*.yaml")))


@pytest.fixture(scope="module")
def policy_set():
    return load_policies(POLICIES)


def _data(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.loads(json.dumps(yaml.safe_load(handle), default=str))


def _verdicts(policy_set, paths, districts=None):
    return Auditor(policy_set, "reference").audit(load_submissions(paths), AS_OF, districts)["verdicts"]


@pytest.fixture(scope="module")
def yaml_verdicts(policy_set):
    """The audit of the thirteen YAML fixtures: what every spreadsheet form of them must give."""
    return _verdicts(policy_set, [FIXTURES])


def _filled(policy_set, tmp_path, yaml_file=os.path.join(FIXTURES, "01-hp.yaml")):
    """The 和平区 template filled in from its YAML fixture: (path, workbook)."""
    data = _data(yaml_file)
    path = str(tmp_path / f"{data['district']}.xlsx")
    templates.save_workbook(templates.build_workbook(policy_set, data["district"], data), path)
    return path, load_workbook(path)


def _problems(paths) -> list[str]:
    with pytest.raises(SubmissionError) as info:
        load_submissions(paths)
    return [p.format() for p in info.value.problems]


# ----------------------------------------------------------------------------- round trip
def test_filled_templates_give_the_yaml_verdicts(policy_set, tmp_path, yaml_verdicts):
    """Every fixture district, written into its template and read back, is audited exactly as its YAML."""
    for yaml_file in YAML_FILES:
        data = _data(yaml_file)
        templates.save_workbook(templates.build_workbook(policy_set, data["district"], data), str(tmp_path / f"{data['district']}.xlsx"))
    assert _verdicts(policy_set, [str(tmp_path)]) == yaml_verdicts


def _run_fixture_script(monkeypatch, xlsx: str, csv: str) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("fixture_script", os.path.join(ROOT, "fixtures", "spreadsheets.py"))
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setattr(script, "XLSX", xlsx)
    monkeypatch.setattr(script, "CSV", csv)
    script.main()


def _files(folder) -> dict[str, bytes]:
    return {name: open(os.path.join(folder, name), "rb").read() for name in sorted(os.listdir(folder))}


@pytest.fixture(scope="module")
def script_output(tmp_path_factory):
    """What fixtures/spreadsheets.py writes from the current YAML fixtures and policies."""
    folder = tmp_path_factory.mktemp("sheets")
    with pytest.MonkeyPatch.context() as mp:
        _run_fixture_script(mp, str(folder / "xlsx"), str(folder / "csv"))
    return str(folder / "xlsx"), str(folder / "csv")


def test_hand_made_workbook_and_csv_sets_mix_with_yaml(policy_set, script_output, yaml_verdicts):
    """A clean and a hand-edited workbook, a GBK and a UTF-8 CSV set, beside the other districts' YAML."""
    sheets = load_submissions(list(script_output))
    spread = {f.district for f in sheets}
    assert len(spread) == 4
    others = load_submissions([f for f in YAML_FILES if _data(f)["district"] not in spread])
    verdicts = Auditor(policy_set, "reference").audit(sheets + others, AS_OF, None)["verdicts"]
    assert verdicts == yaml_verdicts
    assert any(v["status"] == "fail" for v in verdicts if v["district"] == "大东区")


def test_bundled_spreadsheet_fixtures_are_current(script_output, monkeypatch, update_golden):
    """The committed fixtures are byte for byte what the script writes now (the script is deterministic).

    New policies or regenerated YAML fixtures change them: rerun `python fixtures/spreadsheets.py`
    (or `pytest --update-golden`) and review the diff."""
    if update_golden:
        _run_fixture_script(monkeypatch, XLSX, CSV)
    for committed, fresh in zip((XLSX, CSV), script_output):
        assert _files(committed) == _files(fresh), "stale: run .venv/bin/python fixtures/spreadsheets.py"


def test_input_files_are_never_modified(policy_set, tmp_path):
    def digest():
        return {f: hashlib.sha256(open(f, "rb").read()).hexdigest() for f in sorted(glob.glob(os.path.join(XLSX, "*")) + glob.glob(os.path.join(CSV, "*")))}

    before = digest()
    assert main(["audit", XLSX, CSV, "--as-of", "2022-12-31", "--out", str(tmp_path / "out"), "--engine", "reference",
                 "--districts", "和平区,大东区,皇姑区,苏家屯区"]) == 0
    assert digest() == before


# ----------------------------------------------------------------------------- templates
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
    folder.mkdir()
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
    assert ("list", '"小学,初中,九年一贯制"') in kinds and ("list", '"是,否"') in kinds
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


# ----------------------------------------------------------------------------- reading rules
def _field(sheet: str, key: str) -> layout.Field:
    return next(s for s in layout.sheets() if s.name == sheet).field(key)


READ = [  # (sheet, field, cell value, value read)
    ("班级", "size", "45", 45),
    ("班级", "size", "４５", 45),
    ("班级", "size", " 45\u3000", 45),
    ("班级", "size", 45.0, 45),
    ("学校", "pupils", "1,234", 1234),
    ("班级", "size", "45人", 45),
    ("区级指标", "disabled_enrolment_rate", "97%", 0.97),
    ("区级指标", "disabled_enrolment_rate", "９８.５％", 0.985),
    ("区级指标", "disabled_enrolment_rate", 0.97, 0.97),
    ("学校", "has_practice_room", "是", True),
    ("学校", "has_practice_room", "无", False),
    ("学校", "has_practice_room", True, True),
    ("学校", "stage", "九年一贯制 ", "nine_year"),
    ("学校", "stage", "junior", "junior"),
    ("报备文件", "filed_on", _dt.datetime(2019, 12, 14), "2019-12-14"),
    ("报备文件", "filed_on", "2019年12月14日", "2019-12-14"),
    ("报备文件", "filed_on", "2019/12/4", "2019-12-04"),
    ("报备文件", "filed_on", "２０１９.１２.１４", "2019-12-14"),
    ("班级", "id", 3, "3"),
    ("学校", "name", " 和平区第1小学（分校） ", "和平区第1小学（分校）"),
]


@pytest.mark.parametrize("sheet,key,raw,want", READ)
def test_documented_reading_rules(sheet, key, raw, want):
    value, problem = reader.convert(_field(sheet, key), raw)
    assert problem is None and value == want and type(value) is type(want)


REFUSED = [  # (sheet, field, cell value, fragment of the problem)
    ("班级", "size", "四十五", "应填写0到150之间的整数，实际是“四十五”"),
    ("班级", "size", 45.5, "整数列不能有小数"),
    ("班级", "size", "45%", "只有比例列可以带百分号"),
    ("班级", "size", True, "逻辑值"),
    ("班级", "size", 151, "实际是数字 151"),
    ("学校", "pupils", "无", "不适用或没有数据请留空"),
    ("班级", "size", "45个", "实际是“45个”"),
    ("班级", "size", "4,5", "实际是“4,5”"),
    ("区级指标", "disabled_enrolment_rate", 97, "比例请填小数（0.97）或百分数（97%）"),
    ("区级指标", "disabled_enrolment_rate", "1e-2", "0到1之间的比例"),
    ("学校", "has_practice_room", 1, "应填写“是”或“否”"),
    ("学校", "stage", "小学校", "是否应为“小学”"),
    ("报备文件", "filed_on", 43813, "对应 2019-12-14"),
    ("报备文件", "filed_on", "2019-02-30", "不是真实存在的日期"),
    ("报备文件", "filed_on", "去年年底", "日期，如 2019-12-14"),
    ("报备文件", "filed_on", _dt.datetime(2019, 12, 14, 9, 30), "日期不要带时间"),
    ("班级", "id", _dt.datetime(2026, 1, 1), "识别成了日期"),
    ("班级", "size", reader.ExcelError("#N/A"), "错误值 #N/A"),
]


@pytest.mark.parametrize("sheet,key,raw,fragment", REFUSED)
def test_mistakes_are_reported_never_guessed(sheet, key, raw, fragment):
    value, problem = reader.convert(_field(sheet, key), raw)
    assert value is reader.ABSENT and fragment in problem


FULL = str.maketrans("0123456789", "０１２３４５６７８９")


@given(st.integers(min_value=0, max_value=150))
def test_a_number_reads_the_same_however_it_was_typed(n):
    f = _field("班级", "size")
    forms = [n, float(n), str(n), f" {n} ", str(n).translate(FULL), f"{n}\u3000"]
    assert {reader.convert(f, form) for form in forms} == {(n, None)}


@given(st.integers(min_value=0, max_value=1000))
def test_a_percentage_is_the_fraction(permille):
    f = _field("区级指标", "disabled_enrolment_rate")
    text = f"{permille / 10:g}%"
    value, problem = reader.convert(f, text)
    assert problem is None and abs(value - permille / 1000) < 1e-12


# ----------------------------------------------------------------------------- errors at the cell
def _col(ws, title: str) -> int:
    return next(c.column for c in ws[1] if c.value and str(c.value).lstrip("*").split("（")[0] == title)


def test_errors_point_to_the_cell_and_come_together(policy_set, tmp_path):
    from openpyxl.utils import get_column_letter as letter

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
        f"{name}:学校!{stage}3: S-SCHEMA: 「学段」应填写下拉列表中的一项：小学、初中、九年一贯制，实际是“小学校”；是否应为“小学”？",
        f"{name}:班级!{size}17: S-SCHEMA: 「班额」应填写0到150之间的整数，实际是“四十五”",
        f"{name}:班级!{grade}19: S-SCHEMA: 「年级」应填写1到9之间的整数，实际是数字 12",
        f"{name}:班级!{code}21: S-SCHEMA: 「学校代码」“XX999”在「学校」表中没有（共 2 行）",
        f"{name}:班级!{size}22: S-SCHEMA: 「班额」必填，这一格是空的",
        f"{name}:班级!{cid}24: S-DUPLICATE-ID: 学校“{classes[f'{code}24'].value}”的班级编号“{classes[f'{cid}24'].value}”重复（第 23 行已填过）",
    ]
    for want in expected:
        assert any(line.startswith(want) for line in lines), (want, lines)
    assert len(lines) == len(expected), lines


def test_content_errors_from_validation_are_located_too(policy_set, tmp_path):
    """A rule only the submission loader knows (grades of a stage) still lands on its cell."""
    path, wb = _filled(policy_set, tmp_path)
    classes = wb["班级"]
    school_stage = {r[0].value: r[2].value for r in wb["学校"].iter_rows(min_row=2) if r[0].value}
    row = next(r for r in range(2, classes.max_row + 1) if school_stage.get(classes.cell(r, 1).value) == "小学")
    classes.cell(row, _col(classes, "年级")).value = 8
    wb.save(path)
    (line,) = _problems([path])
    assert f":班级!{classes.cell(row, _col(classes, '年级')).column_letter}{row}: S-SCHEMA: 「年级」小学没有8年级（小学为1–6年级，初中为7–9年级）" in line


_SCHOOL = {"id": "HP001", "name": "一校", "stage": "primary", "classes": [{"id": "1-1", "grade": 1, "size": 40}]}


@pytest.mark.parametrize("data, code, zh", [
    ({"district": "和平", "schools": [_SCHOOL]}, "S-DISTRICT", "区县“和平”不在名单中；是否应为“和平区”？"),
    ({"district": "和平区"}, "S-SCHEMA", "报送材料是空的"),
    ({"district": "和平区", "reported_on": "2019-02-30", "schools": [_SCHOOL]}, "E-DATE", "“2019-02-30”不是实际存在的日期"),
    ({"district": "和平区", "schools": [_SCHOOL, _SCHOOL]}, "S-DUPLICATE-ID", "学校代码“HP001”重复"),
    ({"district": "和平区", "schools": [{**_SCHOOL, "classes": _SCHOOL["classes"] * 2}]}, "S-DUPLICATE-ID", "学校“HP001”的班级编号“1-1”重复"),
    ({"district": "和平区", "schools": [{**_SCHOOL, "classes": [{"id": "7-1", "grade": 7, "size": 40}]}]}, "S-SCHEMA", "小学没有7年级"),
])
def test_content_checks_speak_chinese_for_spreadsheets(data, code, zh):
    """The checks every submission goes through: English for YAML and JSON, Chinese for the clerks' spreadsheets."""
    from auditor.errors import Collector
    from auditor.intake.loader import Document
    from auditor.intake.submission import check_content

    found = {}
    for lang in ("en", "zh"):
        collector = Collector("x", SubmissionError)
        check_content(Document("x", data), collector, lang=lang)
        found[lang] = [(p.code, p.message) for p in collector.problems]
    assert [c for c, _ in found["en"]] == [c for c, _ in found["zh"]] == [code]
    assert zh in found["zh"][0][1] and zh not in found["en"][0][1]


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
    import zipfile

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


def test_open_workbook_lock_files_are_skipped(policy_set, tmp_path):
    path, _ = _filled(policy_set, tmp_path)
    (tmp_path / "~$和平区.xlsx").write_bytes(b"lock")
    assert [f.district for f in load_submissions([str(tmp_path)])] == ["和平区"]


# ----------------------------------------------------------------------------- CSV
def _csv_set(policy_set, folder, encoding, data=None, edit=None):
    """A district's CSV set as Excel writes it (quoted where needed, CRLF)."""
    import csv
    import io

    data = data or _data(os.path.join(FIXTURES, "01-hp.yaml"))
    os.makedirs(folder, exist_ok=True)
    for sheet, rows in templates.sheet_rows(policy_set, data["district"], data).items():
        if edit:
            edit(sheet, rows)
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        with open(os.path.join(folder, f"{data['district']}-{sheet}.csv"), "wb") as handle:
            handle.write(buffer.getvalue().encode(encoding))
    return data["district"]


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
    lines = "\n".join(_problems([str(tmp_path)]))
    assert "E-ENCODING" in lines and fragment in lines


def test_csv_errors_name_file_row_and_header(policy_set, tmp_path):
    def edit(sheet, rows):
        if sheet == "班级":
            rows[5][[h.lstrip("*").split("（")[0] for h in rows[0]].index("班额")] = "很多"

    _csv_set(policy_set, tmp_path, "gbk", edit=edit)
    (line,) = _problems([str(tmp_path)])
    assert line.startswith(f"{tmp_path}{os.sep}和平区-班级.csv:6: S-SCHEMA: 「班额」应填写0到150之间的整数，实际是“很多”")


def test_csv_names_must_say_the_sheet(policy_set, tmp_path):
    _csv_set(policy_set, tmp_path, "utf-8")
    (tmp_path / "和平区-其他.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    lines = "\n".join(_problems([str(tmp_path)]))
    assert "和平区-其他.csv: S-SHEET: 看不出是哪一张表" in lines


def test_csv_file_prefix_and_district_must_agree(policy_set, tmp_path):
    _csv_set(policy_set, tmp_path, "utf-8")
    for name in os.listdir(tmp_path):
        os.rename(tmp_path / name, tmp_path / name.replace("和平区", "沈河区"))
    lines = "\n".join(_problems([str(tmp_path)]))
    assert "S-DISTRICT: 区县名称“和平区”与文件名中的“沈河区”不一致" in lines


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


def test_a_whole_column_gone_wrong_is_summarised(policy_set, tmp_path):
    path, wb = _filled(policy_set, tmp_path)
    classes = wb["班级"]
    size = _col(classes, "班额")
    for r in range(2, classes.max_row + 1):
        if classes.cell(r, size).value is not None:
            classes.cell(r, size).value = f"{classes.cell(r, size).value}名"
    wb.save(path)
    lines = _problems([path])
    assert len(lines) == reader.MAX_PER_COLUMN + 1
    assert "还有" in lines[-1] and "处同类问题" in lines[-1] and ":班级!" in lines[-1]


# ----------------------------------------------------------------------------- write, then read: the same facts
TEXT = st.one_of(
    st.text(alphabet="和平区第小学中（）〔〕号ABCxyz0123456789-_.", min_size=1, max_size=12),
    st.sampled_from(["001", "1-1", "3/4", "TRUE", "是", "=1+1", "1e5", "45%", "2019-12-14", "〇"]),
).filter(lambda t: t == t.strip() and "/" not in t)


def _value(f: layout.Field):
    """Any valid value of a schema field, from its type and range (nothing per field)."""
    if f.type == "enum":
        return st.sampled_from(f.enum)
    if f.type == "boolean":
        return st.booleans()
    if f.type == "date":
        return st.dates(_dt.date(1990, 1, 1), _dt.date(2035, 12, 31)).map(_dt.date.isoformat)
    if f.fraction:
        return st.integers(0, 1000).map(lambda n: n / 1000)
    if f.type in ("integer", "number"):
        low, high = int(f.minimum or 0), int(min(f.maximum if f.maximum is not None else 10**6, 10**6))
        return st.integers(low, high)
    return TEXT


def _record(fields, fixed=None):
    """A record with every required field and any of the optional ones."""
    required = {f.key: _value(f) for f in fields if f.required and not f.link and f.key not in (fixed or {})}
    optional = {f.key: _value(f) for f in fields if not f.required and not f.link and f.key not in (fixed or {})}
    return st.fixed_dictionaries(required, optional=optional).map(lambda d: {**d, **(fixed or {})})


@st.composite
def submissions(draw, policy_set):
    read = fields_read(policy_set)
    sheets = {s.kind: s for s in layout.sheets()}
    cols = {kind: templates.template_fields(sheet, read) for kind, sheet in sheets.items()}
    data = {"district": draw(st.sampled_from(["和平区", "法库县"]))}
    top = {f.key for f in cols["district"] if f.key != "district"} & {"reported_on"}
    if top and draw(st.booleans()):
        data["reported_on"] = draw(_value(sheets["district"].field("reported_on")))
    figures = draw(_record([f for f in cols["district"] if f.key not in ("district", "reported_on")]))
    if figures:
        data["figures"] = figures
    documents = draw(st.lists(_record(cols["document"]), max_size=3))
    if documents:
        data["documents"] = documents
    ids = draw(st.lists(TEXT, min_size=1, max_size=4, unique=True))
    schools = []
    for sid in ids:
        school = draw(_record(cols["school"], {"id": sid}))
        grades = {"primary": (1, 6), "junior": (7, 9)}.get(school.get("stage"), (1, 9))
        class_fields = [f for f in cols["class"] if f.key != "grade"]
        classes = draw(st.lists(st.tuples(TEXT, st.integers(*grades), _record(class_fields)), max_size=3, unique_by=lambda t: t[0]))
        if classes:
            school["classes"] = [{**rest, "id": cid, "grade": grade} for cid, grade, rest in classes]
        schools.append(school)
    data["schools"] = schools
    return data


@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_written_then_read_gives_the_same_facts(policy_set, tmp_path_factory, data):
    """Any valid submission (built from the schema's types and ranges), written into its template
    or a CSV set and read back, gives the records the YAML path gives — also for text like "001", "1-1", "=1+1"."""
    from auditor.intake.loader import Document
    from auditor.intake.submission import facts_from_document

    submission = data.draw(submissions(policy_set))
    folder = tmp_path_factory.mktemp("rt")
    path = str(folder / "x.xlsx")
    templates.save_workbook(templates.build_workbook(policy_set, submission["district"], submission), path)
    _csv_set(policy_set, str(folder / "csv"), data.draw(st.sampled_from(["utf-8-sig", "gbk"])), submission)
    want = facts_from_document(Document("x", submission, {}))
    (from_csv,) = load_submissions([str(folder / "csv")])
    for got in (reader.load_spreadsheet(path), from_csv):
        for kind in ("district", "document", "school", "class"):
            assert [r.data for r in got.of(kind)] == [r.data for r in want.of(kind)], kind
