"""Derived figures (measures) computed from records, before the engine runs.

durable_rules sees per-record tests only; shares, counts, sums, extremes,
ratios and enrolment-weighted coefficients of variation (``cv``, computed by
:mod:`auditor.evaluate.spread`) are computed here in Python and put on the
district record (or, for city-wide measures, on the city record) as ordinary
fields. Per-record figures (school stages, computed fields, k-of-n figures) are
in :mod:`auditor.evaluate.records`; :func:`derive_district` runs them first. A measure whose
inputs are incomplete is *absent*, never a number: its note says which
records lack which fields, so the verdict stage reports ``missing`` with that
evidence. A share, mean or ratio is the quotient itself (of whole counts: correctly rounded), never rounded to
fewer places before the check compares it — 59498 of 60099 is 0.98999983, below 0.99, not 0.990000 — the reports
round what they show; a sum, mean or ratio of figures with decimals is worked from the decimals they print as and
rounded once (0.1 + 0.2 m² is 0.3, where adding the floats gave 0.30000000000000004 and failed "<= 0.3"). A measure over no records at all is absent with status ``empty``
(``not_applicable``), except that a district that submitted no records of the
kind is ``missing``.
"""
from __future__ import annotations

from fractions import Fraction
from itertools import compress

from auditor.evaluate.completeness import RECORDS, find_gaps, judge_gap
from auditor.rules import expr
from auditor.model import Facts, Measure, Record, plan
from auditor.evaluate.records import STAGE, derive_records, explainer
from auditor.evaluate.spread import exact, weighted_cv


def _unknown(record: Record, node: expr.Node | None, names: list[str]) -> list[str]:
    """The fields of ``node``/``names`` that ``record`` lacks."""
    paths = sorted((expr.fields(node) if node is not None else set()) | set(names))
    return [p for p in paths if expr.lookup(record.data, p) is expr.MISSING]


_COMPILED: dict = {}


def key(node: expr.Node) -> str:
    """An expression's identity for sharing its work: its repr, which tells 1 from 1.0 and true (the nodes
    themselves compare equal there, as numbers do)."""
    return repr(node)


def compiled(node: expr.Node):
    """A measure's filter or condition as a closure, compiled once per process rather than once per district."""
    text = key(node)
    found = _COMPILED.get(text)
    if found is None:
        if len(_COMPILED) >= 1024:
            _COMPILED.clear()
        found = _COMPILED[text] = expr.compile_expr(node)
    return found


def applies(where: expr.Node | None, records: list[Record]) -> list | None:
    """The filter's result (True, False or MISSING) for each record, in order; None for no filter."""
    if where is None:
        return None
    return list(map(compiled(where), [record.data for record in records]))


def _lacking(record: Record, missing: list) -> dict:
    return {"key": record.key, **record.ident, "missing": missing}


def _near_a_limit(value) -> bool:
    """Whether a CV worked from the figures' floats lies within a rounding error of a decimal of nine places or
    fewer (a limit, 0.45, is one): then it is worked again from the figures' exact values (:func:`_exactly`), so
    that a CV exactly at its limit is at it, and one a hair above it is above. Elsewhere the floats decide the same."""
    return value is not None and abs(value - round(value, 9)) <= 1e-12


def _exactly(numbers: list, keys: list, measure: Measure, exact_of: dict) -> list:
    """A CV's (figure, weight) pairs (a cv measure always has a weight) with each figure derived by division
    replaced by its exact value (``Facts.exact``: an integer pair, as a Fraction here), the others read as the
    decimals they print as."""
    def exact_value(key, name, value):
        pair = exact_of.get((key, name))
        return Fraction(*pair) if pair is not None else exact(value)

    return [(exact_value(k, measure.value, x), exact_value(k, measure.weight, p)) for (x, p), k in zip(numbers, keys)]


def _total(numbers: list):
    """The sum of figures as the decimals they print as: of whole numbers, exactly (an int); with a decimal among
    them, exactly as a Fraction (0.1 + 0.2 is 3/10, where the floats' sum 0.30000000000000004 failed "<= 0.3")."""
    if all(type(x) is int or type(x) is bool for x in numbers):
        return sum(numbers)
    return sum(map(exact, numbers), Fraction(0))


