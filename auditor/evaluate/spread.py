"""The enrolment-weighted coefficient of variation (差异系数) of a figure across schools.

With P_i the weight of school i (its pupils), P = ΣP_i and X_i its figure (teachers per 100 pupils, area per
pupil, ...)::

    X̄ = Σ P_i·X_i / P                 (the district's total resource over its total pupils)
    S  = √( Σ (P_i / P)·(X_i − X̄)² )   (a population deviation: no n − 1)
    CV = S / X̄

Everything up to the square root is computed exactly, in whole numbers, from each number's shortest
decimal form (the float ``4.2`` is 42/10, not the binary fraction nearest to it), so the result does not depend
on the order of the schools and a district exactly at a limit is at it, not a rounding error away. The square
root is taken with 40 significant digits and the result rounded once to a float: the verdict compares that
float, unrounded, with the limit; reports show three decimals.

Undefined — no school, zero total weight, or a zero mean — is reported as such (``None`` with a reason), never
as a number: a CV that cannot be computed is never a pass.
"""
from __future__ import annotations

from decimal import Context, Decimal
from fractions import Fraction

_CONTEXT = Context(prec=40)


def exact(number) -> Fraction:
    """A number as the decimal it prints as: int exactly, float by its shortest repr (4.2 -> 21/5)."""
    if isinstance(number, Fraction):
        return number
    if isinstance(number, int):
        return Fraction(number)
    return Fraction(repr(float(number)))


def ratio(number) -> tuple[int, int]:
    """``exact(number)`` as (numerator, denominator > 0), without building a Fraction (an int is (n, 1); a float
    its shortest decimal in lowest terms, 4.2 -> (21, 5)). A float quotient of such integers, ``a / b``, is
    correctly rounded, as ``float(Fraction)`` is: the same float, at a fraction of the cost."""
    kind = type(number)
    if kind is int:
        return number, 1
    if kind is float:
        try:
            return Decimal(repr(number)).as_integer_ratio()
        except (OverflowError, ValueError):  # inf, nan: exact() refuses them as it always did
            pass
    value = exact(number)
    return value.numerator, value.denominator


def _float(value: Fraction) -> float | int:
    """Correctly rounded (Fraction -> float); a whole number stays an int (a total of pupils)."""
    return int(value) if value.denominator == 1 else float(value)


def _decimal(value: Fraction) -> Decimal:
    return _CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))


def _scaled(numbers) -> tuple[list[int], int]:
    """The numbers as whole multiples of 10**-d (their shortest decimal forms on one common scale): ([n_i], d).

    From the digits of each float's repr (\"3.25\": 325 at 2 places), which is what ``Decimal(repr(x)).scaleb``
    gives; a repr in exponent form (or inf, nan) is read through Decimal, as it always was."""
    numbers = list(numbers)
    digits: list = []
    places = 0
    for number in numbers:
        if isinstance(number, int):
            digits.append((number, 0))
            continue
        text = repr(float(number))
        dot = text.find(".")
        if dot < 0 or "e" in text:
            return _scaled_decimal(numbers)
        own = len(text) - dot - 1
        digits.append((int(text[:dot] + text[dot + 1:]), own))
        places = max(places, own)
    return [n * 10 ** (places - own) for n, own in digits], places


def _scaled_decimal(numbers) -> tuple[list[int], int]:
    decimals = [number if isinstance(number, int) else Decimal(repr(float(number))) for number in numbers]
    places = max((-d.as_tuple().exponent for d in decimals if isinstance(d, Decimal)), default=0)
    places = max(places, 0)
    return [d * 10 ** places if isinstance(d, int) else int(d.scaleb(places, _CONTEXT)) for d in decimals], places


def weighted_cv(pairs) -> dict:
    """``pairs``: (X_i, P_i) for every school. {"value": CV, "mean": X̄, "sd": S, "schools": n, "weight": P},
    or {"value": None, "reason": {...}} when the CV is undefined.

    Exact in whole numbers: with X_i and P_i scaled to integers x_i, p_i (their decimals on a common scale),
    A = Σp_i·x_i, B = Σp_i·x_i² and P = Σp_i, the mean is A/P and the variance (P·B − A²)/P² (on the scale)."""
    pairs = list(pairs)
    n = len(pairs)
    if n == 0:
        return {"value": None, "schools": 0, "reason": {"code": "no_applicable_records", "kind": "school_stage"}}
    if any(isinstance(x, Fraction) or isinstance(p, Fraction) for x, p in pairs):
        xs, x_scale = [exact(x) for x, _ in pairs], Fraction(1)  # rationals (tests): exact as they are
        ps, p_scale = [exact(p) for _, p in pairs], Fraction(1)
    else:
        xs, x_places = _scaled([x for x, _ in pairs])
        ps, p_places = _scaled([p for _, p in pairs])
        x_scale, p_scale = Fraction(1, 10 ** x_places), Fraction(1, 10 ** p_places)
    total = sum(ps)
    if total <= 0:
        return {"value": None, "schools": n, "reason": {"code": "zero_total", "field": "pupils"}}
    a = sum(p * x for x, p in zip(xs, ps))
    b = sum(p * x * x for x, p in zip(xs, ps))
    mean = Fraction(a) / total * x_scale
    variance = Fraction(total * b - a * a) / (total * total) * x_scale * x_scale
    sd = _CONTEXT.sqrt(_decimal(variance))
    out = {"mean": _float(mean), "sd": float(sd), "schools": n, "weight": _float(total * p_scale)}
    if mean == 0:
        return {"value": None, **out, "reason": {"code": "zero_mean"}}
    return {"value": float(_CONTEXT.divide(sd, _decimal(mean))), **out}


def unweighted_cv(values) -> float | None:
    """The plain CV of the values (every school weighing the same): what a county spreadsheet often computes,
    and not the standard's; kept to show the difference (tests, the worked examples)."""
    return weighted_cv([(x, 1) for x in values]).get("value")
