"""End to end through the `auditor` command: the findings contract on the bundled fixtures."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys

import jsonschema
import pytest

from auditor.cli import main
from auditor.dates import zh_date
from auditor.intake.contracts import schema
from auditor.model import plan

from conftest import FIXTURES, PLAN_PACK, POLICIES, ROOT, make_pack

STATUSES = {"pass", "fail", "missing", "not_due", "not_applicable", "waived"}


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    out = tmp_path_factory.mktemp("audit")
    assert main(["audit", FIXTURES, "--as-of", "2022-12-31", "--out", str(out), "--policies", POLICIES]) == 0
    return out


def test_findings_contract(audited):
    findings = json.loads((audited / "findings.json").read_text(encoding="utf-8"))
    jsonschema.validate(findings, schema("findings"))
    districts = {v["district"] for v in findings["verdicts"]}
    assert set(plan()["districts"]) <= districts and len(plan()["districts"]) == 13
    assert {v["status"] for v in findings["verdicts"]} >= {"pass", "fail", "missing"}
    assert all(v["status"] in STATUSES for v in findings["verdicts"])
    clauses = {d["ref"]: d["clauses"] for d in findings["documents"]}
    assert all(v["clause"] in clauses[v["document"]] for v in findings["verdicts"])
    for v in findings["verdicts"]:
        for key in ("district", "document", "clause", "check", "status", "severity", "due", "responsible", "evidence"):
            assert key in v
        if v["status"] in ("fail", "missing"):
            assert v["evidence"], v
        if v["status"] == "fail":
            assert any(e["problem"] == "fail" and e.get("values") for e in v["evidence"])
    assert findings["sample_data"], "the fixtures are marked as invented sample data"
    # in plan order, as the summary's 虚构样例数据 line shows them (it began 于洪区、和平区…: code point order)
    assert findings["sample_data"] == [d for d in findings["districts"] if d in findings["sample_data"]]


def test_every_check_has_one_verdict_per_district(audited):
    findings = json.loads((audited / "findings.json").read_text(encoding="utf-8"))
    seen = {}
    for v in findings["verdicts"]:
        key = (v["district"], v["check"])
        assert key not in seen, f"two verdicts for {key}"
        seen[key] = v["status"]


def test_reports_cite_clauses_and_evidence(audited):
    findings = json.loads((audited / "findings.json").read_text(encoding="utf-8"))
    index = (audited / "index.html").read_text(encoding="utf-8")
    for district in plan()["districts"]:
        assert district in index
    failing = [v for v in findings["verdicts"] if v["status"] == "fail" and v["district"] in plan()["districts"]]
    assert failing
    for v in failing:
        page = audited / f"{v['district']}.html"
        html = page.read_text(encoding="utf-8")
        assert v["clause"] in html and v["check"] in html
        assert zh_date(v["due"]) in html  # dates as Chinese documents write them
        for e in v["evidence"]:
            if e["problem"] == "fail" and "school_name" in e:
                assert e["school_name"] in html


def test_reruns_are_byte_identical(audited, tmp_path):
    assert main(["audit", FIXTURES, "--as-of", "2022-12-31", "--out", str(tmp_path), "--policies", POLICIES]) == 0
    assert (tmp_path / "findings.json").read_bytes() == (audited / "findings.json").read_bytes()


def test_reference_engine_gives_the_same_verdicts(audited, tmp_path):
    assert main(["audit", FIXTURES, "--as-of", "2022-12-31", "--out", str(tmp_path), "--engine", "reference"]) == 0
    a = json.loads((audited / "findings.json").read_text(encoding="utf-8"))
    b = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert b["engine"] == "reference"
    assert a["verdicts"] == b["verdicts"]


def test_before_the_deadlines_nothing_fails(tmp_path):
    """Before the plan's first deadline none of its checks is judged; the national standard, in force since 2017,
    is judged whatever the date."""
    assert main(["audit", FIXTURES, "--as-of", "2019-06-30", "--out", str(tmp_path)]) == 0
    findings = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    plan_ref, national = [d["ref"] for d in findings["documents"]]
    assert {v["status"] for v in findings["verdicts"] if v["document"] == plan_ref} == {"not_due"}
    assert "not_due" not in {v["status"] for v in findings["verdicts"] if v["document"] == national}


def test_bad_submission_exits_2_names_the_file_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("district: 和平\nschools: [{id: a, name: x, stage: primary, classes: [{id: '1', grade: 1, size: -3}]}]\n", encoding="utf-8")
    before = hashlib.sha256(bad.read_bytes()).hexdigest()
    out = tmp_path / "out"
    assert main(["audit", str(bad), "--as-of", "2022-12-31", "--out", str(out), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:1: S-DISTRICT" in err and "did you mean" in err
    assert f"{bad}:2: S-SCHEMA" in err and "at least 0" in err
    assert not out.exists()
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("as_of", ["2022-13-01", "31/12/2022", "2022-02-30"])
def test_bad_as_of(as_of, tmp_path, capsys):
    assert main(["audit", FIXTURES, "--as-of", as_of, "--out", str(tmp_path / "o")]) == 2
    assert "U-ARGS" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_validate_check_and_test_commands(capsys):
    assert main(["validate", FIXTURES]) == 0
    assert main(["check", "--policies", POLICIES]) == 0
    assert main(["test", "--policies", POLICIES]) == 0
    out = capsys.readouterr().out
    assert out.endswith("未通过0个\n")


def test_test_command_fails_on_a_wrong_example(tmp_path, capsys):
    text = open(os.path.join(PLAN_PACK, "2-1-6-special-groups.yaml"), encoding="utf-8").read()
    make_pack(tmp_path)
    (tmp_path / "p.yaml").write_text(text.replace("expect: {special-groups.ledger: fail}",
                                                  "expect: {special-groups.ledger: pass}"), encoding="utf-8")
    assert main(["test", "--policies", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert "special-groups.ledger 应为“达标”，实为“未达标”" in err and "未通过1个" in out  # Chinese by default
    assert main(["test", "--policies", str(tmp_path), "--lang", "en"]) == 1
    out, err = capsys.readouterr()
    assert "special-groups.ledger expected pass, got fail" in err and out.endswith(" passed, 1 failed\n")


def test_the_installed_command_prints_no_traceback(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"district": "和平区", "schools": [', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "auditor.cli", "validate", str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2
    assert f"{bad}:1: E-SYNTAX" in result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------------------------------------- conventions (issue 17)
def test_version_and_help_on_every_command_and_option(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("auditor ")
    from auditor.cli import _parser
    parser = _parser()
    commands = parser._subparsers._group_actions[0].choices
    assert set(commands) >= {"audit", "validate", "check", "test", "template", "coverage"}
    for name, sub in commands.items():
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, (name, action.dest)  # every option says what it does


def test_the_default_policies_are_the_installed_ones(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # a folder with no policies/ in it
    from auditor.cli import default_policies
    assert os.path.isdir(default_policies()) and os.path.samefile(default_policies(), POLICIES)
    assert main(["check", "--policies", default_policies()]) == 0


def test_the_audit_ends_with_a_table_per_district_and_names_who_sent_nothing(tmp_path, capsys):
    one = os.path.join(FIXTURES, "03-dd.yaml")
    assert main(["audit", one, "--as-of", "2022-12-31", "--out", str(tmp_path / "zh"), "--policies", PLAN_PACK,
                 "--engine", "reference", "--issued", "2023-01-10"]) == 0
    out = capsys.readouterr().out
    assert "督导基准日2022年12月31日" in out and "区县（市）  未达标" in out
    assert "12个区县（市）未报送：和平区、沈河区、皇姑区" in out
    assert str(tmp_path / "zh" / "index.html") in out
    line = next(l for l in out.splitlines() if l.startswith("大东区"))
    assert line.split()[1:3] == ["6", "0"]  # failed (its self-reported large-class count among them), missing
    assert main(["audit", one, "--as-of", "2022-12-31", "--out", str(tmp_path / "js"), "--policies", PLAN_PACK,
                 "--engine", "reference", "--format", "json", "--lang", "en"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["absent"][:2] == ["和平区", "沈河区"] and len(summary["absent"]) == 12
    dd = next(d for d in summary["districts"] if d["district"] == "大东区")
    assert dd["counts"]["fail"] == 6 and dd["notice"].endswith("大东区-rectification-notice.html")


@pytest.mark.parametrize("lang, words", [
    ([], '--district: U-ARGS: 没有名为“大东”的区县（是否应为“大东区”？）'),
    (["--lang", "en"], '--district: U-ARGS: unknown district "大东"; did you mean "大东区"?'),
])
def test_a_usage_error_is_in_chinese_by_default_and_in_english_with_lang_en(lang, words, tmp_path, capsys):
    store = tmp_path / "history.sqlite"
    store.touch()  # an empty history: the districts are the plan's
    assert main(["history", "--db", str(store), "--district", "大东", *lang]) == 2
    out, err = capsys.readouterr()
    assert err.splitlines() == [words] and out == ""


@pytest.mark.parametrize("argv, line", [
    (["audit", "x"], "auditor audit: U-ARGS: 缺少必需的参数：--as-of、--out（用法见 auditor audit -h）"),
    (["audit", "x", "--lang", "en"], "auditor audit: U-ARGS: missing required argument(s): --as-of, --out (see auditor audit -h)"),
    (["audti"], "auditor: U-ARGS: COMMAND：“audti”不是可选值（可选：audit、explain、validate、check、template、test、coverage、"
                "audits、history、compare、diff）（是否应为“audit”？）（用法见 auditor -h）"),
    (["test", "--format", "junti", "--lang=en"],
     'auditor test: U-ARGS: --format: "junti" is not one of text, json, junit; did you mean "junit"? (see auditor test -h)'),
    (["audit", "x", "--as-of"], "auditor audit: U-ARGS: --as-of 需要一个值（用法见 auditor audit -h）"),
    (["check", "--bogus", "1"], "auditor: U-ARGS: 无法识别的参数：--bogus 1（用法见 auditor -h）"),
    (["check", "--lang", "fr"], "auditor check: U-ARGS: --lang：“fr”不是可选值（可选：zh、en）（用法见 auditor check -h）"),
])
def test_argparse_complaints_are_worded_in_the_command_lines_language(argv, line, capsys):
    """argparse's own complaints (a missing option, an unknown choice) as one U-ARGS line, Chinese by default."""
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out, err = capsys.readouterr()
    assert stop.value.code == 2 and out == ""
    assert err.splitlines()[-1] == line and err.splitlines()[0].startswith("usage: auditor")


