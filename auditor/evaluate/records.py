"""Per-record figures derived before the engine: school stages, computed fields, k-of-n figures.

durable_rules judges one record at a time with comparisons; what a standard states per school as a ratio or as
"at least k of n" is computed here, record by record, and put on the record as ordinary fields:

* ``school_stage`` records (:func:`stage_records`): one per stage a school serves. A primary or junior school is
  one record with all its pupils and resources. A combined school (nine-year: ``pupils_primary`` and
  ``pupils_junior`` given) counts in both stages: each stage gets its own pupils, and the resources the schema
  marks ``x-stage-split`` (teachers, floor areas, equipment, rooms) are split in proportion to weighted pupils,
  primary : junior = 1 : 1.1 per pupil (:data:`STAGE_WEIGHTS`, the customary weights for 九年一贯制 schools; the
  national policies record the reading). A twelve-year school is read like a nine-year one and a complete
  secondary school (完全中学) as a junior school of its compulsory pupils; their resources are those of the
  compulsory grades (the schema says so). A stage with no pupils is not served. A school whose stage counts are
  unknown still gets its records, without pupils, so that what reads them is ``missing``, never left out.
* computed fields (:func:`compute_fields`): a policy's ``computed:`` expressions, evaluated three-valued (an
  absent input or a zero divisor leaves the field absent). Arithmetic is worked exactly, on the decimals the inputs
  print as (a split resource by its exact share), and the result rounded once to a float: 1009.8 m² over 264 pupils
  is 3.825, not 3.8249999999999997 a float division gives, and 42 teachers split 98 : 1.1 × 820 over 98 pupils is
  4.2 per hundred, not 4.199999999999999. The exact values stay beside the records (``Facts.exact``) for the
  coefficients of variation (evaluate/spread.py), so that a district exactly at a limit is at it.
* k-of-n figures (:func:`k_of_n_figures`): for a check's ``require_k_of_n``, ``met`` (items at or above their
  threshold) and ``lowest`` (the lowest value / threshold, computed exactly from the decimals); with some items
  absent, both figures are set, over the known items, only where that already decides the outcome (too many
  items below their threshold, or one below the floor: a fail), and both are absent otherwise (missing).
"""
from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

from auditor.intake.contracts import stage_split_fields
from auditor.model import Facts, Record
from auditor.evaluate.spread import exact, ratio
from auditor.rules import expr

STAGE = "school_stage"
UNKNOWN = "_unknown"  # on a school_stage record: the school's absent counts that leave its pupils unknown
STAGE_WEIGHTS = {"primary": Fraction(1), "junior": Fraction(11, 10)}  # per pupil, when a school's resources are split
SERVED = {"primary": ("primary",), "junior": ("junior",)}  # single-stage schools; any other stage serves both
_BASIS = ("stage", "pupils", "pupils_compulsory", "pupils_primary", "pupils_junior", "class_count")


def _stage_pupils(data: dict) -> dict:
    """The stages a school serves with their pupils (None: not known)."""
    stage = data.get("stage")
    if stage in SERVED:
        served = {stage: data.get("pupils")}
    elif stage == "complete_secondary":  # junior and senior grades: its compulsory stage is the junior one
        junior = data.get("pupils_junior")
        served = {"junior": junior if junior is not None else data.get("pupils_compulsory")}
    else:  # a nine-year or twelve-year school: the pupils of each compulsory stage as it reports them
        served = {"primary": data.get("pupils_primary"), "junior": data.get("pupils_junior")}
    return {s: p for s, p in served.items() if p != 0}


