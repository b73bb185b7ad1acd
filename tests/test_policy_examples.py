"""Every policy's own examples pass, through both engines."""
from __future__ import annotations

import pytest

from auditor.examples import run_examples
from auditor.policies import load_policies

from conftest import POLICIES


@pytest.fixture(scope="module")
def policy_set():
    return load_policies(POLICIES)


@pytest.mark.parametrize("engine", ["durable", "reference"])
def test_policy_examples(policy_set, engine):
    results = run_examples(policy_set, engine)
    assert results, "policies carry examples"
    failed = [(r.source, r.name, r.failures, r.error) for r in results if not r.ok]
    assert not failed


def test_every_check_has_examples(policy_set):
    """Each check is named by at least one example (issue 3 asks for pass and fail cases)."""
    named = {check for p in policy_set.policies for e in p.examples for check in e.expect}
    assert {c.id for c in policy_set.checks} <= named
