"""auditor/evaluate/records.py: school stages, computed fields and k-of-n figures, worked by hand."""
from __future__ import annotations

from fractions import Fraction

import pytest

from auditor.evaluate.records import STAGE, figures, mark, stage_records
from auditor.intake.document import Document
from auditor.intake.submission import facts_from_document
from auditor.model import KOfN


def facts_of(*schools):
    return facts_from_document(Document("t.yaml", {"district": "和平区", "schools": list(schools)}))


def stages(*schools):
    return {r.key: r for r in stage_records(facts_of(*schools))}


def test_a_nine_year_school_is_split_one_to_one_point_one():
    """1000 primary and 1000 junior pupils: weighted 1000 + 1100 = 2100; the primary stage holds 1000/2100 of the
    resources, the junior stage 1100/2100 (per pupil, junior 1.1 times primary)."""
    got = stages({"id": "s1", "name": "一校", "stage": "nine_year", "pupils": 2000, "pupils_primary": 1000, "pupils_junior": 1000,
                  "teaching_area": 10500, "backbone_teachers": 21, "music_rooms": 3})
    primary, junior = got[f"{STAGE}:s1/primary"].data, got[f"{STAGE}:s1/junior"].data
    assert (primary["pupils"], junior["pupils"]) == (1000, 1000) and primary["combined"] and junior["combined"]
    assert primary["teaching_area"] == 5000.0 and junior["teaching_area"] == 5500.0  # 10500 x 1000/2100, x 1100/2100
    assert primary["backbone_teachers"] == 10.0 and junior["backbone_teachers"] == 11.0
    assert primary["share"] == float(Fraction(10, 21)) and junior["share"] == float(Fraction(11, 21))
    assert primary["music_rooms"] == 3 and junior["music_rooms"] == 3  # not a split field: the school's rooms


def test_a_single_stage_school_keeps_everything():
    got = stages({"id": "s1", "name": "一校", "stage": "junior", "pupils": 600, "teaching_area": 3500})
    (record,) = got.values()
    assert record.key == f"{STAGE}:s1/junior" and record.data["pupils"] == 600 and record.data["teaching_area"] == 3500
    assert record.data["share"] == 1 and record.data["combined"] is False and record.ident["stage"] == "junior"


def test_a_stage_without_pupils_is_not_served_and_unknown_counts_stay_unknown():
    got = stages({"id": "s1", "name": "一校", "stage": "nine_year", "pupils": 500, "pupils_primary": 500, "pupils_junior": 0,
                  "teaching_area": 2500},
                 {"id": "s2", "name": "二校", "stage": "nine_year", "pupils": 900, "pupils_primary": 600, "teaching_area": 5000})
    assert f"{STAGE}:s1/junior" not in got and got[f"{STAGE}:s1/primary"].data["teaching_area"] == 2500
    unknown = got[f"{STAGE}:s2/primary"].data
    assert unknown["pupils"] == 600 and "teaching_area" not in unknown and "share" not in unknown  # its share is unknown
    assert got[f"{STAGE}:s2/junior"].data.get("_unknown") == ("pupils_junior",) and "pupils" not in got[f"{STAGE}:s2/junior"].data


SPEC = KOfN(6, 0.85, tuple((f"x{i}", t) for i, t in enumerate((4.2, 1, 0.9, 4.5, 7.5, 2000, 2.3))), "met", "lowest")
AT = {f"x{i}": t for i, t in enumerate((4.2, 1, 0.9, 4.5, 7.5, 2000, 2.3))}


@pytest.mark.parametrize("changes, met, lowest", [
    ({}, 7, 1.0),  # every item at its value
    ({"x3": 3.825}, 6, 0.85),  # 3.825 of 4.5 is 85% exactly: passes
    ({"x3": 3.78}, 6, 0.84),  # 84%: fails on the floor
    ({"x3": 3.825, "x4": 7.0}, 5, 0.85),  # five met: fails on k
    ({"x0": 4.1999}, 6, float(Fraction(41999, 42000))),
])
def test_k_of_n_figures(changes, met, lowest):
    assert figures(SPEC, {**AT, **changes}) == (met, lowest)


@pytest.mark.parametrize("data, expected", [
    ({k: v for k, v in AT.items() if k != "x6"}, (None, None)),  # one item unknown, the rest met: cannot tell
    ({**{k: v for k, v in AT.items() if k != "x6"}, "x5": 1000}, (5, 0.5)),  # unknown + one under the floor: a fail
    ({"x0": 1.0, "x1": 0.1}, (0, float(Fraction(1, 10)))),  # two known, both below: too few can still be met
    ({"x0": 4.2, "x1": 0.9}, (None, None)),  # one met, one within: six more could still be met
])
def test_k_of_n_with_items_missing_is_decided_only_where_certain(data, expected):
    assert figures(SPEC, data) == expected