def _split(data: dict, split, share: Fraction, integral: bool, exact_of: dict, key: str) -> dict:
    """The school's ``split`` resources times its stage's ``share``, each correctly rounded to a float; the exact
    products go into ``exact_of`` under (``key``, field), as (numerator, denominator > 0) integer pairs. With whole
    pupil counts the share is a fraction of integers, and each float is worked as one integer quotient (the float
    of the same rational ``float(exact(value) * share)`` is); otherwise through Fractions, as it reads."""
    if not integral:
        out = {}
        for f in split:
            if data.get(f) is not None:
                product = exact(data[f]) * share
                exact_of[(key, f)] = (product.numerator, product.denominator)
                out[f] = float(product)
        return out
    top, bottom = share.numerator, share.denominator
    out = {}
    for f in split:
        value = data.get(f)
        if value is not None:
            n, d = ratio(value)
            out[f] = (n * top) / (d * bottom)
            exact_of[(key, f)] = (n * top, d * bottom)
    return out


def stage_records(facts: Facts) -> list[Record]:
    """One ``school_stage`` record per stage each school serves, its resources split (see the module docstring)."""
    split = stage_split_fields()
    left_out = set(_BASIS) | set(split)
    out = []
    for school in facts.of("school"):
        data = school.data
        served = _stage_pupils(data)
        known = all(p is not None for p in served.values())
        weighted = sum((STAGE_WEIGHTS[s] * p for s, p in served.items()), Fraction(0)) if known else None
        integral = known and all(type(p) is int for p in served.values())
        base = {k: v for k, v in data.items() if k not in left_out}  # the school's own fields, once per school
        combined = len(served) > 1
        for stage, pupils in served.items():
            key = f"{STAGE}:{school.ident['school']}/{stage}"
            row = dict(base)
            row.update(stage=stage, combined=combined)
            if pupils is not None:
                row["pupils"] = pupils
            if not known:  # which submitted counts leave the stage's pupils (and its share) unknown, for the evidence
                row[UNKNOWN] = ("pupils",) if len(served) == 1 else tuple(
                    f"pupils_{s}" for s, p in sorted(served.items()) if p is None)
            if len(served) == 1:
                row["share"] = 1
                row.update({f: data[f] for f in split if data.get(f) is not None})
            elif weighted:
                share = STAGE_WEIGHTS[stage] * pupils / weighted
                row["share"] = float(share)
                row.update(_split(data, split, share, integral and type(share) is Fraction, facts.exact, key))
            ident = {**school.ident, "stage": stage}
            out.append(Record(STAGE, key, row, ident, school.source))
    return out


def compute_fields(facts: Facts, computed) -> None:
    """Each computed field on the records of its kind (in place); absent where it is undefined. A float result of
    arithmetic is the exact result rounded once (:func:`_exact`), the exact value kept in ``facts.exact`` as an
    integer pair."""
    for c in computed:
        value_of = expr.compile_expr(c.value)
        exactly = _exact(c.value) if _arithmetic(c.value) else None
        for record in facts.of(c.of):
            data = record.data
            value = value_of(data)
            if value is expr.MISSING or isinstance(value, bool):
                data.pop(c.id, None)
                facts.exact.pop((record.key, c.id), None)
                continue
            if exactly is not None and type(value) is float:
                worked = exactly(data, record.key, facts.exact)
                try:
                    value = worked[0] / worked[1] if worked is not None else value
                except OverflowError:  # beyond a float: the float evaluation's value stands
                    worked = None
                if worked is None:
                    facts.exact.pop((record.key, c.id), None)
                else:
                    facts.exact[(record.key, c.id)] = worked
            data[c.id] = value


def _arithmetic(node) -> bool:
    """Whether ``node`` is numbers, fields and + - * / only (what :func:`_exact` works out)."""
    if isinstance(node, expr.Arith):
        return _arithmetic(node.left) and _arithmetic(node.right)
    return isinstance(node, expr.Field) or (isinstance(node, expr.Const) and type(node.value) in (int, float))


