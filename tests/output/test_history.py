"""The audit history in the documents (auditor/output/history.py, reports/templates/history.html).

Goldens: tests/golden/history/ — the documents of a re-inspection recorded after a first audit into a fresh store
(golden_audit.py); regenerate with ``pytest tests/output/test_history.py --update-golden`` and review the diff.
"""
from __future__ import annotations

import os
import re
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.output.charts import projection_chart, trend_chart
from auditor.output.formatter import Formatter
from auditor.output.history import carry_over, city_history, district_history, item_label
from auditor.output.labels import labels
from auditor.rules.policies import load_policies
from auditor.store import db, lifecycle, projection, query, views

from exercised import exercised
from golden_audit import (HISTORY, HISTORY_FILES, ROOT, SECOND, audit_into, golden_history_out, golden_out,  # noqa: F401  (fixtures)
                          read)


@pytest.mark.parametrize("name", HISTORY_FILES)
def test_history_golden_html(golden_history_out, update_golden, name):
    got = read(golden_history_out, name)
    path = os.path.join(ROOT, HISTORY, name)
    if update_golden:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(got)
        return
    assert os.path.exists(path), f"no golden {path}: run pytest tests/output/test_history.py --update-golden"
    assert got == read(os.path.join(ROOT, HISTORY), name), f"{name} differs from its golden: rerun with --update-golden and review"


# ----------------------------------------------------------------------------- the re-inspection (golden inputs)
def visible(html: str) -> str:
    """A page's text as a reader sees it: no tags, attributes or style."""
    return re.sub(r"<[^>]+>", "", html.split("<body>", 1)[-1])


def store_view(folder: str, district: str) -> dict:
    """The store's view of ``district`` in the audit that wrote ``folder`` (the last recorded)."""
    with db.opened(os.path.join(os.path.dirname(folder), "history.sqlite"), write=False) as connection:
        audit = query.all_audits(connection)[-1]
        return views.district_view(connection, audit, district)


def test_the_review_states_each_item_of_the_previous_notice(golden_history_out):
    view = store_view(golden_history_out, "大东区")
    page = read(golden_history_out, "大东区.html")
    review = page.split('<h2 id="review">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr data-review="(\w+)">(.*?)</tr>', review)
    items = view["previous_notice"]["items"]
    assert [state for state, _ in rows] == [i["state"] for i in items]
    assert [state for state, _ in rows] == ["rectified", "partly_rectified", "not_rectified"]  # as the inputs were made
    for (state, row), item in zip(rows, items):
        assert item["title"]["zh"] in row and f'>{item["total"]}处<' in row and f'>{item["label"]["zh"]}<' in row
    partly = dict(rows)["partly_rectified"]
    assert "所列3处中已整改1处，仍存在1处：" in partly and "1年级1-1班" in partly and "1年级1-2班" not in partly
    # DD001's list was short (数据缺失): now complete, and the class of 47 it lacked fails — not a rectification
    assert "1处缺失数据已补报，补报后仍有1处未达标：" in partly and "3年级3-1班" in partly
    intro = visible(review)
    assert "对上次整改通知（沈教督〔2023〕2号，2023年1月10日印发，整改期限2023年2月9日）所列3项问题进行了复查" in intro
    assert "未整改1项，部分整改1项，已整改1项" in intro and "尚未届满" not in intro  # the deadline passed before 2023-06-30