@pytest.mark.parametrize("value, threshold, result", [
    (4.2, 4.2, "met"), (4.1999, 4.2, "within"), (3.57, 4.2, "within"), (3.5699, 4.2, "below"), (None, 4.2, "missing"),
])
def test_marks(value, threshold, result):
    assert mark(value, threshold, 0.85) == result


# The k-of-n figures and the stage splits are worked in integers (spread.ratio), not Fractions: held here to the
# Fraction reading they replace, on decimals drawn near the thresholds and the floor.
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from auditor.evaluate.records import _split, share  # noqa: E402
from auditor.evaluate.spread import exact, ratio  # noqa: E402

_DECIMALS = st.one_of(st.integers(-10**6, 10**9),
                      st.decimals(min_value=-10**6, max_value=10**9, places=4, allow_nan=False).map(float),
                      st.floats(min_value=1e-9, max_value=1e12, allow_nan=False, allow_infinity=False))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), _DECIMALS), min_size=7, max_size=7), st.sampled_from((0.85, 0.9, 1, 0.333)))
def test_integer_figures_equal_the_fraction_reading(values, floor):
    spec = KOfN(6, floor, SPEC.items, "met", "lowest")
    data = {name: v for (name, _), v in zip(spec.items, values) if v is not None}
    marks = []
    known = []
    for name, t in spec.items:
        v = data.get(name)
        expected = ("missing" if v is None else "met" if v >= t
                    else "within" if exact(v) / exact(t) >= exact(floor) else "below")
        assert mark(v, t, floor) == expected
        marks.append(expected)
        if v is not None:
            known.append(share(v, t))
    met, lowest = figures(spec, data)
    if "missing" not in marks:
        assert (met, lowest) == (marks.count("met"), float(min(known)))
    elif lowest is not None:
        assert lowest == float(min(known))


@settings(max_examples=300, deadline=None)
@given(_DECIMALS, st.integers(1, 5000), st.integers(1, 5000))
def test_integer_splits_equal_the_fraction_reading(value, primary, junior):
    weighted = Fraction(primary) + Fraction(11, 10) * junior
    for pupils, weight in ((primary, Fraction(1)), (junior, Fraction(11, 10))):
        part = weight * pupils / weighted
        for integral in (True, False):
            kept: dict = {}
            assert _split({"x": value}, ("x",), part, integral, kept, "k") == {"x": float(exact(value) * part)}
            assert {k: Fraction(*v) for k, v in kept.items()} == {("k", "x"): exact(value) * part}  # the exact share
    n, d = ratio(value)
    assert Fraction(n, d) == exact(value) and d > 0


# ----------------------------------------------------------------------------- at a limit exactly
# Computed ratios are worked exactly and rounded once (records.compute_fields), the exact values kept for the
# coefficients of variation: a figure exactly at its value, or a CV exactly at its limit, is at it — not one float
# step below, as a float division of a float share gave (4.199999999999999 teachers per hundred, a CV of
# 0.45000000000000007).
import math  # noqa: E402

from auditor.evaluate.derive import derive_district  # noqa: E402
from auditor.rules.policies import load_policies  # noqa: E402

NATIONAL = load_policies("policies/national-2017-6")
_RESOURCES = {"teachers_associate_plus": 0, "teachers_bachelor_plus": 0, "backbone_teachers": 0, "pe_arts_teachers": 0,
              "teaching_area": 1, "sports_area": 1, "equipment_value": 1, "multimedia_rooms": 0}


def derived(*schools):
    facts = facts_of(*({**_RESOURCES, "school_type": "regular", **s} for s in schools))
    derive_district(facts, NATIONAL.measures, NATIONAL)
    return facts


def _nine_year(draw_primary, draw_junior, teachers):
    return {"id": "s1", "name": "一校", "stage": "nine_year", "pupils": draw_primary + draw_junior,
            "pupils_primary": draw_primary, "pupils_junior": draw_junior, "teachers_associate_plus": teachers}


