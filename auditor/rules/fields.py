"""The fields of each record kind with their types (schema + measures), and which of them the policies read."""
from __future__ import annotations

from auditor.intake import contracts
from auditor.rules import expr


def field_types_for(measures) -> dict[str, dict[str, str]]:
    """Per record kind, field path -> type: the submission schema's fields, and the fields measures add
    (district-level ones on `district`, city-level ones on `city`)."""
    base = {k: dict(v) for k, v in contracts.base_field_types().items()}
    for m in measures:
        base["city" if m.level == "city" else "district"][m.id] = contracts.NUMBER
    return base


def fields_read(policy_set) -> dict[tuple[str, str], list[str]]:
    """(kind, field) -> titles of the checks (and measures) that read it, from the compiled policies."""
    measures = {m.id: m for m in policy_set.measures}
    out: dict[tuple[str, str], set] = {}

    def measure_inputs(m):
        names = (expr.fields(m.where) if m.where else set()) | (expr.fields(m.that) if m.that else set())
        return m.of, names | {n for n in (m.value, m.per) if n}

    def add(kind, names, reader, seen=()):
        for name in names:
            if name in measures and name not in seen:
                add(*measure_inputs(measures[name]), reader, seen + (name,))
                continue
            if kind == "class" and name.startswith("school."):
                kind_, name_ = "school", name[len("school."):]
            else:
                kind_, name_ = kind, name
            out.setdefault((kind_, name_), set()).add(reader)

    for check in policy_set.checks:
        params = {p for step in check.steps for p in step.params}
        names = (expr.fields(check.where) if check.where else set()) | expr.fields(check.require)
        add(check.over, names - params, check.title.get("zh", check.id))
    for m in policy_set.measures:
        add(*measure_inputs(m), m.title.get("zh", m.id))
    # the declared counts that show whether a ledger is complete (x-completeness): read for every check
    # over the child kind
    for spec in contracts.completeness_specs():
        child = spec["child"]
        if not any(c.over == child for c in policy_set.checks):
            continue
        reader = f"{child}记录完整性核对"
        total = spec.get("total") or {}
        add(spec["parent"], {n for n in (spec.get("count"), total.get("declared")) if n}, reader)
        if spec.get("expected_unless"):
            add(spec["parent"], expr.fields(expr.parse(spec["expected_unless"])), reader)
        if total.get("sum"):
            add(child, {total["sum"]}, reader)
    if ("school", "pupils_compulsory") in out:  # a primary, junior or nine-year school's is its pupils (intake)
        out.setdefault(("school", "pupils"), set()).update(out[("school", "pupils_compulsory")])
    return {k: sorted(v) for k, v in out.items()}