def test_the_comparison_counts_and_lists_every_finding(golden_history_out):
    view = store_view(golden_history_out, "大东区")
    page = read(golden_history_out, "大东区.html")
    compare = page.split('<h2 id="compare">', 1)[1].split("</section>", 1)[0]
    shown = re.findall(r'<tr data-lifecycle="(\w+)">', compare)
    counts = view["comparison"]["counts"]
    assert {s: shown.count(s) for s in counts} == counts
    assert shown == sorted(shown, key=["overdue", "persisting", "reopened", "new", "rule_changed", "waived", "unknown", "rectified"].index)
    text = visible(compare)
    # DD001's short list (数据缺失) supplied, with the class of 47 failing: 未整改 in the 复查, so 逾期未整改 here, not 已整改
    assert "与上次督导（督导基准日2022年12月31日）相比" in text and "逾期未整改4处，新发现1处，已整改3处" in text
    assert re.search("自2022年12月31日督导起数据缺失，已补报，补报后仍有1处未达标：[^；]*大东区第1小学 3年级3-1班；"
                     "沈教督〔2023〕2号（限2023年2月9日前整改），逾期未整改", text)
    assert "自2022年12月31日督导起连续2轮存在；沈教督〔2023〕2号（限2023年2月9日前整改），逾期未整改" in text
    new = re.findall(r'<tr data-lifecycle="new">(.*?)</tr>', compare)
    assert len(new) == 1 and "3年级3-1班" in new[0] and "本次首次发现（未达标）" in new[0]  # the new class of 47


def test_items_carried_over_come_first_marked_overdue_with_the_earlier_notice(golden_history_out):
    notice = read(golden_history_out, "大东区-整改通知.html")
    items = re.findall(r'<div class="item" id="item-(\d+)" data-status="\w+">\n<h3>(.*?)</h3>\n<table class="facts wide">\n(.*?)</table>',
                       notice, re.S)
    assert [n for n, _, _ in items] == ["1", "2"]
    for _, heading, table in items:
        assert 'data-lifecycle="overdue">逾期未整改</span>' in heading
        carried = re.search(r'<tr class="carried"><th>前次通知</th><td>(.*?)</td></tr>', table).group(1)
        assert "沈教督〔2023〕2号" in visible(carried) and "限2023年2月9日前整改" in visible(carried)
    assert "第1、2项为此前整改通知已提出、逾期仍未整改的问题，请你区优先整改，并书面说明逾期未整改的原因" in notice
    assert "沈教督〔2023〕3号" in notice  # this notice continues the history's numbering
    checks = {c for c in re.findall(r'#v-([\w.-]+)"', notice)}
    assert checks and not [c for c in checks if c in visible(notice)]  # check ids only in links, never in the text


def test_the_city_summary_lists_overdue_items_and_draws_the_trends(golden_history_out):
    index = read(golden_history_out, "index.html")
    overdue = index.split('<h2 id="overdue">', 1)[1].split("</table>", 1)[0]
    assert overdue.count("<tr><td>") == 4 and visible(overdue).count("沈教督〔2023〕2号（限2023年2月9日前整改）") == 4
    assert re.search("班级台账（不全）（补报后仍未达标：[^）]*大东区第1小学 3年级3-1班）", visible(overdue))
    trends = index.split('<h2 id="trends"', 1)[1].split("</section>", 1)[0]
    figures = re.findall(r'<figure class="trend" data-district="([^"]+)">(.*?)</figure>', trends, re.S)
    assert [d for d, _ in figures] == ["和平区", "大东区"]
    for _, figure in figures:  # a line per series, a point per round, its value in the text under it
        assert figure.count("<polyline") == 2 and figure.count("<circle") == 4
        values = re.findall(r'data-value="(\d+)"', figure)
        numbers = re.search(r'<p class="numbers">(.*?)</p>', figure).group(1)
        assert numbers == f"未达标 {values[0]} → {values[1]}；数据缺失 {values[2]} → {values[3]}"
    assert "2022年12月" in trends and "2023年6月" in trends  # not one year apart at year end: months on the axis
    assert "<script" not in index.lower() and "<img" not in index.lower()


def test_the_projection_of_a_check_not_yet_due(golden_history_out):
    page = read(golden_history_out, "大东区.html")
    table = page.split('<h3 id="projection">', 1)[1].split("</table>", 1)[0]
    text = visible(table)
    assert "直线" in text and "并非预测模型" in text
    assert "2022年12月31日 95.1%" in text and "2023年6月30日 95.5%" in text  # the values per round
    assert 'data-on-track="false"' in table and "进度滞后" in text and "95.9%" in text  # 0.951 → 0.955 in half a year
    assert "目标 ≥ 97%" in text