def _exact(node):
    """``(data, key, exact_of) -> (numerator, denominator > 0) or None``: the arithmetic of ``node`` worked exactly
    in integers (no Fraction per record: a national audit works millions), each field's value as ``exact_of`` has it
    under (key, field) (a figure derived by division) or else as the decimal it prints as (:func:`spread.ratio`).
    None where the float evaluation has a value but this cannot say (a value that is not a finite number): the
    float stands then. Called only where the float evaluation gave a number, so no input is absent and no divisor
    is zero. The float of the pair, ``n / d``, is correctly rounded (Python divides integers so)."""
    if isinstance(node, expr.Const):
        constant = ratio(node.value)
        return lambda data, key, exact_of: constant
    if isinstance(node, expr.Field):
        get, name = expr.getter(node.path), node.path

        def field(data, key, exact_of):
            known = exact_of.get((key, name))
            if known is not None:
                return known
            value = get(data)
            kind = type(value)
            if kind is int:
                return value, 1
            if kind is float and value - value == 0:  # finite
                return ratio(value)
            return None
        return field
    left, right, op = _exact(node.left), _exact(node.right), node.op

    def arith(data, key, exact_of):
        a = left(data, key, exact_of)
        b = right(data, key, exact_of) if a is not None else None
        if b is None:
            return None
        (an, ad), (bn, bd) = a, b
        if op == "+":
            return an * bd + bn * ad, ad * bd
        if op == "-":
            return an * bd - bn * ad, ad * bd
        if op == "*":
            return an * bn, ad * bd
        if bn == 0:
            return None
        return (an * bd, ad * bn) if bn > 0 else (-an * bd, -ad * bn)
    return arith


@lru_cache(maxsize=1024)
def _constant(number) -> Fraction:
    """A policy's threshold or floor, exactly (they repeat on every record)."""
    return exact(number)


def share(value, threshold) -> Fraction:
    """value / threshold, exactly, from their decimals (3.57 of 4.2 is 0.85, not a rounding error below it).
    (A threshold of zero, which the policy schema refuses, asks nothing: its share is 1.)"""
    t = _constant(threshold)
    return exact(value) / t if t > 0 else Fraction(1)


@lru_cache(maxsize=1024)
def _item(threshold, floor) -> tuple:
    """(t, f, a, b) for an item at ``threshold`` of a check with ``floor``: the threshold exactly as t = tn / td
    (``ratio``), and a, b such that a value v = vn / vd is within the floor, ``share(v, threshold) >= floor``, when
    ``vn * a >= b * vd`` (from vn·td / (vd·tn) >= fn / fd, all denominators positive; None for a threshold of 0
    or less, whose share is always 1)."""
    tn, td = ratio(threshold)
    fn, fd = ratio(floor)
    return (tn, td, td * fd, fn * tn) if tn > 0 else (tn, td, None, fd >= fn)


def _within(value, item: tuple) -> bool:
    """``share(value, threshold) >= floor``, exactly, in integers."""
    _, _, a, b = item
    if a is None:
        return b  # a threshold of 0 or less: the share is 1
    n, d = ratio(value)
    return n * a >= b * d


def _quotient(value, item: tuple) -> float:
    """``float(share(value, threshold))``: the correctly rounded float of the exact quotient, in integers."""
    tn, td, a, _ = item
    if a is None:
        return 1.0
    n, d = ratio(value)
    return (n * td) / (d * tn)


def mark(value, threshold, floor) -> str:
    """One item of a k-of-n check: met (at or above its threshold), within (at least ``floor`` of it), below,
    or missing."""
    if value is expr.MISSING or value is None:
        return "missing"
    if value >= threshold:
        return "met"
    return "within" if _within(value, _item(threshold, floor)) else "below"


def _lowest(known) -> float | None:
    """The float of the lowest exact share of ``known`` [(value, threshold, item)]. The float quotient is within a
    few units in the last place of the exact one, so only the items whose quotient is that close to the least are
    worked exactly (one, nearly always: its exact quotient in integers)."""
    if not known:
        return None
    quick = [(v / t if t > 0 else 1.0, v, t, item) for v, t, item in known]
    least = min(q for q, _, _, _ in quick)
    margin = abs(least) * 1e-12
    near = [(v, t, item) for q, v, t, item in quick if q <= least + margin]
    if len(near) == 1:
        return _quotient(near[0][0], near[0][2])
    return float(min(share(v, t) for v, t, _ in near))


