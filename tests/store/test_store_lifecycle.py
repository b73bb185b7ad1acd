"""Finding lifecycle across audits (auditor/store/lifecycle.py): table cases, properties, and the store end to end."""
from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.audit import Auditor
from auditor.rules.policies import load_policies
from auditor.store import db, history, lifecycle, record
from auditor.store.lifecycle import OPEN, STATES, Notice, Obs
from conftest import make_pack

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "lifecycle.yaml"), encoding="utf-8") as _handle:
    TABLE = yaml.safe_load(_handle)


def day(index: int) -> str:
    return f"{2019 + index}-12-31"


def observations(spec: list[str]) -> list[Obs]:
    out = []
    for i, text in enumerate(spec):
        status, _, definition = text.partition(":")
        out.append(Obs(i + 1, day(i), status, definition or "a"))
    return out


def notices(spec) -> list[Notice]:
    return [Notice(f"N{i}", day(n["round"]), day(n["round"]), str(n["deadline"]), n["round"] + 1) for i, n in enumerate(spec or [])]


@pytest.mark.parametrize("case", TABLE["cases"], ids=[c["name"] for c in TABLE["cases"]])
def test_lifecycle_table(case):
    got = lifecycle.states(observations(case["obs"]), notices(case.get("notices")))
    assert [s.state if s else None for s in got] == case["states"]


@pytest.mark.parametrize("case", TABLE["notice_items"], ids=[
    str(c["now"]) + str(c.get("then", "")) + str(c.get("rule_changed", "")) for c in TABLE["notice_items"]])
def test_notice_item_table(case):
    result = lifecycle.notice_item(case["now"], case.get("rule_changed", False), case.get("then"))
    assert (result.state, result.fixed, result.total) == (case["state"], case["fixed"], len(case["now"]))
    assert (result.by_rule, result.waived) == (case.get("by_rule", 0), case.get("waived", 0))
    assert result.fixed + result.by_rule + result.not_fixed + result.unknown + result.waived == result.total


def test_the_table_covers_every_state():
    seen = {s for c in TABLE["cases"] for s in c["states"]}
    assert seen - {None} == set(STATES)
    assert {c["state"] for c in TABLE["notice_items"]} == set(lifecycle.NOTICE_STATES)


# --------------------------------------------------------------------------- properties of the pure function
sequences = st.lists(st.tuples(st.sampled_from(["fail", "missing", "clear", "unknown", "waived"]), st.sampled_from("ab")),
                     min_size=1, max_size=8)
SEEN = (*OPEN, "waived")  # open, or open underneath and deferred by a waiver
notice_specs = st.lists(st.tuples(st.integers(0, 7), st.integers(1, 500)), max_size=4)


@given(sequences, notice_specs)
def test_each_finding_has_exactly_one_state_per_round_once_it_appeared(seq, raw_notices):
    obs = [Obs(i + 1, day(i), s, d) for i, (s, d) in enumerate(seq)]
    named = [Notice(f"N{k}", day(r), day(r), (_dt.date.fromisoformat(day(r)) + _dt.timedelta(days=days)).isoformat(), r + 1)
             for k, (r, days) in enumerate(raw_notices) if r < len(seq)]
    states = lifecycle.states(obs, named)
    assert len(states) == len(obs)
    first_open = next((i for i, o in enumerate(obs) if o.status in SEEN), None)
    for i, (o, s) in enumerate(zip(obs, states)):
        if first_open is None or i < first_open:
            assert s is None  # no finding before it was first open
            continue
        assert s is not None and s.state in STATES
        before = obs[:i]
        decisive = [b for b in before if b.status != "unknown"]
        previous = decisive[-1] if decisive else None
        if o.status == "unknown":
            assert s.state == "unknown"
        elif o.status == "waived":  # an approved deferral in force: never overdue, whatever deadline passed
            assert s.state == "waived" and s.overdue == ()
        elif o.status in OPEN:
            assert s.state in ("new", "persisting", "overdue", "reopened", "rule_changed")
            if s.state == "new":
                assert not any(b.status in SEEN for b in before)
            if s.state in ("persisting", "overdue"):
                assert previous is not None and previous.status in SEEN
            if s.state == "reopened":
                assert any(b.status in SEEN for b in before) and previous.status == "clear"
            if s.state == "overdue":
                assert s.overdue and all(n.deadline < o.as_of and n.as_of >= s.since for n in s.overdue)
            if s.state == "persisting":
                assert not any(n.deadline < o.as_of and s.since <= n.as_of < o.as_of for n in named)
        else:
            assert s.state in ("rectified", "rule_changed")
            assert any(b.status in SEEN for b in before)  # rectified only after fail or missing (waived or not)
        if s.state == "rule_changed" and (o.status in SEEN or previous.status in SEEN):  # the change happened here
            assert previous is not None and previous.definition != o.definition
            assert "missing" not in (previous.status, o.status)
        elif o.status == "clear" and previous.status == "clear":  # the state is carried while clear
            assert states[len(before) - before[::-1].index(previous) - 1].state == s.state
        if s.state in ("rectified", "reopened", "new") and previous is not None and previous.definition != o.definition:
            assert "missing" in (previous.status, o.status) or s.state == "rectified" and previous.status == "clear"


@given(st.lists(st.tuples(st.sampled_from(["clear", "fail", "missing", "unknown", "waived"]), st.sampled_from(OPEN)),
                min_size=1, max_size=6), st.booleans())
