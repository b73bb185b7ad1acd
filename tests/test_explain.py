"""`auditor explain` and the 判定依据 block: the trace of findings.json, in words, with the same numbers."""
from __future__ import annotations

import datetime as _dt
import json
import re

import pytest

from auditor.audit import Auditor
from auditor.cli import main
from auditor.intake.submissions import load_submissions
from auditor.output.report import render
from auditor.output.formatter import Formatter
from auditor.output.views import pending_review
from auditor.output.why import basis
from auditor.rules.policies import load_policies

from conftest import FIXTURES, POLICIES

AS_OF = "2022-12-31"


@pytest.fixture(scope="module")
def audited():
    policy_set = load_policies(POLICIES)
    findings = Auditor(policy_set, "reference").audit(load_submissions([FIXTURES]), _dt.date.fromisoformat(AS_OF))
    return policy_set, findings


def _explain(capsys, *args) -> dict:
    assert main(["explain", FIXTURES, "--as-of", AS_OF, "--policies", POLICIES, "--format", "json", "--jobs", "1", *args]) == 0
    return json.loads(capsys.readouterr().out)


def _verdict(findings, district, check):
    return next(v for v in findings["verdicts"] if v["district"] == district and v["check"] == check)


@pytest.mark.parametrize("district, check", [
    ("大东区", "large-classes.56"),              # failing classes
    ("于洪区", "dropout.reporting"),             # a document never filed
    ("浑南区", "leadership.action-plan-filed"),  # a document filed late
    ("沈阳市", "overall-goals.coverage"),        # a city-wide target, from every district's figures
    ("大东区", "large-classes.self-report"),     # a self-reported figure against the class ledger
])
def test_explain_gives_the_trace_of_findings_json(capsys, audited, district, check):
    _, findings = audited
    explained = _explain(capsys, "--district", district, "--check", check)
    v = _verdict(findings, district, check)
    assert explained["status"] == v["status"] and explained["trace"] == v["trace"]
    rows = {r["label"]: r["text"] for r in explained["basis"]}
    records = rows["核查记录"]
    c = v["counts"]
    assert records == f"共{c['checked']}条：达标{c['pass']}，未达标{c['fail']}，数据缺失{c['missing']}，不适用{c['not_applicable']}"
    if v["trace"]["failed"]["count"]:
        assert rows["未达标记录"].startswith(f"共{v['counts']['fail']}条")
    for m in v["trace"].get("measures", []):  # the figure and its inputs, as findings.json has them
        if "numerator" in m:
            assert f"{m['numerator']:,} / {m['denominator']:,}" in rows["计算依据"]
        if "counted" in m:
            assert f"计入{m['counted']['count']}条" in rows["计算依据"]
    assert rows["判定日期"] == "2022年12月31日"


def test_explain_late_and_never_in_words(capsys):
    late = _explain(capsys, "--district", "浑南区", "--check", "leadership.action-plan-filed", "--item", "document:1")
    assert "逾期15天报送" in late["item_text"] and late["item"]["filing"]["days"] == 15
    never = _explain(capsys, "--district", "于洪区", "--check", "dropout.reporting", "--lang", "en")
    assert any("not filed (due 2022-12-31)" in r["text"] for r in never["basis"])


@pytest.mark.parametrize("lang, words, never", [
    ("zh", "第2阶段（共2阶段），时限2022年12月31日，参数：全市优质教育资源覆盖面的目标值 100%", "参数：target"),
    ("en", "step 2 of 2, due 2022-12-31; parameters: City-wide coverage of quality resources target 100%", "parameters: target"),
])
def test_a_schedules_parameter_reads_as_the_target_it_sets(capsys, audited, lang, words, never):
    """The deadline in force names a step's parameter by the field it is compared with, formatted as that field
    (a share: 100%), never by the policy's own name for it and its raw value (参数：target 1 on a Chinese report)."""
    step = next(r["text"] for r in _explain(capsys, "--district", "沈阳市", "--check", "overall-goals.coverage",
                                             "--lang", lang)["basis"] if r["label"] in ("适用时限", "Deadline in force"))
    assert words in step and never not in step


