"""sheets/reader.py: a workbook or a district's CSV set read to the same facts as its YAML, every problem at
its cell, a column gone wrong summarised; the bundled spreadsheet fixtures current and never modified."""
from __future__ import annotations

import datetime as _dt
import glob
import hashlib
import os
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategies import agree
from auditor.audit import Auditor
from auditor.cli import main
from auditor.intake.document import Document
from auditor.intake.sheets import layout, reader
from auditor.intake.submission import facts_from_document
from auditor.intake.submissions import load_submissions
from auditor.output import templates
from auditor.rules.fields import fields_read
from spreadsheet_kit import (  # noqa: F401
    AS_OF, CSV, FIXTURES, ROOT, XLSX, YAML_FILES, _col, _csv_set, _data, _filled, _problems, _verdicts, policy_set)


@pytest.fixture(scope="module")
def yaml_verdicts(policy_set):
    """The audit of the thirteen YAML fixtures: what every spreadsheet form of them must give."""
    return _verdicts(policy_set, [FIXTURES])


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


# ----------------------------------------------------------------------------- errors at the cell
def test_content_errors_from_validation_are_located_too(policy_set, tmp_path):
    """A rule only the submission loader knows (grades of a stage) still lands on its cell."""
    path, wb = _filled(policy_set, tmp_path)
    classes = wb["班级"]
    school_stage = {r[0].value: r[2].value for r in wb["学校"].iter_rows(min_row=2) if r[0].value}
    row = next(r for r in range(2, classes.max_row + 1) if school_stage.get(classes.cell(r, 1).value) == "小学")
    classes.cell(row, _col(classes, "年级")).value = 8
    wb.save(path)
    (line,) = _problems([path])
    assert f":班级!{classes.cell(row, _col(classes, '年级')).column_letter}{row}: S-SCHEMA: 「年级」小学没有8年级（小学为1–6年级，初中、完全中学为7–9年级）" in line


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


def test_csv_names_must_say_the_sheet(policy_set, tmp_path):
    _csv_set(policy_set, tmp_path, "utf-8")
    (tmp_path / "和平区-其他.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    lines = "\n".join(_problems([str(tmp_path)]))
    assert "和平区-其他.csv: S-SHEET: 看不出是哪一张表" in lines


def test_a_sheet_given_twice_in_a_csv_set_is_refused(policy_set, tmp_path):
    _csv_set(policy_set, tmp_path, "utf-8")
    shutil.copy(tmp_path / "和平区-学校.csv", tmp_path / "和平区-schools.csv")  # sorted first: it is the one read
    assert _problems([str(tmp_path)]) == [f"{tmp_path}{os.sep}和平区-学校.csv: S-SHEET: 「学校」已由 {tmp_path}{os.sep}和平区-schools.csv 提供"]


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
    agree(figures)
    if figures:
        data["figures"] = figures
    documents = draw(st.lists(_record(cols["document"]), max_size=3))
    if documents:
        data["documents"] = documents
    ids = draw(st.lists(TEXT, min_size=1, max_size=4, unique=True))
    schools = []
    for sid in ids:
        school = draw(_record(cols["school"], {"id": sid}))
        agree(school)  # declared counts that agree, as the intake requires
        grades = {"primary": (1, 6), "junior": (7, 9), "complete_secondary": (7, 9)}.get(school.get("stage"), (1, 9))
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
