"""The reference evaluator's compiled rules (``reference.judger``, ``judge_rule``) judge like ``reference.judge``.

(Moved from tests/test_perf.py: the fast path says what the slow one says; bench/run.py measures.)
"""
from __future__ import annotations

import functools

from hypothesis import given
from hypothesis import strategies as st

from auditor.evaluate import reference
from auditor.rules.compiler import compile_policies
from auditor.rules.policies import load_policies
from conftest import POLICIES



@functools.lru_cache(maxsize=1)
def _policy_rules():
    return compile_policies(load_policies(POLICIES)).rules


@given(record=st.fixed_dictionaries({}, optional={
    "size": st.one_of(st.none(), st.integers(0, 70)), "stage": st.sampled_from(["primary", "junior"]),
    "pupils": st.one_of(st.none(), st.integers(0, 3000)), "has_practice_room": st.booleans(),
    "disabled_enrolment_rate": st.floats(0, 1), "practice_room_share": st.floats(0, 1), "kind": st.sampled_from(["action_plan", "layout_plan"]),
    "filed_on": st.integers(737000, 738000), "city_demo_schools": st.integers(0, 400), "city_quality_coverage": st.floats(0, 1)}))
def test_compiled_rules_judge_like_the_reference(record):
    from auditor.model import Record

    for rule in _policy_rules():
        want = reference.judge(rule, Record(rule.kind, "k", record, {}, "test"))
        outcome, lacking = reference.judger(rule)(record)
        assert (outcome, list(lacking)) == want, rule.check.id
        judged = reference.judge_rule(rule, [Record(rule.kind, "k", record, {}, "test")])
        assert sum(judged.counts.values()) == 1 and judged.counts[want[0]] == 1
