"""The fields of each record kind with their types (schema + derived figures), and which of them the policies read.

Besides the submission's own fields, a record carries figures derived before the engine: measures (on the
district or city record), computed fields (``computed:``, per record), the two figures of a ``require_k_of_n``
check (``<check>_met``, ``<check>_lowest``), and the ``school_stage`` records built from schools. Which
submitted fields each of them rests on is here too (:func:`inputs`), for the templates, the evidence of missing
data and the tests' generators.
"""
from __future__ import annotations

from auditor.intake import contracts
from auditor.rules import expr

# a school_stage record's fields come from its school; these also decide how a combined school is split
STAGE_BASIS = ("stage", "pupils", "pupils_compulsory", "pupils_primary", "pupils_junior")


def field_types_for(measures, computed=(), checks=()) -> dict[str, dict[str, str]]:
    """Per record kind, field path -> type: the submission schema's fields, and the fields derived figures add
    (district-level measures on `district`, city-level ones on `city`, computed fields and k-of-n figures on
    their record kind)."""
    base = {k: dict(v) for k, v in contracts.base_field_types().items()}
    for m in measures:
        base["city" if m.level == "city" else "district"][m.id] = contracts.NUMBER
    for c in computed:
        base[c.of][c.id] = contracts.NUMBER
    for check in checks:
        if check.k_of_n is not None:
            base[check.over][check.k_of_n.met] = contracts.NUMBER
            base[check.over][check.k_of_n.lowest] = contracts.NUMBER
    return base


def stage_inputs(name: str) -> list[str]:
    """The school fields a ``school_stage`` field rests on: its own, and those that split a combined school."""
    split = set(contracts.stage_split_fields())
    if name in ("share", "combined"):
        return list(STAGE_BASIS)
    if name in ("stage", "district"):
        return [name]
    if name == "pupils" or name in split:
        return ([name] if name != "pupils" else []) + list(STAGE_BASIS)
    return [name]


def inputs(policy_set, kind: str, name: str, seen: frozenset = frozenset()) -> set[tuple[str, str]]:
    """The submitted (kind, field) pairs behind field ``name`` of a ``kind`` record: itself when submitted; for a
    computed field, a k-of-n figure or a measure, what it is computed from; ``school_stage`` fields map to
    their school's. Kinds are the submission's (class, school, document, district)."""
    if (kind, name) in seen:
        return set()
    seen = seen | {(kind, name)}
    computed = {(c.of, c.id): c for c in policy_set.computed}
    if (kind, name) in computed:
        c = computed[(kind, name)]
        return {pair for path in expr.fields(c.value) for pair in inputs(policy_set, kind, path, seen)}
    for check in policy_set.checks:
        spec = check.k_of_n
        if spec is not None and check.over == kind and name in (spec.met, spec.lowest):
            return {pair for path in spec.fields for pair in inputs(policy_set, kind, path, seen)}
    measure_kind = {"district": "district", "city": "city"}.get(kind)
    if measure_kind:
        for m in policy_set.measures:
            if m.id == name and (m.level == "city") == (kind == "city"):
                inner = m.of
                paths = (expr.fields(m.where) if m.where is not None else set()) | (expr.fields(m.that) if m.that is not None else set())
                paths |= {p for p in (m.value, m.per, m.weight) if p}
                return {pair for path in paths for pair in inputs(policy_set, inner, path, seen)}
    if kind == "school_stage":
        return {("school", n) for n in stage_inputs(name)}
    if kind == "school" and name == "class_count":  # derived from the declared count and the class ledger
        return {("class", "id"), ("school", "classes_declared")}
    if kind == "class" and name.startswith("school."):
        return {("school", name[len("school."):])}
    if kind == "city":
        return set()
    return {(kind, name)}


def completeness_fields(kinds) -> dict[tuple[str, str], set[str]]:
    """The submitted (kind, field) pairs (each with the kinds whose completeness it shows) that decide whether the records of ``kinds`` are complete
    (``x-completeness``, auditor/evaluate/completeness.py), so a verdict over those kinds depends on them:
    the parent's declared count, the fields its expectation and its children's variants rest on, the declared
    total and the children's field summed against it. Records not sent have no children on file, so the
    declarations over every kind above count too (a class's school's district's ``schools_declared``); a
    school's stages are its school's."""
    specs = contracts.completeness_specs()
    kinds = {"school" if k == "school_stage" else k for k in kinds}
    grown = True
    while grown:  # a gap in a kind is a gap in every kind below it
        above = {s["parent"] for s in specs if s["child"] in kinds}
        grown = not above <= kinds
        kinds |= above
    out: dict[tuple[str, str], set[str]] = {}
    for spec in specs:
        child = spec["child"]
        if child not in kinds:
            continue
        total = spec.get("total") or {}
        names = {n for n in (spec.get("count"), total.get("declared"), (spec.get("variants") or {}).get("from")) if n}
        if spec.get("expected_unless"):
            names |= expr.fields(expr.parse(spec["expected_unless"]))
        pairs = {(spec["parent"], n) for n in names} | ({(child, total["sum"])} if total.get("sum") else set())
        for pair in pairs:
            out.setdefault(pair, set()).add(child)
    return out


def fields_read(policy_set) -> dict[tuple[str, str], list[str]]:
    """(kind, field) -> titles of the checks (and measures, computed fields) that read it, from the compiled
    policies; kinds are the submission's (a school_stage field is its school's, a computed field its inputs)."""
    out: dict[tuple[str, str], set] = {}

    def add(kind, names, reader):
        for name in names:
            for pair in inputs(policy_set, kind, name):
                out.setdefault(pair, set()).add(reader)

    for check in policy_set.checks:
        params = {p for step in check.steps for p in step.params}
        names = (expr.fields(check.where) if check.where else set()) | expr.fields(check.require)
        add(check.over, names - params, check.title.get("zh", check.id))
    for m in policy_set.measures:
        kind = "city" if m.level == "city" else "district"
        add(kind, [m.id], m.title.get("zh", m.id))
    for c in policy_set.computed:
        add(c.of, [c.id], c.title.get("zh", c.id))
    # the declared counts that show whether a ledger is complete (x-completeness): read for every check or
    # measure over the child kind
    read_kinds = {c.over for c in policy_set.checks} | {m.of for m in policy_set.measures}
    for pair, children in completeness_fields(read_kinds).items():
        out.setdefault(pair, set()).update(f"{child}记录完整性核对" for child in children)
    if ("school", "pupils_compulsory") in out:  # a primary, junior or nine-year school's is its pupils (intake)
        out.setdefault(("school", "pupils"), set()).update(out[("school", "pupils_compulsory")])
    return {k: sorted(v) for k, v in out.items() if k[0] != "city"}
