"""Fields, values and reasons as a reader sees them (auditor/output/formatter.py); reasons from reasons.yaml."""
from __future__ import annotations

import os

import pytest
import yaml

from auditor.model import PolicySet
from auditor.output.formatter import Formatter, zh_date
from auditor.rules.policies import load_policies
from conftest import ROOT

POLICY_SET = load_policies(os.path.join(ROOT, "policies"))
ZH, EN = Formatter(POLICY_SET, "zh"), Formatter(POLICY_SET, "en")
CASE_KEYS = {"reason", "zh", "en", "lacks_zh"}


def _reason_cases() -> list[dict]:
    with open(os.path.join(os.path.dirname(__file__), "reasons.yaml"), encoding="utf-8") as handle:
        cases = yaml.safe_load(handle)["cases"]
    for index, case in enumerate(cases):
        if not {"reason", "zh", "en"} <= set(case) <= CASE_KEYS:
            raise ValueError(f"reasons.yaml case {index}: keys expected {sorted(CASE_KEYS)} (lacks_zh optional), got {sorted(case)}")
    return cases


REASONS = _reason_cases()


@pytest.mark.parametrize("case", REASONS, ids=[c["reason"]["code"] + "-" + str(i) for i, c in enumerate(REASONS)])
def test_reasons_are_worded_per_language(case):
    assert ZH.reason(case["reason"]) == case["zh"]
    assert EN.reason(case["reason"]) == case["en"]
    item = {"problem": "missing", "record": "x", "missing": ["pupils"], "reason": case["reason"]}
    assert ZH.lacks(item) == case.get("lacks_zh", "在校生数")  # without a word of its own, the fields lacking


def test_every_reason_code_of_the_schema_has_a_case():
    from auditor.intake.contracts import schema

    codes = {branch["properties"]["code"]["const"] for branch in schema("findings")["$defs"]["reason"]["oneOf"]}
    assert codes == {c["reason"]["code"] for c in REASONS}


def test_no_reason_is_no_text():
    assert ZH.reason(None) == "" and ZH.reason({}) == ""


@pytest.mark.parametrize("path, value, zh, en", [
    ("size", 45, "45", "45"),
    ("size", None, "缺失", "missing"),
    ("disabled_enrolment_rate", 0.985, "98.5%", "98.5%"),
    ("practice_room_share", 0.5, "50%", "50%"),  # a share measure
    ("monitoring_coverage", 1, "100%", "100%"),  # a school-level rate
    ("filed_on", "2022-12-31", "2022年12月31日", "2022-12-31"),
    ("stage", "nine_year", "九年一贯制", "nine-year"),
    ("kind", "large_class_ledger", "消除大班额工作台账", "ledger for eliminating oversized classes"),
    ("rural", True, "是", "yes"),
    ("rural", False, "否", "no"),
    ("review_of", "supervision.review", "“专项督导及督导结果公告落实情况（人工复核）”",
     "“Special supervision and publication of results (manual review)”"),
    ("school_name", "一校", "一校", "一校"),
])
def test_values(path, value, zh, en):
    assert (ZH.value(path, value), EN.value(path, value)) == (zh, en)


