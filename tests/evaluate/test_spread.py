"""auditor/evaluate/spread.py: the enrolment-weighted coefficient of variation (差异系数), worked by hand.

X̄ = ΣP_i·X_i / ΣP_i, S = √(Σ (P_i/P)(X_i − X̄)²) (no n − 1), CV = S / X̄; compared unrounded, shown to three
decimals; undefined (no school, no pupils, a zero mean) is never a number.
"""
from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.evaluate.spread import exact, unweighted_cv, weighted_cv
from auditor.output.formatter import coefficient

# (name, [(X_i, P_i), ...], the CV worked by hand, the unweighted CV worked by hand or None)
WORKED = [
    # two schools of equal enrolment at 1 and 3: mean 2, deviation 1, CV 1/2 — exactly at the primary limit
    ("at the primary limit", [(1, 100), (3, 100)], Fraction(1, 2), Fraction(1, 2)),
    # 0.55 and 1.45, equal enrolment: mean 1, deviation 0.45 — exactly at the junior limit (decimals, not binary)
    ("at the junior limit", [(0.55, 100), (1.45, 100)], Fraction(9, 20), Fraction(9, 20)),
    # ten schools of 100 pupils at 1.0 and one of 250 at 3.0: weighted mean 1750/1250 = 1.4, variance
    # (1000·0.4² + 250·1.6²)/1250 = 800/1250 = 0.64, deviation 0.8, CV 0.8/1.4 = 4/7 ≈ 0.571 (fails 0.50);
    # unweighted: mean 13/11, variance 440/1331, CV = √(440/1331)/(13/11) ≈ 0.4865 (would pass)
    ("the weighted CV fails where the unweighted passes", [(1, 100)] * 10 + [(3, 250)], Fraction(4, 7), None),
    # P = 200, 300, 500 at X = 2, 4, 5: mean 4100/1000 = 4.1, variance 0.2·2.1² + 0.3·0.1² + 0.5·0.9² = 1.29,
    # CV = √1.29 / 4.1 ≈ 0.2770
    ("three schools of different sizes", [(2, 200), (4, 300), (5, 500)], None, None),
    # one school: no spread at all
    ("a single school", [(4.2, 800)], Fraction(0), Fraction(0)),
]


@pytest.mark.parametrize("name, pairs, cv, plain", WORKED, ids=[w[0] for w in WORKED])
def test_worked_examples(name, pairs, cv, plain):
    got = weighted_cv(pairs)
    if cv is not None:
        assert got["value"] == float(cv)  # exact in rationals, then rounded once
    if plain is not None:
        assert unweighted_cv([x for x, _ in pairs]) == float(plain)


def test_the_mixed_example_by_hand():
    got = weighted_cv([(2, 200), (4, 300), (5, 500)])
    assert got["mean"] == 4.1 and got["weight"] == 1000 and got["schools"] == 3
    assert got["sd"] == pytest.approx(math.sqrt(1.29), rel=1e-15)
    assert got["value"] == pytest.approx(math.sqrt(1.29) / 4.1, rel=1e-15)
    assert coefficient(got["value"]) == "0.277"


def test_weighted_fails_where_unweighted_passes():
    pairs = [(1, 100)] * 10 + [(3, 250)]
    weighted, plain = weighted_cv(pairs)["value"], unweighted_cv([x for x, _ in pairs])
    assert weighted > 0.5 >= plain
    assert coefficient(weighted) == "0.571" and coefficient(plain) == "0.487"
    assert plain == pytest.approx(math.sqrt(440 / 1331) / (13 / 11), rel=1e-15)


@pytest.mark.parametrize("pairs, code", [
    ([], "no_applicable_records"),
    ([(3, 0), (5, 0)], "zero_total"),
    ([(0, 100), (0, 300)], "zero_mean"),
])
def test_undefined_is_never_a_number(pairs, code):
    got = weighted_cv(pairs)
    assert got["value"] is None and got["reason"]["code"] == code


def test_decimals_are_read_as_written():
    assert exact(0.55) == Fraction(11, 20) and exact(4.2) == Fraction(21, 5) and exact(7) == 7


@pytest.mark.parametrize("value, limit, shown", [
    (0.5532326362948065, 0.5, "0.553"), (0.5, 0.5, "0.500"), (0.50004, 0.5, "0.50004"), (0.49996, 0.5, "0.49996"),
    (0.4499999, 0.45, "0.4499999"), (0.45, 0.45, "0.450"), (0.1234, None, "0.123"),
])
def test_three_decimals_unless_they_hide_which_side_of_the_limit(value, limit, shown):
    assert coefficient(value, limit) == shown


# --------------------------------------------------------------------------- properties
figures = st.fractions(min_value=0, max_value=10_000, max_denominator=1000)
schools = st.lists(st.tuples(figures, st.integers(1, 5000)), min_size=1, max_size=12)


@given(schools, st.fractions(min_value=Fraction(1, 100), max_value=1000, max_denominator=100))
def test_the_cv_is_scale_invariant(pairs, k):
    """Multiply every school's resource (so its figure) by k: the same CV, exactly."""
    before, after = weighted_cv(pairs), weighted_cv([(x * k, p) for x, p in pairs])
    assert before["value"] == after["value"]


@given(schools, st.integers(1, 1000), st.randoms(use_true_random=False))
def test_the_cv_is_order_invariant_and_weights_scale_out(pairs, k, rnd):
    """The order of the schools, and multiplying every enrolment by k, change nothing."""
    shuffled = list(pairs)
    rnd.shuffle(shuffled)
    assert weighted_cv(shuffled)["value"] == weighted_cv(pairs)["value"]
    assert weighted_cv([(x, p * k) for x, p in pairs])["value"] == weighted_cv(pairs)["value"]


@given(st.lists(st.tuples(figures, st.integers(1, 5000)), min_size=2, max_size=12))
def test_the_cv_agrees_with_the_textbook_formula(pairs):
    got = weighted_cv(pairs)["value"]
    total = sum(p for _, p in pairs)
    mean = sum(float(x) * p for x, p in pairs) / total
    if mean == 0:
        assert got is None
        return
    sd = math.sqrt(sum(p / total * (float(x) - mean) ** 2 for x, p in pairs))
    assert got == pytest.approx(sd / mean, rel=1e-9, abs=1e-12)


def test_equal_weights_give_the_unweighted_cv():
    rnd = random.Random(7)
    values = [rnd.randint(1, 400) / 10 for _ in range(9)]
    assert weighted_cv([(v, 37) for v in values])["value"] == unweighted_cv(values)


@given(st.lists(st.one_of(st.integers(-10**6, 10**9), st.floats(allow_nan=False, allow_infinity=False),
                          st.decimals(min_value=-10**4, max_value=10**6, places=5, allow_nan=False).map(float))))
def test_scaled_from_the_digits_equals_the_decimal_reading(numbers):
    """The common scale read from each float's repr is what Decimal(repr(x)).scaleb gives (exponent forms included)."""
    from auditor.evaluate.spread import _scaled, _scaled_decimal
    assert _scaled(numbers) == _scaled_decimal(numbers)
