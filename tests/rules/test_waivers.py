"""Waiver files are validated like policies: located schema errors, unknown scope with did-you-mean, overlaps."""
from __future__ import annotations

import textwrap

import pytest

from auditor.errors import PolicyError
from auditor.rules.policies import load_policies
from auditor.rules.waivers import default_folder, load_waivers

from conftest import POLICIES

GOOD = """\
  - id: w1
    document: {ref: 沈教发〔2022〕1号, date: 2022-01-10, approved_by: 沈阳市教育局}
    reason: 特殊情况
    scope: {district: 浑南区, check: layout.plan-filed}
    valid_from: 2022-01-01
    valid_until: 2022-12-31
"""


@pytest.fixture(scope="module")
def policy_set():
    return load_policies(POLICIES)


def _write(tmp_path, body: str, name: str = "w.yaml"):
    folder = tmp_path / "waivers"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text("waivers:\n" + body, encoding="utf-8")
    return str(folder)


def test_a_good_waiver_loads(tmp_path, policy_set):
    (w,) = load_waivers(_write(tmp_path, GOOD), policy_set)
    assert (w.id, w.district, w.checks, w.records) == ("w1", "浑南区", ("layout.plan-filed",), ())
    assert str(w.valid_from) == "2022-01-01" and w.source == "waivers/w.yaml:2"


def test_a_clause_covers_its_checks(tmp_path, policy_set):
    (w,) = load_waivers(_write(tmp_path, GOOD.replace("check: layout.plan-filed", "clause: 二（一）4")), policy_set)
    assert set(w.checks) == {c.id for c in policy_set.checks if c.clause == "二（一）4"} and len(w.checks) > 1


# (what to change in GOOD, or a second waiver to add, the code, a fragment of the message, the line)
CASES = [
    ("unknown key", GOOD.replace("valid_until:", "valid_to:"), "W-SCHEMA", 'unknown key "valid_to"', 7),
    ("a date with a time", GOOD.replace("valid_until: 2022-12-31", "valid_until: 2022-12-31 08:00"), "W-SCHEMA", "YYYY-MM-DD", 7),
    ("no such date", GOOD.replace("valid_until: 2022-12-31", "valid_until: 2022-02-30"), "E-DATE", "2022-02-30", 7),
    ("misspelt check", GOOD.replace("layout.plan-filed", "layout.plan-filled"), "W-SCOPE", 'did you mean "layout.plan-filed"', 5),
    ("unknown district", GOOD.replace("浑南区", "浑南县"), "W-SCOPE", 'did you mean "浑南区"', 5),
    ("unknown clause", GOOD.replace("check: layout.plan-filed", "clause: 二（九）"), "W-SCOPE", "no check of clause", 5),
    ("check and clause both", GOOD.replace("check: layout.plan-filed", "check: layout.plan-filed, clause: 二（一）1"), "W-SCHEMA", "", 5),
    ("until before from", GOOD.replace("valid_from: 2022-01-01", "valid_from: 2023-01-01"), "W-DATES", "before valid_from", 7),
    ("overlap", GOOD + GOOD.replace("id: w1", "id: w2").replace("valid_from: 2022-01-01", "valid_from: 2022-12-31")
     .replace("valid_until: 2022-12-31", "valid_until: 2023-06-30"), "W-OVERLAP", 'waiver "w1" (waivers/w.yaml:2)', 8),
    ("overlap through a clause", GOOD + GOOD.replace("id: w1", "id: w2").replace("check: layout.plan-filed", "clause: 二（一）1"),
     "W-OVERLAP", 'what waiver "w1"', 8),
    ("same id", GOOD + GOOD.replace("浑南区", "大东区"), "W-DUPLICATE-ID", "used already", 8),
    ("misspelt pack", GOOD.replace("check: layout.plan-filed", "check: layout.plan-filed, pack: 沈政办发〔2019〕32号"), "W-SCOPE",
     'did you mean "沈政办发〔2019〕23号"', 5),
    ("a check of another pack", GOOD.replace("check: layout.plan-filed", "check: layout.plan-filed, pack: national-2017-6"), "W-SCOPE",
     'is not in pack "national-2017-6" but in "shenyang-2019-23"', 5),
    ("a clause of another pack", GOOD.replace("check: layout.plan-filed", "clause: 二（一）1, pack: 教督〔2017〕6号"), "W-SCOPE",
     'no check of clause "二（一）1" in pack "教督〔2017〕6号"; the clause is in shenyang-2019-23', 5),
    # a record key that can name no record: was accepted, and the waiver then reported unused as if the record passed
    ("a record key that is no key", GOOD.replace("浑南区, check: layout.plan-filed", "大东区, check: large-classes.56, records: [bogus]"),
     "W-SCOPE", '"bogus" is not a record key', 5),
    ("a class key without its school", GOOD.replace("浑南区, check: layout.plan-filed", "大东区, check: large-classes.56, records: [class:2-1]"),
     "W-SCOPE", '"class:2-1" is not a record key', 5),
    ("a record of another kind", GOOD.replace("浑南区, check: layout.plan-filed", "大东区, check: large-classes.56, records: [school:DD001]"),
     "W-SCOPE", 'record "school:DD001" is a school record but the checks covered judge class records', 5),
    ("a bad key at its own line", GOOD.replace("scope: {district: 浑南区, check: layout.plan-filed}",
                                               "scope:\n      district: 大东区\n      check: large-classes.56\n      records:\n"
                                               "        - class:DD001/2-1\n        - document:first"),
     "W-SCOPE", '"document:first" is not a record key', 10),
]