# A figure shown beside the limit its check compares it with keeps its side of it: the district report's 当前 and
# 计算依据 printed a failing CV of 0.5003 as "0.500" beside 不超过0.500, a school's training share of
# 4.999999997% as "5" beside 不少于5, and the city's consolidation rate of 98.99998% as "99%" beside 不低于99%.
@pytest.mark.parametrize("path, value, shown", [
    ("cv_teaching_area_primary", 0.50030, "0.5003"),
    ("cv_teaching_area_primary", 0.5, "0.500"),
    ("cv_teaching_area_primary", 0.5532326362948065, "0.553"),  # 铁西区's primary equipment CV, as the page shows it
    ("cv_teaching_area_junior", 0.45004, "0.45004"),
    ("cv_teaching_area_junior", 0.44996, "0.44996"),
    ("training_funds_percent", 4.999999997033872, "4.999999997"),
    ("training_funds_percent", 5.0, "5"),
    ("training_funds_percent", 5.0000001, "5.0000001"),
    ("training_funds_percent", 12.3456789, "12.3457"),  # away from the limit: six significant digits as before
    ("size", 45, "45"),
    ("city_consolidation_rate", 59498 / 60099, "98.99998%"),  # below the plan's 99%: not "99%"
    ("city_consolidation_rate", 0.99, "99%"),
    ("nearby_rate_junior", 0.9499999, "94.99999%"),
    ("monitoring_coverage", 0.9999999, "99.99999%"),
    ("nearby_rate_junior", 0.963, "96.3%"),
])
def test_a_figure_beside_its_limit_keeps_its_side(path, value, shown):
    assert ZH.value(path, value) == EN.value(path, value) == shown


@pytest.mark.parametrize("path, value, zh, en", [
    ("size", 45, "45人", "45"),
    ("homework_minutes", 90, "90分钟", "90 minutes"),
    ("rural_special_fund", 0, "0元", "0 yuan"),
    ("school.pupils", 2000, "2000人", "2000"),
    ("city_demo_schools", 300, "300所", "300"),  # a sum of a field counted in 所
    ("disabled_enrolment_rate", 0.97, "97%", "97%"),  # a percentage has no unit after it
    ("grade", 7, "7", "7"),
])
def test_quantities_carry_their_unit(path, value, zh, en):
    assert (ZH.quantity(path, value), EN.quantity(path, value)) == (zh, en)


@pytest.mark.parametrize("path, zh, en", [
    ("size", "班额", "class size"),
    ("school.rural", "学校乡村学校", "school rural school"),
    ("district", "区县（市）", "district"),
    ("submission", "报送材料", "the submission"),
    ("city_quality_coverage", "全市优质教育资源覆盖面", "City-wide coverage of quality resources"),
    ("no_such_field", "no_such_field", "no_such_field"),
])
def test_labels(path, zh, en):
    assert (ZH.label(path), EN.label(path)) == (zh, en)


def test_a_boolean_field_without_a_phrase_says_yes_or_no():
    fmt = Formatter(PolicySet((), "", ""), "zh")
    fmt.phrases = {}
    assert fmt.requirement("rural") == "乡村学校：是" and fmt.requirement("not rural") == "乡村学校：否"


def test_zh_date():
    assert zh_date("2023-01-05") == "2023年1月5日"


@pytest.mark.parametrize("path, value, zh, en", [
    ("disabled_enrolment_rate", 0.996, "99.6%", "99.6%"),
    ("disabled_enrolment_rate", 0.97, "97%", "97%"),
    ("disabled_enrolment_rate", 0.9996, "99.96%", "99.96%"),  # one decimal would show 100%
    ("disabled_enrolment_rate", 1.0, "100%", "100%"),
    ("public_funds_paid", 14941600, "1494.16万元", "14,941,600 yuan"),
    ("public_funds_paid", 123456789, "12,345.6789万元", "123,456,789 yuan"),  # exact: at most four decimals of 万
    ("public_funds_paid", 150000.0, "15万元", "150,000 yuan"),
    ("public_funds_paid", 9800, "9800元", "9800 yuan"),
    ("pupils_total", 18677, "18,677人", "18,677"),
    ("size", 52, "52人", "52"),
    ("filed_on", "2020-03-02", "2020年3月2日", "2020-03-02"),
])
def test_numbers_money_and_dates_for_people(path, value, zh, en):
    assert ZH.quantity(path, value) == zh
    assert EN.quantity(path, value) == en


def test_the_districts_own_name_is_not_a_figure():
    assert ZH.values({"district": "和平区", "nutrition_supervision_docs": 0}) == ZH.values({"nutrition_supervision_docs": 0})