@st.composite
def nine_year_schools(draw):
    """A nine-year school (p primary, j junior pupils) and its qualified teachers T: half the time exactly at 4.2, 1
    or 0.9 per hundred primary pupils — 100·T / (p + 1.1·j) = t, that is 1000·T = t·W with W = 10p + 11j — and
    otherwise anything."""
    if draw(st.booleans()):
        t = draw(st.sampled_from((Fraction(21, 5), Fraction(1), Fraction(9, 10))))
        step = 1000 * t.denominator // math.gcd(t.numerator, 1000 * t.denominator)  # W a multiple of it: T whole
        weighted = step * draw(st.integers(1, 4))
        junior = weighted % 10 or 10  # 11j = W (mod 10)
        junior += 10 * draw(st.integers(0, max(0, (weighted // 11 - junior) // 10)))
        primary = (weighted - 11 * junior) // 10
        if primary < 1:
            return 98, 820, 42  # the reviewer's school: 42·100 / (98 + 902) = 4.2 exactly
        teachers = t * weighted / 1000
        assert teachers.denominator == 1 and 10 * primary + 11 * junior == weighted
        return primary, junior, int(teachers)
    return draw(st.integers(1, 3000)), draw(st.integers(1, 3000)), draw(st.integers(0, 400))


@settings(max_examples=200, deadline=None)
@given(nine_year_schools())
def test_a_split_ratio_compares_with_every_value_as_its_exact_value_does(school):
    """The primary stage's qualified teachers per hundred pupils of a nine-year school, 100·T·p/(p + 1.1·j) / p, is
    the float of that exact value, and it is at or above each value of the standard exactly when the exact value is."""
    primary, junior, teachers = school
    facts = derived(_nine_year(primary, junior, teachers))
    record = {r.key: r for r in facts.of(STAGE)}[f"{STAGE}:s1/primary"]
    got = record.data["qualified_per100_primary"]
    q = Fraction(100 * teachers) / (primary + Fraction(11, 10) * junior)
    assert got == float(q) and Fraction(*facts.exact[(record.key, "qualified_per100_primary")]) == q
    for value in (Fraction(21, 5), Fraction(1), Fraction(9, 10)):
        assert (got >= float(value)) == (q >= value)
        assert mark(got, float(value), 0.85) == ("met" if q >= value else "within" if q >= value * Fraction(17, 20) else "below")


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5000), st.integers(0, 300), st.integers(0, 300))
def test_a_cv_compares_with_every_limit_as_its_exact_value_does(pupils, a, b):
    """Two junior schools of equal enrolment with a and b backbone teachers: the pupil-weighted CV of their
    teachers per hundred pupils is |b − a| / (a + b) exactly, whatever the enrolment. The CV is worked from the
    figures' floats and, within a rounding error of a short decimal, again from their exact values: so it is that
    decimal when it is exactly one (11 and 29 over 303 pupils each is 0.45, at the junior limit, not
    0.45000000000000007), and it is on the same side of every limit of nine decimals or fewer as the exact CV."""
    school = {"stage": "junior", "pupils": pupils}
    facts = derived({**school, "id": "a", "name": "甲", "backbone_teachers": a}, {**school, "id": "b", "name": "乙", "backbone_teachers": b})
    got = facts.of("district")[0].data.get("cv_backbone_junior")
    if a + b == 0:
        assert got is None  # a zero mean: undefined, never a number
        return
    cv = Fraction(abs(b - a), a + b)
    assert abs(got - float(cv)) <= 1e-15 * max(1.0, float(cv))
    for limit in {"0.45", "0.5", "0.65", f"{float(cv):.2f}", f"{float(cv):.9f}"}:
        assert (got <= float(limit)) == (cv <= Fraction(limit)), limit
    if cv == Fraction(f"{float(cv):.9f}"):
        assert got == float(cv)


@pytest.mark.parametrize("schools, check, expected", [
    # the reviewer's cases: a CV exactly at the junior limit; a nine-year school exactly at 4.2; 1009.8 m² over
    # 264 pupils, 3.825 a pupil, exactly 85% of 4.5
    ([{"id": "A", "name": "初中A", "stage": "junior", "pupils": 303, "backbone_teachers": 11},
      {"id": "B", "name": "初中B", "stage": "junior", "pupils": 303, "backbone_teachers": 29}], "cv_backbone_junior", 0.45),
    ([_nine_year(98, 820, 42)], (f"{STAGE}:s1/primary", "qualified_per100_primary"), 4.2),
    ([{"id": "s1", "name": "小学甲", "stage": "primary", "pupils": 264, "teaching_area": 1009.8}],
     (f"{STAGE}:s1/primary", "teaching_area_per_pupil"), 3.825),
])
def test_figures_exactly_at_a_limit(schools, check, expected):
    facts = derived(*schools)
    if isinstance(check, tuple):
        key, name = check
        assert {r.key: r for r in facts.of(STAGE)}[key].data[name] == expected
    else:
        assert facts.of("district")[0].data[check] == expected


def test_a_share_below_the_floor_stays_below_when_its_float_rounds_onto_it():
    """3.8249999999999997 (a value given to 17 digits) of 4.5 is under 85% exactly, though the float of that share
    is 0.85: the item is marked below, and the lowest figure stays under the floor, so the two agree."""
    data = {**AT, "x3": 3.8249999999999997}
    assert mark(data["x3"], 4.5, 0.85) == "below"
    met, lowest = figures(SPEC, data)
    assert met == 6 and lowest < 0.85 and lowest == math.nextafter(0.85, 0)