def test_notice_item_counts_and_states(named, changed):
    now, then = [n for n, _ in named], [t for _, t in named]
    r = lifecycle.notice_item(now, changed, then)
    # a changed rule explains a failure that cleared, never missing data supplied
    assert r.by_rule == sum(1 for n, t in named if n == "clear" and t == "fail" and changed)
    assert r.fixed + r.by_rule == now.count("clear") and r.not_fixed == sum(s in OPEN for s in now)
    assert r.waived == now.count("waived") and r.fixed + r.by_rule + r.not_fixed + r.waived + r.unknown == len(now)
    assert (r.state == "rectified") == (r.fixed == len(now))
    assert (r.state in ("rectified", "partly_rectified")) == (r.fixed > 0)
    assert (r.state == "rule_changed") == (r.by_rule > 0 and r.fixed == 0)
    assert (r.state == "not_rectified") == (r.not_fixed > 0 and r.fixed == 0 and r.by_rule == 0)
    assert (r.state == "waived") == (r.waived > 0 and r.fixed + r.by_rule + r.not_fixed == 0)
    assert (r.state == "unknown") == (r.unknown == len(now))


# --------------------------------------------------------------------------- the same, through a real store
POLICY = """clause: 二（一）4
id: tiny
title: {{zh: 班额, en: Class size}}
text: 消除大班额
responsible: [各区、县（市）政府]
checks:
  - id: tiny.size
    title: {{zh: 班额不超过{limit}人, en: Classes of at most {limit}}}
    over: class
    due: 2019-12-31
    require: size <= {limit}
    severity: major
    message: {{zh: "班额{{{{ size }}}}人", en: "{{{{ size }}}} pupils"}}
"""
CLASSES = ("1-1", "2-1", "3-1")
ROOT_TMP = tempfile.mkdtemp(prefix="lifecycle-")


def _variants():
    out = {}
    for name, limit in (("a", 55), ("b", 59)):
        folder = make_pack(os.path.join(ROOT_TMP, f"policies-{name}"))
        with open(os.path.join(folder, "tiny.yaml"), "w", encoding="utf-8") as handle:
            handle.write(POLICY.format(limit=limit))
        policy_set = load_policies(folder)
        out[name] = (policy_set, Auditor(policy_set, "reference"))
    return out


VARIANTS = _variants()
rounds = st.lists(st.tuples(
    st.booleans(),  # the district submitted
    st.tuples(*[st.sampled_from([40, 58, 60, None]) for _ in CLASSES]),  # each class's size (None: not reported)
    st.sampled_from("ab"),  # the policy in force
    st.sampled_from([30, 400])), min_size=1, max_size=5)  # days to rectify


def submission(folder: str, sizes) -> str:
    classes = [f"{{id: {c}, grade: {int(c[0])}, size: {s}}}" for c, s in zip(CLASSES, sizes) if s is not None]
    path = os.path.join(folder, "dd.yaml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("district: 大东区\nschools:\n  - {id: S1, name: 一校, stage: primary, pupils: 300, classes: ["
                     + ", ".join(classes or ["{id: 9-9, grade: 1, size: 30}"]) + "]}\n")
    return path


def expected(size, submitted: bool, variant: str) -> str:
    if not submitted or size is None:
        return "unknown"
    return "fail" if size > (55 if variant == "a" else 59) else "clear"


@settings(max_examples=25)
@given(rounds)
def test_the_store_follows_each_class_as_the_pure_lifecycle_does(plan):
    work = tempfile.mkdtemp(dir=ROOT_TMP)
    path = os.path.join(work, "h.sqlite")
    named: dict[str, list[Notice]] = {c: [] for c in CLASSES}
    truth: dict[str, list[Obs]] = {c: [] for c in CLASSES}
    for index, (submitted, sizes, variant, days) in enumerate(plan):
        policy_set, auditor = VARIANTS[variant]
        folder = os.path.join(work, str(index))
        os.makedirs(folder)
        files = [submission(folder, sizes)] if submitted else []
        inventory: dict = {}
        as_of = _dt.date(2019 + index, 12, 31)
        findings = auditor.audit_files(files, as_of, ["大东区"], 1, inventory=inventory)
        issued = as_of + _dt.timedelta(days=10)
        done = record.record(path, findings, policy_set, inventory, issued=issued, rectify_days=days)
        for c, size in zip(CLASSES, sizes):
            status = expected(size, submitted, variant)
            truth[c].append(Obs(done.audit, as_of.isoformat(), status, variant))
            if status == "fail":
                named[c].append(Notice("", as_of.isoformat(), issued.isoformat(), (issued + _dt.timedelta(days=days)).isoformat()))
    with db.opened(path, write=False) as connection:
        data = history.history(connection, "大东区", "tiny.size")
    found = {f["item"]: f for f in data["findings"]}
    for c in CLASSES:
        want = lifecycle.states(truth[c], named[c])
        item = f"class:S1/{c}"
        if all(s is None for s in want):
            assert item not in found
            continue
        got = found[item]
        assert [r["state"] for r in got["rounds"]] == [s.state if s else None for s in want]
        assert [r["status"] for r in got["rounds"]] == [o.status for o in truth[c]]
        assert got["rounds_open"] == want[-1].rounds
        assert [n["deadline"] for n in got["notices"]] == [n.deadline for n in named[c]]
    json.dumps(data)
