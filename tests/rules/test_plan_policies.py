"""The whole plan as policies (policies/shenyang-2019-23/): every check judged on the bundled fixtures, every clause exercised,
thresholds and deadlines as the plan words them, manual checks only passed on a signed review."""
from __future__ import annotations

import datetime as _dt

import pytest
from hypothesis import given, strategies as st

from auditor.audit import Auditor
from auditor.intake.document import Document
from auditor.intake.submission import facts_from_document
from auditor.intake.submissions import load_submissions
from auditor.model import plan
from auditor.rules.policies import load_policies

from conftest import FIXTURES, PLAN_PACK


@pytest.fixture(scope="module")
def policy_set():
    return load_policies(PLAN_PACK)


@pytest.fixture(scope="module")
def bundled(policy_set):
    facts = load_submissions([FIXTURES])
    return Auditor(policy_set, "reference").audit(facts, _dt.date(2022, 12, 31))


def test_bundled_audit_has_a_verdict_for_every_check_and_district(policy_set, bundled):
    pairs = [(v["district"], v["check"]) for v in bundled["verdicts"]]
    assert len(pairs) == len(set(pairs))
    city = plan()["city"]
    expected = {(d, c.id) for d in plan()["districts"] for c in policy_set.checks if c.over != "city"}
    expected |= {(city, c.id) for c in policy_set.checks if c.over == "city"}
    assert set(pairs) == expected


def test_bundled_audit_exercises_every_clause(policy_set, bundled):
    """Every clause shows a failure; every clause but 二（二）12 (two city-wide checks) shows missing data too;
    every check has at least one district (or the city) with data it could judge."""
    by_clause: dict[str, set] = {}
    by_check: dict[str, set] = {}
    for v in bundled["verdicts"]:
        by_clause.setdefault(v["clause"], set()).add(v["status"])
        by_check.setdefault(v["check"], set()).add(v["status"])
    for clause in policy_set.packs[0].clauses:
        assert "fail" in by_clause[clause], clause
        assert "pass" in by_clause[clause], clause
        if clause != "二（二）12":
            assert "missing" in by_clause[clause], clause
    for check in policy_set.checks:
        assert by_check[check.id] & {"pass", "fail"}, check.id


def test_city_targets_show_district_contributions(bundled):
    city = [v for v in bundled["verdicts"] if v["district"] == plan()["city"]]
    for verdict in city:
        for measure in verdict["measures"].values():
            contributors = [c["district"] for c in measure["contributions"]]
            assert contributors == plan()["districts"]


def test_plan_numbers_and_deadlines(policy_set):
    """Spot-check thresholds and dates against the plan's words."""
    checks = {c.id: c for c in policy_set.checks}
    cases = {
        "layout.plan-filed": ("2019-08-31", 'filed_on <= date("2019-08-31")'),
        "two-types.standards-2020": ("2020-12-31", "meets_building_standard"),
        "rural-conditions.basic-config-2022": ("2022-12-31", "meets_basic_config"),
        "large-classes.56": ("2019-12-31", "size <= 55"),
        "special-groups.disabled-enrolment-97": ("2022-12-31", "city_disabled_enrolment_rate >= 0.97"),
        "large-classes.ledger": ("2022-12-31", 'filed_on <= date("2022-12-31")'),
        "dropout.registry": ("2022-12-31", 'filed_on <= date("2022-12-31")'),
        "two-types.township-plans": ("2020-12-31", "township_plans_filed >= two_types_townships"),
        "nutrition.pilot-schools-8": ("2019-08-27", "city_nutrition_pilot_schools >= 8"),
        "quality-education.pe-hour": ("2019-08-27", "pe_minutes_daily >= 60"),
        "practice.room-share-50": ("2022-12-31", "practice_room_share >= 0.5"),
        "homework.grades-1-2-none": ("2019-08-27", "homework_minutes == 0"),
        "homework.primary-60": ("2019-08-27", "homework_minutes <= 60"),
        "homework.junior-90": ("2019-08-27", "homework_minutes <= 90"),
        "demo-schools.300": ("2022-12-31", "city_demo_schools >= 300"),
        "internet.sync-50": ("2022-12-31", "sync_paired_share >= 0.5"),
        "overall-goals.consolidation-99": ("2019-12-31", "city_consolidation_rate >= 0.99"),
        "leadership.action-plan-filed": ("2019-12-31", 'filed_on <= date("2019-12-31") and filed_with == "市教育局"'),
    }
    for check_id, (due, require) in cases.items():
        check = checks[check_id]
        assert check.final_due.isoformat() == due, check_id
        assert check.require_text == require, check_id
    assert [s.due.isoformat() for s in checks["overall-goals.coverage"].steps] == ["2020-12-31", "2022-12-31"]
    assert checks["nutrition.canteen-2022"].where_text.startswith("rural or")  # every rural school, pilots included
    assert checks["nutrition.food-safety"].where_text == "canteen_supply"  # every school that supplies meals
    assert checks["special-groups.disabled-enrolment-97"].over == "city"
    assert checks["layout.closure-procedure"].require_text.endswith('filed_with == "市教育局"')
    undated = {c.id for c in policy_set.checks if c.undated}
    assert {"large-classes.ledger", "dropout.registry", "nutrition.food-safety"} <= undated
    end = policy_set.packs[0].end  # the plan's period (its pack.yaml)
    assert end.isoformat() == "2022-12-31" and all(checks[c].final_due == end for c in undated)


def _manual_checks(policy_set):
    return [c for c in policy_set.checks if c.method == "manual"]


def test_manual_checks_need_a_signed_review(policy_set):
    """A manual check passes only on a review of that very check, concluded "met" and signed; otherwise it is
    fail (a signed "not_met") or missing — never pass."""
    manual = _manual_checks(policy_set)
    assert manual
    auditor = Auditor(policy_set, "reference")
    review = st.fixed_dictionaries(
        {"kind": st.just("manual_review"), "filed_on": st.just("2022-12-01")},
        optional={"review_of": st.sampled_from([c.id for c in manual] + ["layout.plan-filed"]),
                  "conclusion": st.sampled_from(["met", "not_met"]),
                  "reviewed_by": st.sampled_from(["市督导室", "张三"])})

    @given(st.lists(review, min_size=1, max_size=4))
    def run(reviews):
        facts = [facts_from_document(Document("case", {"district": "和平区", "documents": reviews}))]
        findings = auditor.audit(facts, _dt.date(2022, 12, 31), ["和平区"])
        got = {v["check"]: v["status"] for v in findings["verdicts"]}
        for check in manual:
            mine = [r for r in reviews if r.get("review_of") == check.id]
            signed = [r for r in mine if "reviewed_by" in r and "conclusion" in r]
            if got[check.id] == "pass":
                assert mine and all(r in signed and r["conclusion"] == "met" for r in mine)
            if not mine:
                assert got[check.id] == "missing"

    run()