def test_the_first_recorded_audit_says_there_is_no_history_yet(golden_history_out):
    first = os.path.join(os.path.dirname(golden_history_out), "first")
    page = visible(read(first, "大东区.html"))
    assert "督导历史中没有大东区此前的督导记录，本次为首次记录的督导" in page and "与上次督导比较" not in page
    assert "进度预测" not in page and "逾期未整改" not in visible(read(first, "大东区-整改通知.html"))
    index = visible(read(first, "index.html"))
    assert "督导历史中只有本轮督导（督导基准日2022年12月31日），尚无历次趋势" in index and "逾期未整改事项" not in index


def test_without_a_history_the_sections_are_left_out(golden_out):
    for name in os.listdir(golden_out):
        if name.endswith(".html"):
            page = read(golden_out, name)
            assert 'id="history"' not in page and "复查情况" not in page and ".lc-overdue" not in page, name


def test_english_documents_with_history(golden_history_out, tmp_path):
    store = os.path.join(os.path.dirname(golden_history_out), "history.sqlite")
    copy = tmp_path / "history.sqlite"
    shutil.copyfile(store, copy)
    assert audit_into(str(tmp_path / "en"), *SECOND, "--db", str(copy), "--lang", "en") == 0  # recorded already
    page = visible(read(str(tmp_path / "en"), "大东区.html"))
    assert "Re-inspection of the previous notice" in page and "1 of 3 rectified, 1 remain:" in page
    assert "the missing data of 1 was supplied, and 1 record(s) still show a problem (fail):" in page
    assert "Compared with the previous audit (base date 2022-12-31)" in page and "4 overdue, 1 new, 3 rectified" in page
    notice = visible(read(str(tmp_path / "en"), "大东区-rectification-notice.html"))
    assert "named in 沈教督〔2023〕2号 (rectify by 2023-02-09)" in notice and "Item(s) 1、2" not in notice
    for chinese in ("复查", "整改通知（", "未整改", "新发现", "逾期", "直线"):  # the history's own words are English
        assert chinese not in page and chinese not in notice, chinese


# ----------------------------------------------------------------------------- words, charts, carrying over
def test_lifecycle_words_are_the_stores():
    for lang in ("zh", "en"):
        words = labels(lang)["history"]
        assert words["state"] == lifecycle.LABELS[lang] and words["notice_state"] == lifecycle.NOTICE_LABELS[lang]
        assert set(words["why"]) == {"not_due", "no_rule", "not_submitted", "not_reported", "not_audited"}


@pytest.fixture(scope="module")
def fmt():
    return Formatter(load_policies(os.path.join(ROOT, "policies")), "zh")


def item(n: int, check: str) -> dict:
    return {"n": n, "check": check, "status": "fail"}


def carried(check: str, overdue: bool, number: str = "沈教督〔2022〕1号") -> dict:
    notice = {"number": number, "as_of": "2021-12-31", "issued": "2022-01-10", "deadline": "2022-02-09", "audit": 1}
    return {"check": check, "item": f"class:S1/{check}", "label": {"zh": f"一校 {check}班", "en": f"school class {check}"},
            "overdue": overdue, "notices": [notice], "first_overdue": notice if overdue else None, "since": "2021-12-31",
            "rounds_open": 2}


