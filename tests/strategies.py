"""Hypothesis strategies for submissions, generated from auditor/schemas/submission.schema.json.

Nothing here names a submission field: the schema is walked (types, enums,
minimum/maximum, required keys, arrays of ``$defs``), so a field added to the
schema is generated without touching this file. Values are biased toward the
constants each check compares with (``size <= 45`` makes 44, 45 and 46
likely), taken from the check's expressions, its schedule parameters and the
measures it reads.

What a schema cannot say is repaired after drawing: ids unique within their
list, a class's grade inside its school's stage. A drawn submission that the
loader still refuses is rejected (``hypothesis.reject``), never audited.
"""
from __future__ import annotations

import datetime as _dt
from functools import lru_cache

from hypothesis import reject
from hypothesis import strategies as st

from auditor.intake import contracts
from auditor.rules import expr
from auditor.errors import SubmissionError
from auditor.rules.lint import directions
from auditor.intake.loader import Document
from auditor.model import Check, PolicySet, plan
from auditor.intake.submission import facts_from_document

SCHEMA = contracts.schema("submission")
DEFS = SCHEMA["$defs"]
FIRST_DATE, LAST_DATE = _dt.date(2018, 1, 1), _dt.date(2024, 12, 31)
MAX_ITEMS = 3  # records per list: small submissions keep the suite fast


def resolve(node: dict) -> dict:
    return contracts._resolve(node, SCHEMA)


def _def_of(prop: dict) -> str | None:
    """The $defs name an object (or an array's items) refers to."""
    ref = prop.get("$ref") or prop.get("items", {}).get("$ref")
    return ref.split("/")[-1] if ref else None


@lru_cache(maxsize=None)
def record_paths() -> dict[str, tuple]:
    """For each object $def, the path of keys leading to its records ("*" = every list item)."""
    out: dict[str, tuple] = {}

    def walk(node: dict, path: tuple) -> None:
        for name, prop in node.get("properties", {}).items():
            target = _def_of(prop)
            if target and resolve(DEFS[target]).get("type") == "object" and target not in out:
                here = path + (name, "*") if prop.get("type") == "array" else path + (name,)
                out[target] = here
                walk(DEFS[target], here)

    walk(SCHEMA, ())
    return out


def records(submission: dict, defname: str) -> list[dict]:
    """Every record of a $def inside a submission (the dicts themselves, for editing)."""
    found = [submission]
    for key in record_paths().get(defname, ()):
        nxt = []
        for item in found:
            if key == "*":
                nxt.extend(x for x in item if isinstance(x, dict)) if isinstance(item, list) else None
            elif isinstance(item, dict) and key in item:
                nxt.append(item[key])
        found = nxt
    return [r for r in found if isinstance(r, dict)]


def properties(defname: str) -> dict[str, dict]:
    return {name: resolve(p) for name, p in DEFS[defname].get("properties", {}).items()}


def required(defname: str) -> set[str]:
    return set(DEFS[defname].get("required", []))


# --------------------------------------------------------------------------- fields a check reads
def raw_field(kind: str, path: str) -> tuple[str, str] | None:
    """(schema $def, property) of a record field as a check sees it, or None (derived, a measure)."""
    defs = {"school": "school", "document": "document", "district": "figures", "class": "class"}
    if kind == "class" and path.startswith("school."):
        kind, path = "school", path[len("school."):]
    defname = defs.get(kind)
    if defname and path in properties(defname) and properties(defname)[path].get("type") not in ("object", "array"):
        return defname, path
    return None


def _measure(policy_set: PolicySet, kind: str, name: str):
    for m in policy_set.measures:
        if m.id == name and (m.level == "city") == (kind == "city"):
            return m
    return None


def _measure_kind(m) -> str:
    return "district" if m.level == "city" else m.of


def needed_fields(policy_set: PolicySet, check: Check) -> set[tuple[str, str]]:
    """Every schema field the check's verdict depends on, through measures too."""
    out: set[tuple[str, str]] = set()
    params = {n for s in check.steps for n in s.params}

    def add(kind: str, paths) -> None:
        for path in paths:
            if path in params:
                continue
            field = raw_field(kind, path)
            if field:
                out.add(field)
            m = _measure(policy_set, kind, path)
            if m is not None:
                inner = set()
                for node in (m.where, m.that):
                    if node is not None:
                        inner |= expr.fields(node)
                inner |= {p for p in (m.value, m.per) if p}
                add(_measure_kind(m), inner)

    add(check.over, expr.fields(check.require) | (expr.fields(check.where) if check.where is not None else set()))
    return out