@pytest.mark.parametrize("args", [["--issued", "2023-02-30"], ["--issued", "10/01/2023"], ["--number", "沈教督"]])
def test_bad_issue_options(args, tmp_path, capsys):
    assert main(["audit", FIXTURES, "--as-of", "2022-12-31", "--out", str(tmp_path / "o"), *args]) == 2
    assert "U-ARGS" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_validate_says_what_each_submission_can_feed(capsys):
    assert main(["validate", os.path.join(FIXTURES, "09-yh.yaml"), os.path.join(FIXTURES, "01-hp.yaml"), "--policies", PLAN_PACK]) == 0
    out = capsys.readouterr().out
    assert "可判定的检查：37/52项" in out and "数据齐全" in out
    assert "二（一）8 实行安全工作台账式管理：报备文件“学校安全工作台账”" in out
    assert "于洪区第5小学 义务教育阶段在校生数" in out
    assert "于洪区第2中学 班级台账（不全）" in out  # a class the school declares but did not send (completeness)
    assert main(["validate", os.path.join(FIXTURES, "09-yh.yaml"), "--policies", PLAN_PACK, "--format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["submissions"]
    assert (entry["fed"], entry["checks"], entry["manual"]) == (37, 52, 5)
    assert {g["check"] for g in entry["gaps"]} >= {"safety.ledger", "funding.per-pupil-paid"}


@pytest.mark.parametrize("command", [["check"], ["test", "--engine", "reference"], ["coverage"]])
def test_json_wherever_a_command_prints_results(command, capsys):
    assert main([*command, "--policies", POLICIES, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data


@pytest.mark.parametrize("lang, said", [("en", "special-groups.ledger: expected pass, got fail"),
                                        ("zh", "special-groups.ledger：应为“达标”，实为“未达标”")])
def test_test_command_writes_junit_for_ci(tmp_path, capsys, lang, said):
    """JUnit XML that a CI parses: one testcase per example, a failure naming the check in the user's language,
    names escaped."""
    import xml.etree.ElementTree as ET

    text = open(os.path.join(PLAN_PACK, "2-1-6-special-groups.yaml"), encoding="utf-8").read()
    wrong = text.replace("expect: {special-groups.ledger: fail}", "expect: {special-groups.ledger: pass}")
    assert wrong != text
    wrong = wrong.replace("- name: ", '- name: <&"x"> ', 1)  # a name that must be escaped
    shutil.copy(os.path.join(PLAN_PACK, "pack.yaml"), tmp_path / "pack.yaml")
    (tmp_path / "p.yaml").write_text(wrong, encoding="utf-8")
    assert main(["test", "--policies", str(tmp_path), "--format", "junit", "--engine", "reference", "--lang", lang]) == 1
    root = ET.fromstring(capsys.readouterr().out)
    cases = root.findall("./testsuite/testcase")
    assert root.tag == "testsuites" and len(cases) == int(root.get("tests")) > 1
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == int(root.get("failures")) == 1
    assert said in failed[0].find("failure").get("message")
    assert any(c.get("name").startswith('<&"x">') for c in cases)
    assert {c.get("classname") for c in cases} == {"沈政办发〔2019〕23号.special-groups"}  # the document, then the policy


@pytest.mark.parametrize("lang, line", [
    ("zh", "f.yaml:3: P-EXAMPLE: 文号 pol：示例“ex”：示例的事实不是有效的报送材料：-1 超出范围：必须不小于 0（位置：schools[0].pupils）"),
    ("en", "f.yaml:3: P-EXAMPLE: 文号 pol: ex: the example's facts are not a valid submission: -1 is out of range: must be at least 0 (at schools[0].pupils)"),
])
def test_an_example_whose_facts_are_refused_is_worded_in_the_users_language(lang, line):
    from auditor.errors import SubmissionError
    from auditor.examples import ExampleResult, refused_facts, report_lines
    from auditor.intake.document import Document
    from auditor.intake.submission import facts_from_document

    with pytest.raises(SubmissionError) as refused:
        facts_from_document(Document("x", {"district": "和平区", "schools": [{"id": "A", "name": "甲", "stage": "primary", "pupils": -1}]}))
    result = ExampleResult("pol", "ex", "f.yaml:3", [], refused_facts(refused.value), "文号")
    total = {"zh": "共通过0个示例，未通过1个", "en": "0 passed, 1 failed"}[lang]
    assert report_lines([result], [], lang) == ([line], [total])