@settings(deadline=None)
@given(checks=st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=8, unique=True), data=st.data())
def test_carried_items_come_first_overdue_before_the_rest_plan_order_kept(checks, data, fmt):
    """Exercised when some item is carried over and it was not already first."""
    # each item carried over (overdue or not) or not; a finding of a check with no item now (x) changes nothing
    named = {c: o for c in checks + ["x"] if (o := data.draw(st.sampled_from([None, True, False]))) is not None}
    items = [item(i + 1, c) for i, c in enumerate(checks)]
    view = {"audit": {"as_of": "2022-12-31"}, "carried_over": [carried(c, o) for c, o in named.items()]}
    out, overdue = carry_over(items, view, fmt)
    rank = [0 if named.get(it["check"]) is True else 1 if it["check"] in named else 2 for it in out]
    exercised("carried items first", any(r < 2 for r in rank) and [it["check"] for it in out] != checks)
    assert sorted(it["check"] for it in out) == sorted(checks) and [it["n"] for it in out] == list(range(1, len(out) + 1))
    assert rank == sorted(rank)  # overdue, then carried, then the rest
    for r in (0, 1, 2):  # within a group, plan order as it came
        group = [it["check"] for it, k in zip(out, rank) if k == r]
        assert group == [c for c in checks if c in group]
    assert overdue == [it["n"] for it, k in zip(out, rank) if k == 0]
    for it, k in zip(out, rank):
        assert ("carried" in it) == (k < 2)
        if k < 2:
            assert "沈教督〔2022〕1号（限2022年2月9日前整改）" in it["carried"]["lines"][0]
            assert ("逾期未整改" in it["carried"]["lines"][0]) == (k == 0)


def test_a_check_id_in_a_documents_reference_is_not_shown(fmt):
    review = {"item": "document:manual_review", "label": {"zh": "督导人工复核记录（supervision.review）",
                                                            "en": "manual_review (supervision.review)"}}
    assert item_label(review, fmt) == "督导人工复核记录"
    plan = {"item": "document:layout_plan", "label": {"zh": "城乡学校布局规划（沈HN政发〔2019〕27号）",
                                                       "en": "layout_plan (沈HN政发〔2019〕27号)"}}
    assert item_label(plan, fmt) == "城乡学校布局规划（沈HN政发〔2019〕27号）"


@pytest.mark.parametrize("values, on_track", [([0.93, 0.95], True), ([0.95, 0.951], False), ([40, 20], True), ([40, 35], False)])
def test_the_projection_chart_draws_the_line_the_store_computed(values, on_track):
    points = list(zip(["2020-12-31", "2021-12-31"], values))
    target, op = (0.97, ">=") if isinstance(values[0], float) else (0, "<=")
    p = projection.project(points, "2022-12-31", op, target)
    assert p["on_track"] is on_track
    c = projection_chart(p, str, str)
    fit, ext, end = c["fit"], c["extension"], c["end"]
    assert (ext["x1"], ext["y1"]) == (fit["x2"], fit["y2"]) and (ext["x2"], ext["y2"]) == (end["x"], end["y"])
    # the two recorded points lie on the fitted line (through two points: the line joining them)
    for dot, x, y in ((c["points"][0], fit["x1"], fit["y1"]), (c["points"][1], fit["x2"], fit["y2"])):
        assert (dot["x"], dot["y"]) == pytest.approx((x, y), abs=0.2)
    above = end["y"] < c["target"]["y"]  # SVG y grows downwards
    assert above == (p["projected"] > target)
    assert c["colour"] == ("#2e8b57" if on_track else "#c0392b")


def test_a_round_a_district_was_not_audited_leaves_a_gap():
    chart = trend_chart([{"key": "fail", "name": "未达标", "colour": "#c00", "values": [3, None, 1, 2]}],
                        ["2019年", "2020年", "2021年", "2022年"], 3)
    line = chart["lines"][0]
    assert len(line["points"]) == 3 and len(line["runs"]) == 1 and line["runs"][0].count(",") == 2  # 2021 → 2022 only
    assert [t["label"] for t in chart["yticks"]][0] == "0" and int(chart["yticks"][-1]["label"]) >= 3