def preferred(policy_set: PolicySet, check: Check) -> dict[tuple[str, str], int]:
    """Schema fields whose value the check prefers larger (+1) or smaller (-1).

    From the comparisons of ``require`` (see ``auditor.lint.directions``), carried
    through measures (a sum prefers what its value prefers; a ratio the reverse
    for its denominator; a share what its ``that`` condition prefers). Fields that
    a filter reads are left out: changing them changes which records apply.
    """
    out: dict[tuple[str, str], set] = {}
    frozen: set[tuple[str, str]] = set()

    def freeze(kind, node):
        if node is not None:
            for p in expr.fields(node):
                f = raw_field(kind, p)
                if f:
                    frozen.add(f)

    def add(kind: str, found: dict[str, int], sign: int) -> None:
        for path, d in found.items():
            field = raw_field(kind, path)
            if field:
                out.setdefault(field, set()).add(d * sign)
                continue
            m = _measure(policy_set, kind, path)
            if m is None:
                continue
            inner_kind = _measure_kind(m)
            freeze(inner_kind, m.where)
            if m.agg in ("sum", "min", "max", "mean", "ratio") and m.value:
                add(inner_kind, {m.value: 1}, d * sign)
            if m.agg == "ratio" and m.per:
                add(inner_kind, {m.per: -1}, d * sign)
            if m.agg == "share" and m.that is not None:
                add(inner_kind, directions(m.that), d * sign)

    freeze(check.over, check.where)
    for step in check.steps:
        add(check.over, directions(expr.substitute(check.require, step.params)), 1)
    return {f: s.pop() for f, s in out.items() if len(s) == 1 and f not in frozen}


# --------------------------------------------------------------------------- threshold hints
def _hint_values(kind: str, node: expr.Node, policy_set: PolicySet, hints: dict) -> None:
    from auditor.rules.lint import dnf

    conjuncts = dnf(node) or []
    for conjunct in conjuncts:
        for atom in conjunct:
            if atom[0] == "cmp":
                _, path, _, value = atom
                values = [value]
            elif atom[0] == "in":
                _, path, choices, _ = atom
                values = list(choices)
            else:
                continue
            field = raw_field(kind, path)
            if field:
                hints.setdefault(field, set()).update(values)


def thresholds(policy_set: PolicySet, checks: list[Check]) -> dict[tuple[str, str], frozenset]:
    """Constants the checks compare each schema field with (measures' filters included)."""
    hints: dict = {}
    for check in checks:
        for step in check.steps:
            _hint_values(check.over, expr.substitute(check.require, step.params), policy_set, hints)
        if check.where is not None:
            _hint_values(check.over, check.where, policy_set, hints)
        for path in expr.fields(check.require):
            m = _measure(policy_set, check.over, path)
            if m is not None:
                for node in (m.where, m.that):
                    if node is not None:
                        _hint_values(_measure_kind(m), node, policy_set, hints)
    return {k: frozenset(v) for k, v in hints.items()}


# --------------------------------------------------------------------------- value strategies
def _near(prop: dict, values, date: bool) -> list:
    out = set()
    lo, hi = prop.get("minimum", float("-inf")), prop.get("maximum", float("inf"))
    integer = prop.get("type") == "integer"
    for v in values:
        if isinstance(v, bool) or isinstance(v, str):
            continue
        steps = (1,) if integer or date else (0.01, 0.0001)
        for step in steps:
            for x in (v - step, v, v + step):
                if date:
                    out.add(_dt.date.fromordinal(int(x)).isoformat())
                elif lo <= x <= hi and (not integer or x == int(x)):
                    out.add(int(x) if integer else round(x, 6))
    return sorted(out, key=str)