@pytest.mark.parametrize("body, code, fragment, line", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_waiver_is_a_located_error(tmp_path, policy_set, body, code, fragment, line):
    with pytest.raises(PolicyError) as caught:
        load_waivers(_write(tmp_path, body), policy_set)
    problems = caught.value.problems
    assert {p.code for p in problems} == {code}, [p.format() for p in problems]
    problems = [p for p in problems if fragment in p.message]
    assert problems and fragment in problems[0].message and problems[0].file.endswith("w.yaml") and problems[0].line == line


def test_waivers_that_do_not_overlap_load(tmp_path, policy_set):
    """Same check, other records; same check, later period; same records, another district."""
    body = (GOOD.replace("check: layout.plan-filed", "check: large-classes.56, records: [class:A/1-1]")
            + GOOD.replace("id: w1", "id: w2").replace("check: layout.plan-filed", "check: large-classes.56, records: [class:A/1-2]")
            + GOOD.replace("id: w1", "id: w3").replace("valid_from: 2022-01-01", "valid_from: 2023-01-01")
            .replace("valid_until: 2022-12-31", "valid_until: 2023-12-31")
            + GOOD.replace("id: w1", "id: w4").replace("浑南区", "大东区"))
    assert [w.id for w in load_waivers(_write(tmp_path, body), policy_set)] == ["w1", "w2", "w3", "w4"]


def test_a_missing_folder_is_refused(tmp_path, policy_set):
    with pytest.raises(PolicyError) as caught:
        load_waivers(str(tmp_path / "nowhere"), policy_set)
    assert caught.value.problems[0].code == "W-SCHEMA"


def test_a_waiver_names_checks_of_either_pack(tmp_path, policy_set):
    """The national standard's checks and clauses are waived like the city plan's; a misspelt one is offered
    the closest check of whichever pack has it."""
    national = GOOD.replace("check: layout.plan-filed", "check: nat-resources.cv-backbone-primary")
    (w,) = load_waivers(_write(tmp_path, national), policy_set)
    assert w.checks == ("nat-resources.cv-backbone-primary",)
    assert next(c for c in policy_set.checks if c.id == w.checks[0]).document == "national-2017-6"
    (w,) = load_waivers(_write(tmp_path, GOOD.replace("check: layout.plan-filed", "clause: 第五条")), policy_set)
    assert set(w.checks) == {c.id for c in policy_set.checks if c.clause == "第五条"} and len(w.checks) > 1
    with pytest.raises(PolicyError) as caught:
        load_waivers(_write(tmp_path, national.replace("cv-backbone-primary", "cv-backbone-primry")), policy_set)
    (problem,) = caught.value.problems
    assert problem.code == "W-SCOPE" and 'did you mean "nat-resources.cv-backbone-primary"' in problem.message


def test_a_clause_two_packs_share_needs_the_pack_named(tmp_path, policy_set):
    """With a clause number in two packs, a clause waiver must say which pack it means (by id or 文号), and then
    covers that pack's checks only; a check waiver needs no pack (check ids are unique across packs)."""
    import dataclasses
    from types import SimpleNamespace

    shared = [dataclasses.replace(c, clause="二（一）1") if c.document == "national-2017-6" and c.clause == "第五条" else c
              for c in policy_set.checks]
    both = SimpleNamespace(checks=shared, packs=policy_set.packs)
    city = {c.id for c in policy_set.checks if c.clause == "二（一）1"}
    national = {c.id for c in shared if c.clause == "二（一）1"} - city
    assert city and national
    clause = GOOD.replace("check: layout.plan-filed", "clause: 二（一）1")
    with pytest.raises(PolicyError) as caught:
        load_waivers(_write(tmp_path, clause), both)
    (problem,) = caught.value.problems
    assert (problem.code, problem.line) == ("W-SCOPE", 5)
    assert 'clause "二（一）1" is in more than one pack (national-2017-6、shenyang-2019-23)' in problem.message
    for pack, covered in [("沈政办发〔2019〕23号", city), ("shenyang-2019-23", city), ("national-2017-6", national)]:
        (w,) = load_waivers(_write(tmp_path, clause.replace("clause: 二（一）1", f"clause: 二（一）1, pack: {pack}")), both)
        assert set(w.checks) == covered and w.scope["pack"] == pack
    (w,) = load_waivers(_write(tmp_path, GOOD), both)
    assert w.checks == ("layout.plan-filed",)


def test_the_default_folder_is_beside_the_folder_of_packs(tmp_path):
    """waivers/ beside the folder of packs, whether --policies names that folder or one of its packs."""
    packs = tmp_path / "policies"
    (packs / "city").mkdir(parents=True)
    (packs / "city" / "pack.yaml").write_text("id: city\n", encoding="utf-8")
    assert default_folder([str(packs)]) is None  # no waivers/ yet
    (tmp_path / "waivers").mkdir()
    assert default_folder([str(packs)]) == str(tmp_path / "waivers")
    assert default_folder([str(packs / "city")]) == str(tmp_path / "waivers")


# record keys as findings.json writes them (auditor/intake/submission.py, evaluate/records.py, completeness.py)
RECORD_KEYS = [
    ("class:DD001/2-1", "class"), ("class:DD001/一年级（1）班", "class"), ("class:DD001/*", "class"), ("class:*", "class"),
    ("school:DD001", "school"), ("school:*", "school"), ("school_stage:DD001/primary", "school_stage"),
    ("school_stage:DD001/junior", "school_stage"), ("document:0", "document"), ("document:12", "document"),
    ("document:*", "document"), ("district", "district"), ("city", "city"),
    ("bogus", None), ("", None), ("class:DD001", None), ("class:/2-1", None), ("class:DD001/", None), ("class:DD 001/2-1", None),
    ("Class:DD001/2-1", None), ("school:DD001/2-1", None), ("school:", None), ("school_stage:DD001/senior", None),
    ("document:first", None), ("document:-1", None), ("document:１", None), ("districts", None), ("district:大东区", None),
    ("class:DD001/" + "x" * 41, None),
]


@pytest.mark.parametrize("key, kind", RECORD_KEYS)
def test_record_keys(key, kind):
    from auditor.rules.waivers import record_kind

    assert record_kind(key) == kind