def _number(total):
    """A :func:`_total` as the figure it is: an int as it is, a Fraction rounded once to the nearest float."""
    return float(total) if type(total) is Fraction else total


def _quotient(top, bottom):
    """``top / bottom`` (two :func:`_total`) rounded once: int / int is correctly rounded in Python, a Fraction too."""
    return top / bottom if type(top) is int and type(bottom) is int else float(Fraction(top) / Fraction(bottom))


def measure_value(measure: Measure, records: list[Record], gaps=(), explain=None, filtered=None, exact_of=None) -> dict:
    """{"status": "ok"|"missing"|"empty", "value": ..., details}.

    ``gaps``: placeholders of records declared but not submitted (``completeness.find_gaps``);
    one that the measure's filter does not rule out makes the measure missing. ``explain``: derived fields a
    record lacks -> the submitted fields behind them (``records.explainer``). ``filtered``: ``applies(measure.where,
    records)`` when already worked out (measures with the same filter over the same records share it). ``exact_of``:
    ``Facts.exact``, the exact values of figures derived by division, which a coefficient of variation is worked from."""
    if not records:
        return {"status": "missing", "reason": {"code": "no_records", "kind": measure.of}, "lacking": []}
    lacking: list[dict] = []
    for placeholder, reason in gaps:
        if judge_gap(measure.where, placeholder.data) == "missing":
            lacking.append({"key": placeholder.key, **placeholder.ident,
                            "missing": [RECORDS.format(kind=placeholder.kind)], "reason": reason})
    if measure.where is None:
        applicable = records
    else:
        results = filtered if filtered is not None else applies(measure.where, records)
        if expr.MISSING not in results:  # every record's filter known (nearly always): keep those it holds for
            applicable, results = list(compress(records, results)), ()
        else:
            applicable = []
        for record, ok in zip(records, results):
            if ok is expr.MISSING:
                lacking.append(_lacking(record, _unknown(record, measure.where, [])))
            elif ok:
                applicable.append(record)
    numbers: list = []
    hits = 0
    pers: list = []  # a ratio's denominators
    agg = measure.agg
    if agg == "share":
        that = compiled(measure.that)
        for record, value in zip(applicable, map(that, [record.data for record in applicable])):
            if value is expr.MISSING:
                lacking.append(_lacking(record, _unknown(record, measure.that, [])))
            elif value:
                hits += 1
    elif agg != "count":
        names = [measure.value] + ([measure.per] if measure.per else []) + ([measure.weight] if measure.weight else [])
        getters = [expr.getter(n) for n in names]
        weighted = bool(measure.weight)
        counted = [] if agg == "cv" and exact_of else None  # the records behind a CV, for its exact recheck
        for record in applicable:
            data = record.data
            values = [get(data) for get in getters]
            if expr.MISSING in values:
                absent = _unknown(record, None, names)
                lacking.append(_lacking(record, explain(record, absent) if explain else absent))
                continue
            numbers.append((values[0], values[-1]) if weighted else values[0])
            if counted is not None:
                counted.append(record.key)
            if measure.per:
                pers.append(values[1])
    if lacking:
        return {"status": "missing", "reason": {"code": "records_lack_data", "kind": measure.of, "count": len(lacking)}, "lacking": lacking}
    n = len(applicable)
    if agg == "count":
        return {"status": "ok", "value": n, "of": len(records)}
    if agg == "sum":
        return {"status": "ok", "value": _number(_total(numbers)), "of": n}
    if agg == "distinct":
        return {"status": "ok", "value": len(set(numbers)), "of": n}
    if n == 0:
        return {"status": "empty", "reason": {"code": "no_applicable_records", "kind": measure.of}}
    if agg == "cv":  # over no school, zero pupils or a zero mean: undefined, and missing at the check, never a pass
        spread = weighted_cv(numbers)
        if counted and _near_a_limit(spread["value"]):
            spread = weighted_cv(_exactly(numbers, counted, measure, exact_of))
        details = {k: v for k, v in spread.items() if k not in ("value", "reason")}
        if spread["value"] is None:
            return {"status": "empty", "reason": spread["reason"], **details}
        return {"status": "ok", "value": spread["value"], **details}
    if agg == "share":
        return {"status": "ok", "value": hits / n, "numerator": hits, "denominator": n}
    if agg == "min":
        return {"status": "ok", "value": min(numbers), "of": n}
    if agg == "max":
        return {"status": "ok", "value": max(numbers), "of": n}
    if agg == "mean":
        return {"status": "ok", "value": _quotient(_total(numbers), n), "of": n}
    if agg == "ratio":
        top, bottom = _total(numbers), _total(pers)
        if bottom == 0:
            return {"status": "empty", "reason": {"code": "zero_total", "field": measure.per}}
        return {"status": "ok", "value": _quotient(top, bottom), "numerator": _number(top), "denominator": _number(bottom)}
    raise ValueError(agg)  # pragma: no cover - the schema allows only the above