def value_strategy(prop: dict, hints) -> st.SearchStrategy:
    hints = hints or ()
    for key in ("anyOf", "oneOf"):
        if key in prop:
            return st.one_of([value_strategy(resolve(branch), hints) for branch in prop[key]])
    if isinstance(prop.get("type"), list):  # ["number", "null"]: the value, or nothing
        return st.one_of([value_strategy({**prop, "type": t}, hints) for t in prop["type"]])
    if prop.get("type") == "null":
        return st.none()
    if "const" in prop:
        return st.just(prop["const"])
    if prop.get("format") == "date":
        near = _near(prop, hints, date=True)
        base = st.dates(FIRST_DATE, LAST_DATE).map(_dt.date.isoformat)
    elif "enum" in prop:
        return st.sampled_from(prop["enum"])
    elif prop.get("type") == "boolean":
        return st.booleans()
    elif prop.get("type") in ("integer", "number"):
        lo = prop.get("minimum", -1_000_000)
        hi = prop.get("maximum", 1_000_000)
        near = _near(prop, hints, date=False)
        if prop["type"] == "integer":
            base = st.integers(lo, hi)
        else:
            base = st.floats(lo, hi, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 4))
    else:
        near = sorted(v for v in hints if isinstance(v, str))
        if "pattern" in prop:
            base = st.from_regex(prop["pattern"], fullmatch=True).filter(
                lambda t: prop.get("minLength", 0) <= len(t) <= prop.get("maxLength", 40))
        else:
            base = st.sampled_from(["甲", "x1", "b2"])
    return st.one_of(st.sampled_from(near), base) if near else base


def object_strategy(node: dict, hints: dict, defname: str = "") -> st.SearchStrategy:
    node = resolve(node)
    must, may = {}, {}
    for name, prop in node.get("properties", {}).items():
        target = _def_of(prop)
        resolved = resolve(prop)
        if target and resolve(DEFS[target]).get("type") == "object":
            child = object_strategy(DEFS[target], hints, target)
            strategy = st.lists(child, max_size=MAX_ITEMS) if resolved.get("type") == "array" else child
        elif resolved.get("type") == "array":
            strategy = st.lists(value_strategy(resolve(resolved.get("items", {})), ()), max_size=MAX_ITEMS)
        else:
            strategy = value_strategy(resolved, hints.get((defname, name)))
        (must if name in node.get("required", []) else may)[name] = strategy
    return st.fixed_dictionaries(must, optional=may)


# --------------------------------------------------------------------------- repairs and submissions
def _repair(value, stage=None):
    """Unique ids per list; grades inside the school's stage (what the schema cannot say)."""
    if isinstance(value, dict):
        own_stage = value.get("stage", stage)
        for key, item in value.items():
            if isinstance(item, list):
                for i, element in enumerate(item):
                    if isinstance(element, dict) and "id" in element:
                        element["id"] = f"{key[0]}{i + 1}"
                    _repair(element, own_stage)
            elif isinstance(item, dict):
                _repair(item, own_stage)
        grade = value.get("grade")
        if isinstance(grade, int) and not isinstance(grade, bool):
            if stage == "primary" and grade > 6:
                value["grade"] = (grade - 1) % 6 + 1
            elif stage == "junior" and grade < 7:
                value["grade"] = 7 + (grade - 1) % 3
    return value


def _has_content(submission: dict) -> bool:
    """Some figures, documents or schools: an empty submission is refused by the loader."""
    return any(isinstance(v, (dict, list)) and v for v in submission.values())


@lru_cache(maxsize=None)
def _submission(hint_items: tuple) -> st.SearchStrategy:
    # built once per set of hints: building nested strategies is far dearer than drawing from them
    return object_strategy(SCHEMA, dict(hint_items)).filter(_has_content)


def _key(hints: dict) -> tuple:
    return tuple(sorted(hints.items()))


@st.composite
def submissions(draw, hints: dict, min_size: int = 1, max_size: int = 3) -> list[dict]:
    """One to three districts' submissions, each district at most once."""
    names = draw(st.lists(st.sampled_from(plan()["districts"]), min_size=min_size, max_size=max_size, unique=True))
    strategy = _submission(_key(hints))
    return [_repair({**draw(strategy), "district": name}) for name in names]


def to_facts(subs: list[dict]):
    """Loaded, validated facts; a drawn submission the loader refuses is rejected."""
    try:
        return [facts_from_document(Document(f"generated[{i}]", s)) for i, s in enumerate(subs)]
    except SubmissionError:
        reject()


def as_of_for(check: Check) -> st.SearchStrategy:
    """Audit dates around every deadline of the check, and anywhere in 2018-2024."""
    near = sorted({s.due + _dt.timedelta(days=d) for s in check.steps for d in (-1, 0, 1)} | {check.final_due + _dt.timedelta(days=400)})
    return st.one_of(st.sampled_from(near), st.dates(FIRST_DATE, LAST_DATE))