def finding(n: int, state: str = "new") -> dict:
    return {"district": "大东区", "check": "large-classes.56", "clause": "二（一）4", "title": {"zh": "消除56人以上大班额", "en": "x"},
            "item": f"class:S1/{n}", "label": {"zh": f"一校 {n}班", "en": f"school class {n}"}, "state": state,
            "since": "2021-12-31", "rounds_open": 1, "rule_changed": False, "overdue_notices": [], "was": None,
            "now": "fail", "why": ""}


def test_long_lists_are_cut_and_say_how_many_are_left(fmt):
    """A province's district has hundreds of findings: the comparison lists 20 per state, the summary 200 overdue."""
    many = [finding(n) for n in range(27)]
    view = {"district": "大东区", "covered": True, "audit": {"as_of": "2022-12-31"}, "previous": {"as_of": "2021-12-31"},
            "previous_notice": None, "carried_over": [], "projections": [],
            "comparison": {"counts": {"new": 27, "rectified": 2}, "findings": {"new": many, "rectified": many[:2]}}}
    shown = district_history(view, fmt, set())
    rows = shown["compare"]["rows"]
    assert [r["state"] for r in rows] == ["new"] * 21 + ["rectified"] * 2
    assert rows[20] == {"state": "new", "more": "另有7处“新发现”未列出。"}
    assert "新发现27处，已整改2处" in shown["compare"]["intro"]  # the counts are whole
    assert shown["review"] is None and shown["no_notice"].startswith("上次督导（督导基准日2021年12月31日）未下发整改通知")
    city = {"rounds": ["2021-12-31", "2022-12-31"], "districts": [], "clauses": [], "comparison": {},
            "overdue": [dict(finding(n, "overdue"), notices=[], first_overdue=None) for n in range(205)]}
    summary = city_history(city, fmt, {}, {}, {})
    assert len(summary["overdue"]) == 200 and summary["overdue_more"] == "另有5处逾期未整改事项未列出。"


# ----------------------------------------------------------------------------- 复查情况: what each item's note says
DEFERRAL = {"id": "dd-56", "document": {"ref": "沈教发〔2022〕31号", "date": "2022-06-15", "approved_by": "沈阳市教育局"},
            "reason": "暂缓", "valid_from": "2022-06-15", "valid_until": "2023-03-31"}


def named(n: int, now: str, then: str = "fail", **extra) -> dict:
    return {"item": f"class:S1/{n}", "label": {"zh": f"一校 {n}班", "en": f"school class {n}"}, "then": then, "now": now,
            "why": "", **extra}


def supplied(item: str, *records: tuple[int, str]) -> dict:
    """A placeholder named as missing; its data came in and these records of it fail (or lack data) now."""
    return {"item": item, "label": {"zh": "一校 班级台账（不全）", "en": "x"}, "then": "missing", "now": "fail", "why": "",
            "instead": [{"item": f"class:S1/{n}", "now": now, "label": {"zh": f"一校 {n}班", "en": "x"}} for n, now in records]}


REVIEWS = [  # (findings the notice named, their states now -> the item, what the note must say, what it must not)
    ("a deferral in force", [named(1, "waived", waiver=DEFERRAL), named(2, "waived", waiver=DEFERRAL)], False,
     "waived", ["2处经批准暂缓执行（沈教发〔2022〕31号，有效期至2023年3月31日），不计为逾期：一校 1班、一校 2班"],
     ["已整改", "未整改", "仍存在"]),
    ("one fixed, one deferred", [named(1, "clear"), named(2, "waived", waiver=DEFERRAL)], False,
     "partly_rectified", ["所列2处中已整改1处", "1处经批准暂缓执行"], ["全部整改"]),
    ("the ledger supplied, its classes failing", [supplied("class:*", (1, "fail"), (2, "fail")), supplied("class:S1/*", (1, "fail"))],
     False, "not_rectified", ["2处缺失数据已补报，补报后仍有2处未达标：一校 1班、一校 2班"], ["已整改", "全部整改"]),
    ("the ledger supplied, a class lacking data", [supplied("class:*", (3, "missing")), named(4, "clear", "missing")], False,
     "partly_rectified", ["所列2处中已整改1处", "1处缺失数据已补报，补报后仍有1处数据缺失：一校 3班"], ["全部整改"]),
    ("missing data supplied under a changed rule", [named(1, "clear", "missing"), named(2, "clear", "missing")], True,
     "rectified", ["所列问题已全部整改（2处）"], ["规则变更", "不计为整改"]),
    ("a failure cleared under a changed rule beside missing data supplied", [named(1, "clear", "missing"), named(2, "clear")],
     True, "partly_rectified", ["所列2处中已整改1处", "另有1处因判定标准调整而达标，不计为整改"], ["全部整改"]),
    ("failures cleared under a changed rule only", [named(1, "clear"), named(2, "fail")], True,
     "rule_changed", ["判定标准已调整，所列2处中1处按新标准达标，不计为整改", "仍存在1处：一校 2班"], ["已整改"]),
]


