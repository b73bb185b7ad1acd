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
        assert _split({"x": value}, ("x",), part, True) == {"x": float(exact(value) * part)}
    n, d = ratio(value)
    assert Fraction(n, d) == exact(value) and d > 0