def test_explain_text_and_a_passing_item(capsys):
    assert main(["explain", FIXTURES, "--as-of", AS_OF, "--district", "大东区", "--check", "large-classes.56",
                 "--item", "class:DD001/1-1", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "判定标准" in out and "班额不超过55人" in out and "不在未达标或缺数据记录之列" in out


@pytest.mark.parametrize("lang, words", [("zh", "政策中没有检查项“large-classes.57”（是否应为“large-classes.56”？）"),
                                         ("en", 'no check "large-classes.57" in the policies; did you mean "large-classes.56"?')])
def test_explain_refuses_an_unknown_check_before_auditing(capsys, lang, words):
    assert main(["explain", FIXTURES, "--as-of", AS_OF, "--district", "大东区", "--check", "large-classes.57", "--lang", lang]) == 2
    assert "U-ARGS" in (err := capsys.readouterr().err) and words in err, err


@pytest.mark.parametrize("lang, words", [("zh", "未知的区县（市）“大东县”（是否应为“大东区”？）"),
                                         ("en", 'unknown district "大东县"; did you mean "大东区"?')])
def test_explain_refuses_an_unknown_district_in_the_users_language(capsys, lang, words):
    assert main(["explain", FIXTURES, "--as-of", AS_OF, "--district", "大东县", "--check", "large-classes.56", "--lang", lang]) == 2
    assert "U-ARGS" in (err := capsys.readouterr().err) and words in err, err


def test_the_reports_carry_the_basis_and_the_days_late(audited):
    policy_set, findings = audited
    files = render(findings, policy_set, "zh")
    page = files["浑南区.html"]
    shown = [v for v in findings["verdicts"] if v["district"] == "浑南区" and v["status"] in ("fail", "missing") and not pending_review(v)]
    assert shown and page.count('<p class="why small">') == len(shown)  # one per finding of the report's sections 一 and 二
    notice = re.sub(r"<[^>]+>", "", files["浑南区-整改通知.html"])
    assert "（逾期15天）" in notice and "（逾期5天）" in notice
    assert "未报送（应于" in notice


@pytest.mark.parametrize("check, named", [
    ("large-classes.self-report", "如：于洪区第2中学：班级台账（不全）"),          # a school's short class list
    ("practice.room-share-50", "如：于洪区第10小学：有综合实践活动专用教室"),     # a school lacking a field
    ("nat-resources.cv-sports-area-primary", "如：于洪区第5小学（小学段）：在校生数、学校类别"),  # a school's stage
])
def test_a_figure_that_cannot_be_worked_out_names_the_records_it_lacks(audited, check, named):
    """判定依据's 计算依据 of a figure lacking data names each record as the report does (school, stage, what is
    missing), never by its key (如：class:YH002/*, school:YH010, school_stage:YH005/primary)."""
    policy_set, findings = audited
    page = re.sub(r"<[^>]+>", "", render(findings, policy_set, "zh")["于洪区.html"])
    v = _verdict(findings, "于洪区", check)
    measure = next(r["text"] for r in basis(v, Formatter(policy_set, "zh")) if r["key"] == "measure")
    assert named in measure and named in page
    assert not re.search(r"如：(class|school|school_stage):", page)


@pytest.mark.parametrize("district, check, zh, en", [
    ("沈北新区", "practice.room-share-50", "沈北新区有综合实践活动专用教室的学校占比35.7%，低于50%", "practice classroom 35.7%, below 50%"),
    ("沈阳市", "overall-goals.coverage", "全市优质教育资源覆盖面为99.6%，未达到100%", "City-wide coverage 99.6%, below 100%"),  # its target too
    ("铁西区", "safety.monitoring-full", "铁西区第3小学重点部位监控覆盖率95%，未全覆盖", "coverage 95%, not full"),
    ("大东区", "nat-resources.primary-schools", "最低一项为标准的80.0%", "the lowest at 80.0% of its value"),  # (x * 100)|round(1)
    ("皇姑区", "nat-resources.cv-multimedia-junior", "校际差异系数为0.565，高于0.45", "0.565, above 0.45"),  # not a share
])
def test_a_message_prints_a_share_as_the_reports_do(audited, district, check, zh, en):
    """A share in a failing record's message reads as a percentage, as in the rest of the documents — the notices
    told 沈北新区 占比0.357143，低于50% and 市教育局 覆盖面为0.996383，未达到1.0."""
    _, findings = audited
    message = next(e for e in _verdict(findings, district, check)["evidence"] if e["problem"] == "fail")["message"]
    assert zh in message["zh"] and en in message["en"]


def test_a_self_report_that_differs_from_the_ledger_is_its_own_finding(capsys, audited):
    """大东区 reports no class of 56 or more; its class ledger holds two: 数据不一致, both values and the records cited."""
    policy_set, findings = audited
    v = _verdict(findings, "大东区", "large-classes.self-report")
    assert v["status"] == "fail" and v["title"]["zh"].startswith("数据不一致")
    d = v["discrepancy"]
    assert (d["reported"]["value"], d["computed"]["value"], d["difference"], d["beyond"]) == (0, 2, -2, True)
    counted = next(m for m in v["trace"]["measures"] if m["id"] == "large_classes_56_count")["counted"]
    failing = {e["record"] for e in _verdict(findings, "大东区", "large-classes.56")["evidence"]}
    assert counted["count"] == 2 and set(counted["first"]) == failing  # the records behind the computed figure
    others = [x for x in findings["verdicts"] if x["check"] == "large-classes.self-report" and x["district"] != "大东区"]
    assert all(x["status"] in ("pass", "missing") for x in others) and any(x["status"] == "pass" for x in others)
    explained = _explain(capsys, "--district", "大东区", "--check", "large-classes.self-report")
    row = next(r["text"] for r in explained["basis"] if r["label"] == "数据不一致")
    assert "自报56人以上大班额数0个" in row and "相差2" in row
    notice = re.sub(r"<[^>]+>", "", render(findings, policy_set, "zh")["大东区-整改通知.html"])
    assert "数据不一致：自报56人以上大班额0个，班级台账中有2个" in notice


# --item on a record that does not exist answered "not among the failing or lacking records (it passes or is not
# applicable)"; a malformed key (bogus) the same. Now: a key of no record, or of a record the check does not judge, is
# U-ARGS before the audit; a well-formed key the submission does not hold is said to be absent.
ITEMS = [  # (case, --item, exit status, the words on stdout or stderr)
    ("a class that fails", "class:DD001/2-1", 0, "class:DD001/2-1：班额 57人"),
    ("a class that passes", "class:DD001/1-1", 0, "class:DD001/1-1：不在未达标或缺数据记录之列（达标或不适用）"),
    ("a class that does not exist", "class:DD001/9-9", 0, "class:DD001/9-9：报送材料中没有这条记录"),
    ("a school that does not exist", "class:DD099/1-1", 0, "class:DD099/1-1：报送材料中没有这条记录"),
    ("no record key", "bogus", 2, "--item: U-ARGS: “bogus”不是记录键"),
    ("a record of another kind", "school:DD001", 2, "--item: U-ARGS: 检查项“large-classes.56”判定的是 class 记录，“school:DD001”是 school 记录"),
]


@pytest.mark.parametrize("case, item, rc, words", ITEMS, ids=[c[0] for c in ITEMS])
def test_explain_an_item(case, item, rc, words, capsys):
    assert main(["explain", FIXTURES, "--as-of", AS_OF, "--district", "大东区", "--check", "large-classes.56", "--item", item,
                 "--jobs", "2", "--engine", "reference"]) == rc
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert words in (captured.out if rc == 0 else captured.err), captured


def test_explain_json_says_a_record_is_absent(capsys):
    absent = _explain(capsys, "--district", "大东区", "--check", "large-classes.56", "--item", "class:DD001/9-9", "--lang", "en")
    assert absent["item"] == {"record": "class:DD001/9-9", "problem": None, "in_submission": False}
    assert absent["item_text"] == "class:DD001/9-9: no such record in the submission"
    passing = _explain(capsys, "--district", "大东区", "--check", "large-classes.56", "--item", "class:DD001/1-1")
    assert passing["item"] == {"record": "class:DD001/1-1", "problem": None}
