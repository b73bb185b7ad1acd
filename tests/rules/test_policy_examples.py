"""Every policy's own examples hold (what `auditor test` runs), with both engines.

One test per policy file, found when the tests are collected.
"""
from __future__ import annotations

import os

import pytest

from auditor.examples import run_examples
from auditor.rules.policies import load_policies
from conftest import ROOT

POLICY_SET = load_policies(os.path.join(ROOT, "policies"))
RESULTS = {}


def results(engine: str):
    if engine not in RESULTS:
        RESULTS[engine] = run_examples(POLICY_SET, engine)
    return RESULTS[engine]


@pytest.mark.parametrize("engine", ["durable", "reference"])
@pytest.mark.parametrize("policy", [p.id for p in POLICY_SET.policies])
def test_policy_examples_hold(policy, engine):
    mine = [r for r in results(engine) if r.policy == policy]
    failed = [f"{r.source}: {r.name}: {r.error or r.failures}" for r in mine if not r.ok]
    assert not failed, "\n".join(failed)


def test_every_check_has_examples():
    """Each check is named by at least one example."""
    named = {check for p in POLICY_SET.policies for e in p.examples for check in e.expect}
    assert {c.id for c in POLICY_SET.checks} <= named


def test_every_check_has_pass_fail_and_not_due_examples():
    """Requirement 5: each check's own examples show it passing, failing and before its deadline."""
    gaps = []
    for policy in POLICY_SET.policies:
        seen: dict[str, set] = {}
        for example in policy.examples:
            for check, status in example.expect.items():
                seen.setdefault(check, set()).add(status)
        for check in policy.checks:
            lacking = {"pass", "fail", "not_due"} - seen.get(check.id, set())
            if lacking:
                gaps.append((check.id, sorted(lacking)))
    assert not gaps