@pytest.mark.parametrize("findings, changed, state, says, never", [r[1:] for r in REVIEWS], ids=[r[0] for r in REVIEWS])
def test_the_review_says_what_became_of_each_item(fmt, findings, changed, state, says, never):
    result = lifecycle.notice_item([f["now"] for f in findings], changed, [f["then"] for f in findings])
    assert result.state == state
    item = {"check": "large-classes.56", "clause": "二（一）4", "title": {"zh": "消除56人以上大班额", "en": "x"},
            "state": result.state, "label": {}, "fixed": result.fixed, "not_fixed": result.not_fixed,
            "unknown": result.unknown, "total": result.total, "rule_changed": changed, "by_rule": result.by_rule,
            "waived": result.waived, "findings": findings}
    notice = {"number": "沈教督〔2022〕1号", "as_of": "2021-12-31", "issued": "2022-01-14", "deadline": "2022-04-14",
              "audit": 1, "items": [item]}
    view = {"district": "大东区", "covered": True, "audit": {"as_of": "2022-12-31"}, "previous": {"as_of": "2021-12-31"},
            "previous_notice": notice, "carried_over": [], "projections": [],
            "comparison": {"counts": {}, "findings": {}}}
    row = district_history(view, fmt, set())["review"]["rows"][0]
    assert row["state_text"] == labels("zh")["history"]["notice_state"][state]
    for text in says:
        assert text in row["note"], (text, row["note"])
    for text in filter(None, never):
        assert text not in row["note"], (text, row["note"])


def test_a_deferred_finding_in_the_comparison_cites_its_waiver(fmt):
    view = {"district": "大东区", "covered": True, "audit": {"as_of": "2022-12-31"}, "previous": {"as_of": "2021-12-31"},
            "previous_notice": None, "carried_over": [], "projections": [],
            "comparison": {"counts": {"waived": 1}, "findings": {"waived": [dict(finding(1, "waived"), now="waived", was="fail",
                                                                                    waiver=DEFERRAL)]}}}
    shown = district_history(view, fmt, set())["compare"]
    assert "已豁免1处" in shown["intro"] and "逾期" not in shown["intro"]
    assert [(r["state_text"], r["note"]) for r in shown["rows"]] == [
        ("已豁免", "经批准暂缓执行（沈教发〔2022〕31号，有效期至2023年3月31日），本次不计为逾期未整改")]


@pytest.mark.parametrize("in_notice", [True, False])
def test_the_city_overdue_list_names_this_audits_notice_only_when_it_lists_the_item(fmt, in_notice):
    city = {"rounds": ["2022-12-31"], "districts": [], "clauses": [], "comparison": {},
            "overdue": [dict(finding(1, "overdue"), notices=[], first_overdue=None, in_notice=in_notice)]}
    row = city_history(city, fmt, {}, {"大东区": "大东区-整改通知.html"}, {}, {"大东区": "沈教督〔2023〕1号"})["overdue"][0]
    assert row["notice_href"] == ("大东区-整改通知.html" if in_notice else "")