@lru_cache(maxsize=256)
def _items(spec) -> tuple:
    """Per item of ``spec``: (reader of its field, threshold, its exact constants for ``_within``)."""
    return tuple((expr.getter(name), threshold, _item(threshold, spec.floor)) for name, threshold in spec.items)


def figures(spec, data: dict) -> tuple:
    """(met, lowest) for one record: numbers, or None each where the outcome is not certain."""
    met = missing = 0
    under = False  # an item below the floor
    known = []
    for get, threshold, item in _items(spec):
        value = get(data)
        if value is expr.MISSING:
            missing += 1
            continue
        known.append((value, threshold, item))
        if value >= threshold:
            met += 1
        elif not under and not _within(value, item):
            under = True
    lowest = _lowest(known)
    if under and lowest is not None and lowest >= spec.floor:
        # an item is below the floor exactly, but the float of its share rounds up onto the floor (a value given
        # to 17 digits, 3.8249999999999997 of 4.5): the figure stays below, as the item's mark says
        lowest = math.nextafter(float(spec.floor), -math.inf)
    if not missing:
        return met, float(lowest)
    count = len(spec.items)
    below = count - met - missing  # known to miss their threshold
    if lowest is not None and (below > count - spec.k or under):
        return met, float(lowest)  # fewer than k can still be met, or an item is under the floor: a fail already
    return None, None


def k_of_n_figures(facts: Facts, checks) -> None:
    """The two figures of each ``require_k_of_n`` check on the records of its kind (in place)."""
    for check in checks:
        spec = check.k_of_n
        if spec is None:
            continue
        for record in facts.of(check.over):
            met, lowest = figures(spec, record.data)
            for name, value in ((spec.met, met), (spec.lowest, lowest)):
                if value is None:
                    record.data.pop(name, None)
                else:
                    record.data[name] = value


def explainer(policy_set):
    """``explain(record, names) -> [field, ...]``: the submitted fields whose absence leaves ``names`` absent on
    ``record`` (a computed field's absent inputs, a k-of-n figure's absent items, a school stage's unknown
    pupil counts), for the evidence of missing data; other names are kept as they are."""
    computed = {(c.of, c.id): c for c in policy_set.computed}
    k_of_n = {(c.over, name): c.k_of_n for c in policy_set.checks if c.k_of_n for name in (c.k_of_n.met, c.k_of_n.lowest)}
    split = set(stage_split_fields())

    def explain(record: Record, names) -> list[str]:
        out: set[str] = set()
        todo, seen = list(names), set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            data = record.data
            if (record.kind, name) in k_of_n:
                todo.extend(f for f in k_of_n[(record.kind, name)].fields if expr.lookup(data, f) is expr.MISSING)
            elif (record.kind, name) in computed:
                inner = [f for f in expr.fields(computed[(record.kind, name)].value) if expr.lookup(data, f) is expr.MISSING]
                if inner:
                    todo.extend(inner)
                else:
                    out.add(name)  # undefined (a zero divisor), not absent: the figure itself is named
            elif record.kind == STAGE and (name in ("pupils", "share") or name in split and "share" not in data) \
                    and data.get(UNKNOWN):
                out.update(data[UNKNOWN])
            else:
                out.add(name)
        return sorted(out)

    return explain


def derive_records(facts: Facts, policy_set) -> None:
    """Every per-record figure of ``policy_set`` on ``facts`` (in place), earlier figures cleared first."""
    kinds = {c.of for c in policy_set.computed} | {c.over for c in policy_set.checks} | {m.of for m in policy_set.measures}
    if STAGE in kinds:
        facts.records[STAGE] = stage_records(facts)
    compute_fields(facts, policy_set.computed)
    k_of_n_figures(facts, policy_set.checks)
