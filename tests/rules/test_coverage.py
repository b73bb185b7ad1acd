"""auditor/rules/coverage.py and `auditor coverage`: the plan's clauses in order, each with the checks that cover it."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from auditor.cli import main
from auditor.model import clause_order
from auditor.rules.coverage import coverage, render_text
from auditor.rules.policies import load_policies

from conftest import PLAN_PACK, POLICIES


@pytest.fixture(scope="module")
def policy_set():
    return load_policies(POLICIES)


def test_every_clause_of_every_document_in_its_order_has_a_policy(policy_set):
    matrix = coverage(policy_set)
    assert [d["document"] for d in matrix["documents"]] == [p.ref for p in policy_set.packs]
    for document, pack in zip(matrix["documents"], policy_set.packs):
        assert [c["clause"] for c in document["clauses"]] == list(pack.clauses)
        assert document["totals"]["uncovered"] == []
    assert matrix["totals"]["uncovered"] == []
    assert all(c["covered"] and c["checks"] for c in matrix["clauses"])


def test_each_pack_lists_its_clauses_in_their_numbered_order(policy_set):
    """The reports and the audit history sort clauses by their numbers (model.clause_order), whatever the
    document; each pack's own list is in that order, so the two never disagree."""
    for pack in policy_set.packs:
        assert sorted(pack.clauses, key=clause_order) == list(pack.clauses), pack.id


def test_every_check_appears_once_in_the_matrix(policy_set):
    matrix = coverage(policy_set)
    listed = [check["check"] for c in matrix["clauses"] for check in c["checks"]]
    assert sorted(listed) == sorted(c.id for c in policy_set.checks)
    text = render_text(matrix)
    for check in policy_set.checks:
        assert check.id in text


def test_coverage_command_text_and_json(capsys):
    assert main(["coverage", "--policies", POLICIES]) == 0
    out = capsys.readouterr().out
    assert "沈政办发〔2019〕23号：条款 19/19" in out and "人工复核 manual" in out and "佐证材料核查 evidence" in out
    assert main(["coverage", "--policies", POLICIES, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    methods = {check["method"] for c in data["clauses"] for check in c["checks"]}
    assert methods == {"automated", "evidence", "manual"}
    homework = next(c for c in data["clauses"] if c["clause"] == "二（二）11")
    assert {c["check"]: c["due"] for c in homework["checks"]}["homework.junior-90"] == ["2019-08-27"]


def test_coverage_flags_a_clause_without_policy(tmp_path, capsys):
    folder = tmp_path / "policies"
    shutil.copytree(PLAN_PACK, folder)
    os.remove(folder / "2-1-5-dropout.yaml")
    assert main(["coverage", "--policies", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "二（一）5" in out and "无政策 NO POLICY" in out
    assert "沈政办发〔2019〕23号 无政策的条款 clauses without a policy: 二（一）5" in out


def test_coverage_names_methods_as_the_reports_do():
    from auditor.output.labels import METHOD_ZH as REPORTS
    from auditor.rules.coverage import METHOD_ZH
    assert METHOD_ZH == REPORTS  # one vocabulary: coverage, reports, findings.xlsx
