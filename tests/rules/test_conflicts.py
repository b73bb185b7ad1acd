"""auditor/rules/conflicts.py: the index finds exactly the conflicts that comparing every pair finds.

Random small rule sets (class checks with plain, "in", range and "or" filters, requirements on shared and
separate fields, dated schedules, copies of the same check) are linted both ways: by
:func:`conflicts.conflicts` and by trying every ordered pair with :func:`conflicts.pair_conflict` (the
definition, as `auditor check` did before the index). The same checks must be reported, each citing the
same classes of earlier checks.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings, strategies as st

from auditor.rules import conflicts
from auditor.rules.lint import field_domains
from auditor.rules.policies import load_policies
from conftest import make_pack

WHERES = [None, 'stage == "primary"', 'stage == "junior"', "grade == 1", "grade in [1, 7]", "grade <= 2",
          "grade >= 3 and grade <= 6", 'stage == "primary" or grade == 7', "school.rural", "not school.rural",
          "school.rural and (grade == 1 or size > 40)", "(grade == 1 and size > 30) or (grade == 2 and homework_minutes > 5)",
          'school.stage in ["primary", "nine_year"]']
REQUIRES = ["size <= 45", "size >= 46", "size <= 55", "size > 50", "homework_minutes <= 0", "homework_minutes >= 10",
            'stage == "junior"', "grade >= 3 or size <= 30", "size <= 40 and homework_minutes <= 60",
            "grade == 2", "homework_minutes <= size", "size != 46"]
DUES = ["2019-12-31", "2020-12-31", "2022-12-31"]


def _check(n: int, where, require, due, scheduled) -> str:
    lines = [f"  - id: gen.c{n}", "    title: {zh: 检查, en: Check}", "    over: class"]
    if where:
        lines.append(f"    where: '{where}'")
    if scheduled:
        lines += ["    schedule:", f"      - {{due: {DUES[0]}, params: {{limit: 55}}}}", f"      - {{due: {due}, params: {{limit: 45}}}}",
                  "    require: size <= limit"]
    else:
        lines += [f"    due: {due}", f"    require: '{require}'"]
    lines += ["    severity: major", '    message: {zh: "{{ school_name }}", en: "{{ school_name }}"}']
    return "\n".join(lines)


checks = st.lists(st.tuples(st.sampled_from(WHERES), st.sampled_from(REQUIRES), st.sampled_from(DUES[1:]),
                            st.integers(0, 9)), min_size=2, max_size=12)


@settings(max_examples=60, deadline=None)
@given(drawn=checks, copies=st.lists(st.integers(0, 11), max_size=4))
def test_the_index_finds_what_every_pair_finds(drawn, copies):
    drawn = drawn + [drawn[i % len(drawn)] for i in copies]  # copies of a check: one class
    body = "\n".join(_check(n, w, r, d, s == 0) for n, (w, r, d, s) in enumerate(drawn))
    text = ("clause: 二（一）4\nid: gen\ntitle: {zh: 生成, en: Generated}\ntext: 到2022年\nresponsible: [市教育局]\n"
            f"checks:\n{body}\n")
    with tempfile.TemporaryDirectory() as folder:
        make_pack(folder)
        Path(folder, "gen.yaml").write_text(text, encoding="utf-8")
        policy_set = load_policies(folder)
    domains = field_domains(policy_set)
    ordered = list(policy_set.checks)
    shapes = [conflicts.shape(c, i) for i, c in enumerate(ordered)]

    every_pair: dict[str, set] = {}
    for i, a in enumerate(shapes):
        for b in shapes[i + 1:]:
            if a.check.over == b.check.over and conflicts.pair_conflict(a, b, domains[a.check.over]) is not None:
                every_pair.setdefault(b.check.id, set()).add(a.key)
    found: dict[str, set] = {}
    key = {s.check.id: s.key for s in shapes}
    for a, b, (since, ra, rb) in conflicts.conflicts(ordered, domains):
        assert key[a.id] not in found.get(b.id, set()), "a class cited twice for one check"
        found.setdefault(b.id, set()).add(key[a.id])
        assert since >= max(a.steps[0].due, b.steps[0].due)
    assert found == every_pair


def test_checks_with_the_same_logic_are_compared_once(tmp_path):
    """100 copies of two conflicting checks: every later copy is reported, each citing the first check of
    the other class, from one comparison of the two classes."""
    body = "\n".join(_check(n, None, "size <= 45" if n % 2 == 0 else "size >= 46", "2022-12-31", False) for n in range(200))
    make_pack(tmp_path)
    (tmp_path / "gen.yaml").write_text("clause: 二（一）4\nid: gen\ntitle: {zh: 生成, en: Generated}\ntext: 到2022年\n"
                                       f"responsible: [市教育局]\nchecks:\n{body}\n", encoding="utf-8")
    policy_set = load_policies(str(tmp_path))
    calls = []
    original = conflicts.pair_conflict

    def counting(a, b, domains):
        calls.append((a.check.id, b.check.id))
        return original(a, b, domains)

    conflicts.pair_conflict = counting
    try:
        found = conflicts.conflicts(list(policy_set.checks), field_domains(policy_set))
    finally:
        conflicts.pair_conflict = original
    assert len(calls) <= 2
    assert sorted(b.id for _, b, _ in found) == sorted(f"gen.c{n}" for n in range(1, 200))
    assert {a.id for a, b, _ in found if int(b.id[5:]) % 2 == 1} == {"gen.c0"}
    assert {a.id for a, b, _ in found if int(b.id[5:]) % 2 == 0} == {"gen.c1"}