def derive_district(facts: Facts, measures: list[Measure], policy_set=None) -> Facts:
    """Put district-level measures on the district record (in place) and return ``facts``; with ``policy_set``,
    its per-record figures first (school stages, computed fields, k-of-n figures).

    Values left by an earlier derivation are cleared first, so the same facts can be
    audited again (another date, engine or policy set) without stale figures.
    """
    explain = None
    if policy_set is not None:
        derive_records(facts, policy_set)
        explain = explainer(policy_set)
    record = facts.of("district")[0]
    for measure in measures:
        if measure.level == "district":
            record.data.pop(measure.id, None)
            facts.notes.pop(measure.id, None)
    facts.gaps = find_gaps(facts)
    if facts.gaps.get("school") and STAGE in facts.records:  # a school not submitted has no stage records either
        facts.gaps[STAGE] = list(facts.gaps["school"])
    filters: dict = {}  # (kind, filter) -> its result per record: the 14 per-school CVs share two filters
    for measure in measures:
        if measure.level != "district":
            continue
        records = facts.of(measure.of)
        shared = (measure.of, key(measure.where)) if measure.where is not None and records else None
        if shared is not None and shared not in filters:
            filters[shared] = applies(measure.where, records)
        result = measure_value(measure, records, facts.gaps.get(measure.of, ()), explain, filters.get(shared), facts.exact)
        if measure.agg == "cv":  # which per-school figure over which schools: the reports pair it with its indicator
            result.update(agg="cv", field=measure.value, weight_field=measure.weight,
                          **({"filter": expr.to_text(measure.where)} if measure.where is not None else {}))
        facts.notes[measure.id] = result
        if result["status"] == "ok":
            record.data[measure.id] = result["value"]
    return facts


def derive_city(all_facts: list[Facts], measures: list[Measure], districts: list[str]) -> Facts:
    """The city record: city-level measures over the expected districts' records."""
    city = plan()["city"]
    facts = Facts(city, tuple(f for fx in all_facts for f in fx.files))
    data: dict = {"city": city}
    by_name = {f.district: f for f in all_facts}
    for measure in measures:
        if measure.level != "city":
            continue
        contributions = []
        absent = []
        records = []
        for name in districts:
            if name not in by_name:
                absent.append(name)
                contributions.append({"district": name, "value": None, "submitted": False})
                continue
            record = by_name[name].of("district")[0]
            records.append(record)
            value = expr.lookup(record.data, measure.value) if measure.value else None
            item = {"district": name, "value": None if value is expr.MISSING else value, "submitted": True}
            if measure.per:  # a ratio: the district's own denominator, so its own figure can be shown
                per = expr.lookup(record.data, measure.per)
                item["per"] = None if per is expr.MISSING else per
            contributions.append(item)
        result = measure_value(measure, records)
        if absent:
            result = {"status": "missing", "reason": {"code": "districts_not_submitted", "count": len(absent)},
                      "lacking": [{"key": "district", "district": a, "missing": ["submission"]} for a in absent] + result.get("lacking", [])}
        result["contributions"] = contributions
        facts.notes[measure.id] = result
        if result["status"] == "ok":
            data[measure.id] = result["value"]
    facts.records["city"] = [Record("city", "city", data, {"city": city}, "city")]
    return facts
