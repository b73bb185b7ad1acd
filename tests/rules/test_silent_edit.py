"""A silent edit of the rule set makes the suite fail.

Policy staff edit YAML. An edit that loosens a threshold (``size <= 45`` to
``size <= 46``) or moves a deadline later must not pass unnoticed: either one
of the policy's own examples fails (``auditor test``; in the suite
tests/rules/test_policy_examples.py) or the golden verdicts of the bundled audit
(tests/test_golden.py) change.

Two kinds of test:

* the edit as a person would make it: policies/ copied to a scratch folder,
  the YAML text changed, the folder loaded and audited;
* mutation testing over EVERY check of the loaded rule set: each numeric or
  date threshold of ``require`` (and each schedule parameter) is loosened by
  one step in the direction the comparison lets more records through, and each
  check's deadline is moved a year later. Every mutant must be caught. A check
  whose mutant survives needs an example at its boundary (see the failure
  message for which one).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import re
import shutil
from functools import lru_cache

import pytest

from auditor.rules import expr
from auditor.examples import run_examples
from auditor.rules.lint import directions
from auditor.model import Check, PolicySet
from auditor.rules.policies import load_policies

from bundled import bundled_summary, read_golden
from conftest import POLICIES

POLICY_SET = load_policies(POLICIES)


@lru_cache(maxsize=1)
def original_summary():
    return bundled_summary(POLICY_SET)


def safeguards(policy_set: PolicySet) -> dict:
    """What the suite would report about a rule set: failing examples, changed golden verdicts."""
    examples = [f"{r.source}: {r.name}: {r.failures or r.error}" for r in run_examples(policy_set, "reference") if not r.ok]
    got = bundled_summary(policy_set)
    changed = [row for row in got if row not in original_summary()]
    return {"examples": examples, "golden": changed}


def only(policy_set: PolicySet, check_id: str) -> PolicySet:
    """The rule set cut down to one check, and the examples to what they expect of it.

    A mutant changes one check's verdicts only, so this sees everything the
    whole suite would see about it, at a fraction of the cost.
    """
    policies = []
    for p in policy_set.policies:
        examples = tuple(dataclasses.replace(e, expect={check_id: e.expect[check_id]}) for e in p.examples if check_id in e.expect)
        policies.append(dataclasses.replace(p, checks=tuple(c for c in p.checks if c.id == check_id), examples=examples))
    return dataclasses.replace(policy_set, policies=tuple(policies))


def safeguards_for(policy_set: PolicySet, check_id: str) -> dict:
    cut = only(policy_set, check_id)
    examples = [f"{r.source}: {r.name}: {r.failures or r.error}" for r in run_examples(cut, "reference") if not r.ok]
    original = [row for row in original_summary() if row[1] == check_id]
    return {"examples": examples, "golden": [row for row in bundled_summary(cut) if row not in original]}


def _copy_and_edit(tmp_path, edit) -> str:
    folder = tmp_path / "policies"
    shutil.copytree(POLICIES, folder)
    edited = 0
    for path in sorted(folder.rglob("*.yaml")):  # every pack's policy files
        name = path.name
        if name == "pack.yaml":
            continue
        text = path.read_text(encoding="utf-8")
        new = edit(name, text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            edited += 1
    assert edited, "the edit changed nothing: the test no longer exercises the rule set"
    return str(folder)


# --------------------------------------------------------------------------- edits as a person makes them
def test_the_unedited_copy_passes_every_safeguard(tmp_path):
    folder = tmp_path / "policies"
    shutil.copytree(POLICIES, folder)
    found = safeguards(load_policies(str(folder)))
    assert found == {"examples": [], "golden": []}
    assert original_summary() == read_golden()


def test_loosened_class_size_limits_are_caught(tmp_path):
    def loosen(name, text):  # size <= 45 -> size <= 46, in every require
        return re.sub(r"(require:.*\bsize\s*<=\s*)(\d+)", lambda m: f"{m.group(1)}{int(m.group(2)) + 1}", text)

    found = safeguards(load_policies(_copy_and_edit(tmp_path, loosen)))
    assert found["examples"] or found["golden"], "loosened class-size limits went unnoticed"
    # each limit has an example at its boundary
    for check in ("large-classes.56", "large-classes.primary-45", "large-classes.junior-50"):
        assert any(check in line for line in found["examples"]), f"no example catches a loosened {check}"


def test_a_moved_deadline_is_caught(tmp_path):
    def move(name, text):  # the first plain deadline of the first policy with one, a year later
        if "due: 2019-12-31" not in text or getattr(move, "done", False):
            return text
        move.done = True
        return text.replace("due: 2019-12-31", "due: 2020-12-31", 1)

    found = safeguards(load_policies(_copy_and_edit(tmp_path, move)))
    assert found["examples"] or found["golden"], "a deadline moved a year later went unnoticed"


def test_moving_every_2022_deadline_changes_the_golden_verdicts(tmp_path):
    def move(name, text):
        return text.replace("due: 2022-12-31", "due: 2023-12-31")

    found = safeguards(load_policies(_copy_and_edit(tmp_path, move)))
    assert found["golden"], "the bundled audit did not notice deadlines moved past the audit date"


# --------------------------------------------------------------------------- mutants of every check
def _later(day: _dt.date) -> _dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _holes(node: expr.Node, found: list):
    """``node`` with every numeric or date constant of a comparison replaced by a named hole."""
    if isinstance(node, expr.Compare):
        sides = []
        for side in (node.left, node.right):
            if isinstance(side, expr.Date) or (isinstance(side, expr.Const) and isinstance(side.value, (int, float))
                                                and not isinstance(side.value, bool)):
                name = f"__k{len(found)}"
                found.append((name, side))
                side = expr.Field(name, side.offset)
            sides.append(side)
        return expr.Compare(node.op, sides[0], sides[1], node.offset)
    if isinstance(node, (expr.And, expr.Or)):
        return type(node)(tuple(_holes(i, found) for i in node.items), node.offset)
    if isinstance(node, expr.Not):
        return expr.Not(_holes(node.item, found), node.offset)
    return node


def _loosened(value, direction: int):
    """One step in ``direction``: a day, or one unit of the last digit written (45 -> 46, 0.97 -> 0.96, 0.5 -> 0.4)."""
    if isinstance(value, _dt.date):
        return value + _dt.timedelta(days=direction)
    if isinstance(value, int):
        return value + direction
    decimals = len(repr(value).split(".")[1]) if "." in repr(value) else 0
    return round(value + direction * 10 ** -decimals, decimals)


def _replace(policy_set: PolicySet, check: Check, **changes) -> PolicySet:
    mutant = dataclasses.replace(check, **changes)
    policies = tuple(dataclasses.replace(p, checks=tuple(mutant if c.id == check.id else c for c in p.checks))
                     for p in policy_set.policies)
    return dataclasses.replace(policy_set, policies=policies)


def mutants(policy_set: PolicySet) -> list[tuple[str, PolicySet]]:
    """(name, rule set with one check loosened) for every threshold and deadline of every check."""
    out = []
    for check in policy_set.checks:
        steps = tuple(dataclasses.replace(s, due=_later(s.due)) for s in check.steps)
        out.append((f"{check.id}: deadline a year later", _replace(policy_set, check, steps=steps)))
        found: list = []
        holed = _holes(check.require, found)
        ways = directions(holed)  # the way each hole moves to let more records pass
        for name, const in found:
            if name not in ways:
                continue
            value = _dt.date.fromisoformat(const.iso) if isinstance(const, expr.Date) else const.value
            params = {n: (_dt.date.fromisoformat(c.iso) if isinstance(c, expr.Date) else c.value) for n, c in found}
            params[name] = _loosened(value, ways[name])
            require = expr.substitute(holed, params)
            out.append((f"{check.id}: {expr.to_text(require)}", _replace(policy_set, check, require=require)))
        if check.k_of_n is not None:  # each item's threshold of a require_k_of_n, one unit lower
            for j, (field, at_least) in enumerate(check.k_of_n.items):
                items = tuple((f, _loosened(t, -1) if i == j else t) for i, (f, t) in enumerate(check.k_of_n.items))
                spec = dataclasses.replace(check.k_of_n, items=items)
                out.append((f"{check.id}: {field} at least {items[j][1]}", _replace(policy_set, check, k_of_n=spec)))
        params_ways = directions(check.require)
        for j, step in enumerate(check.steps):
            for name, value in sorted(step.params.items()):
                if name in params_ways and isinstance(value, (int, float)) and not isinstance(value, bool):
                    loose = dict(step.params, **{name: _loosened(value, params_ways[name])})
                    new_steps = tuple(dataclasses.replace(s, params=loose) if i == j else s for i, s in enumerate(check.steps))
                    out.append((f"{check.id}: from {step.due} {name} = {loose[name]}", _replace(policy_set, check, steps=new_steps)))
    return out


MUTANTS = mutants(POLICY_SET)


def test_every_check_has_a_mutant():
    assert {name.split(":")[0] for name, _ in MUTANTS} == {c.id for c in POLICY_SET.checks}


def test_the_cut_down_rule_set_sees_what_the_whole_one_sees():
    for check in POLICY_SET.checks:
        assert safeguards_for(POLICY_SET, check.id) == {"examples": [], "golden": []}


@pytest.mark.parametrize("mutant", MUTANTS, ids=[name for name, _ in MUTANTS])
def test_every_loosened_threshold_and_moved_deadline_is_caught(mutant):
    name, policy_set = mutant
    found = safeguards_for(policy_set, name.split(":")[0])
    assert found["examples"] or found["golden"], (
        f"silent edit not caught — {name}: no policy example and no golden verdict changed; "
        f"add an example at this check's boundary (just inside and just outside the limit, the day before and on the deadline)")
