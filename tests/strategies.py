"""Hypothesis strategies for submissions, generated from auditor/schemas/submission.schema.json.

Nothing here names a submission field: the schema is walked (types, enums,
minimum/maximum, required keys, arrays of ``$defs``), so a field added to the
schema is generated without touching this file. Values are biased toward the
constants each check compares with (``size <= 45`` makes 44, 45 and 46
likely), taken from the check's expressions, its schedule parameters and the
measures it reads.

:func:`submissions` draws what a :class:`Focus` says:

* :func:`focus` (some checks): only the record kinds they and their measures
  read, with the required fields and the fields they read — what a check's
  properties need, at a fraction of the cost of whole submissions;
* :func:`everything` (the whole rule set): every record kind and every field of
  the schema, read or not (the whole-rule-set properties, and the test that a
  check's verdicts are the same on what it reads alone).

Either way the draws are aimed so that most examples exercise the properties:
three records in four satisfy one conjunct of a filter (a check's ``where:``,
or a measure's it reads), district names come from those a filter names half
of the time, and half of the examples are drawn to pass (records aimed at a
requirement at one of its steps, no field it reads left out) so that there is a
``pass`` to lose; the other half are mixed, fields read present five times in six.

What a schema cannot say is repaired after drawing: ids unique within their
list, a class's grade inside its school's stage. A drawn submission that the
loader still refuses is rejected (``hypothesis.reject``), never audited.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import operator
import re
from functools import lru_cache

from hypothesis import reject
from hypothesis import strategies as st

from auditor.intake import contracts
from auditor.rules import expr
from auditor.errors import SubmissionError
from auditor.rules.fields import completeness_fields, inputs
from auditor.rules.lint import directions, dnf
from auditor.intake.document import Document
from auditor.model import Check, PolicySet, plan
from auditor.intake.submission import facts_from_document

SCHEMA = contracts.schema("submission")
DEFS = SCHEMA["$defs"]
FIRST_DATE, LAST_DATE = _dt.date(2016, 1, 1), _dt.date(2024, 12, 31)  # the national standard is due from 2017-04-26
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


@lru_cache(maxsize=None)
def properties(defname: str) -> dict[str, dict]:
    """The resolved properties of a $def (shared: do not change them)."""
    return {name: resolve(p) for name, p in DEFS[defname].get("properties", {}).items()}


def required(defname: str) -> set[str]:
    return set(DEFS[defname].get("required", []))


# --------------------------------------------------------------------------- fields a check reads
def raw_field(kind: str, path: str) -> tuple[str, str] | None:
    """(schema $def, property) of a record field as a check sees it, or None (derived, a measure).

    A school_stage record's fields are its school's (its pupils the school's own, approximately: a nine-year
    school's come from pupils_primary and pupils_junior, see :func:`needed_fields`)."""
    defs = {"school": "school", "document": "document", "district": "figures", "class": "class", "school_stage": "school"}
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
    """Every schema field the check's verdict depends on, through measures, computed fields, k-of-n items and
    school stages too (``auditor.rules.fields.inputs``)."""
    params = {n for s in check.steps for n in s.params}
    paths = (expr.fields(check.require) | (expr.fields(check.where) if check.where is not None else set())) - params
    out: set[tuple[str, str]] = set()
    for path in paths:
        for kind, name in inputs(policy_set, check.over, path):
            defname = KIND_DEF.get(kind)
            if defname and name in properties(defname) and properties(defname)[name].get("type") not in ("object", "array"):
                out.add((defname, name))
    return out


def _derived(policy_set: PolicySet, kind: str, path: str):
    """(inner directions) of a computed field or a k-of-n figure of ``kind`` records, or None."""
    for c in policy_set.computed:
        if c.of == kind and c.id == path:
            return expr.value_directions(c.value)
    for check in policy_set.checks:
        spec = check.k_of_n
        if spec is not None and check.over == kind and path in (spec.met, spec.lowest):
            return {item: 1 for item in spec.fields}  # every item helps both figures
    return None


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
            inner = _derived(policy_set, kind, path)
            if inner is not None:  # a computed field or a k-of-n figure: through its inputs
                add(kind, inner, d * sign)
                continue
            if kind == "school_stage" and path == "pupils":  # a stage's pupils: the school's, or its per-stage counts
                for name in ("pupils", "pupils_primary", "pupils_junior"):
                    out.setdefault(("school", name), set()).add(d * sign)
                continue
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
        near = [v for v in prop["enum"] if v in hints]  # the values a check names, half of the time
        base = st.sampled_from(prop["enum"])
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
        near = sorted(v for v in hints if isinstance(v, str) and _fits(prop, v))
        if "pattern" in prop:
            base = st.from_regex(prop["pattern"], fullmatch=True).filter(
                lambda t: prop.get("minLength", 0) <= len(t) <= prop.get("maxLength", 40))
        else:
            base = st.sampled_from(["甲", "x1", "b2"])
    return st.one_of(st.sampled_from(near), base) if near else base


def _fits(prop: dict, text: str) -> bool:
    """A hinted string the schema admits (``reviewed_by != ""`` hints "", which minLength 1 refuses)."""
    return prop.get("minLength", 0) <= len(text) <= prop.get("maxLength", 10**9) and (
        "pattern" not in prop or re.fullmatch(prop["pattern"], text) is not None)


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
            elif stage in ("junior", "complete_secondary") and grade < 7:
                value["grade"] = 7 + (grade - 1) % 3
        agree(value)
    return value


_PARTS = tuple((name, prop["x-part-of"]) for defname in ("figures", "school")
               for name, prop in DEFS[defname].get("properties", {}).items() if "x-part-of" in prop)


def agree(record: dict) -> None:
    """Declared counts that agree (the intake's content checks): grades 1-9 within a school's pupils (all
    of them in a primary, junior or nine-year school), the enrolled disabled children within the
    school-age ones, the placements adding up."""
    if "pupils" in record and "pupils_compulsory" in record:
        if record.get("stage") in ("primary", "junior", "nine_year"):
            record["pupils_compulsory"] = record["pupils"]
        else:
            record["pupils_compulsory"] = min(record["pupils_compulsory"], record["pupils"])
    stage_split(record)
    if "disabled_enrolled" in record and "disabled_school_age" in record:
        record["disabled_enrolled"] = min(record["disabled_enrolled"], record["disabled_school_age"])
    for part, whole in _PARTS:  # a count that is a part of another (x-part-of) no more than it
        if isinstance(record.get(part), int) and isinstance(record.get(whole), int) and record[part] > record[whole]:
            record[part] = record[whole]
    parts = ("disabled_in_regular_classes", "disabled_in_special_schools", "disabled_home_taught")
    if "disabled_enrolled" in record and all(p in record for p in parts) and \
            sum(record[p] for p in parts) != record["disabled_enrolled"]:
        del record["disabled_home_taught"]


def stage_split(record: dict) -> None:
    """A combined school's primary and junior pupils adding up to its grades 1-9 pupils (the intake checks it)."""
    total = record.get("pupils_compulsory", record.get("pupils") if record.get("stage") in ("primary", "junior", "nine_year") else None)
    one = {"primary": "primary", "junior": "junior", "complete_secondary": "junior"}.get(record.get("stage"))
    if one is not None:  # one compulsory stage: the other's pupils are 0, its own all of grades 1-9's
        for stage in ("primary", "junior"):
            if f"pupils_{stage}" in record:
                if stage != one:
                    record[f"pupils_{stage}"] = 0
                elif total is not None:
                    record[f"pupils_{stage}"] = total
                else:
                    del record[f"pupils_{stage}"]
    elif total is not None and "pupils_primary" in record and "pupils_junior" in record:
        record["pupils_primary"] = min(record["pupils_primary"], total)
        record["pupils_junior"] = total - record["pupils_primary"]


def has_content(submission: dict) -> bool:
    """Some figures, documents or schools: an empty submission is refused by the loader."""
    return any(isinstance(v, (dict, list)) and v for v in submission.values())


def _key(hints: dict) -> tuple:
    return tuple(sorted(hints.items()))


# --------------------------------------------------------------------------- what to draw: a focus
KIND_DEF = {"district": "figures", "school": "school", "class": "class", "document": "document", "school_stage": "school"}
PRESENT = st.sampled_from((True,) * 5 + (False,))  # a field a check reads: present five times in six
MAYBE = st.booleans()  # a field no check in focus reads (whole submissions only): present half of the time
AIMED = st.sampled_from((True, True, True, False))  # a record aimed at a filter: three times in four
MEETS = st.sampled_from((True,) * 7 + (False,))  # in a passing submission, a record aimed at the requirement
_OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@dataclasses.dataclass(frozen=True)
class Focus:
    """What a set of checks reads, ready for drawing (hashable: strategies are built once per focus).

    An aim is a tuple of conjuncts, a conjunct ``((field, (value, ...)), ...)``:
    values of schema fields that together satisfy one conjunct of a condition's
    disjunctive normal form (``lint.dnf``)."""

    fields: tuple  # ((schema $def, (field, ...)), ...) for every $def drawn: the fields read (required ones too)
    aims: tuple  # ((schema $def, aim), ...): the filters (the checks' and their measures' where:)
    passes: tuple  # ((schema $def, aim), ...): the requirements met (at any step), or the flags they prefer
    hints: tuple  # sorted items of thresholds(): ((schema $def, field), frozenset of constants)
    districts: tuple  # district names that a filter names
    extra: tuple = ()  # ((schema $def, (optional field, ...)), ...): unread fields, drawn too (whole submissions)
    whole: bool = False  # every kind, and the submission's own optional fields (reported_on, sample_data)

    def defs(self) -> dict:
        return dict(self.fields)


def _walk(policy_set: PolicySet, checks: list[Check], visit) -> None:
    """``visit(kind, filter node or None)`` for each check and, transitively, each measure it reads."""
    seen = set()

    def measures(kind: str, paths) -> None:
        for path in sorted(paths):
            m = _measure(policy_set, kind, path)
            if m is None or m.id in seen:
                continue
            seen.add(m.id)
            inner = _measure_kind(m)
            visit(inner, m.where)
            measures(inner, (expr.fields(m.where) if m.where is not None else set())
                     | (expr.fields(m.that) if m.that is not None else set()) | {p for p in (m.value, m.per, m.weight) if p})

    for check in checks:
        visit(check.over, check.where)
        measures(check.over, expr.fields(check.require) | (expr.fields(check.where) if check.where is not None else set()))


def _holds(atom: tuple, value) -> bool:
    if atom[0] == "in":
        return (value in atom[2]) != atom[3]
    _, _, op, constant = atom
    if isinstance(value, bool) != isinstance(constant, bool):
        return op == "!="
    try:
        return _OPS[op](value, constant)
    except TypeError:
        return False


def _satisfying(defname: str, name: str, atoms: list[tuple]) -> tuple:
    """Values of a schema field that satisfy every atom on it (near their constants), or ()."""
    prop = properties(defname)[name]
    constants = [a[3] for a in atoms if a[0] == "cmp"] + [v for a in atoms if a[0] == "in" for v in a[2]]
    date = prop.get("format") == "date"
    candidates = set(prop.get("enum", ())) | {c for c in constants if isinstance(c, str) and _fits(prop, c)}
    if prop.get("type") == "boolean":
        candidates |= {True, False}
    if prop.get("type") in ("integer", "number") or date:
        numbers = [c for c in constants if isinstance(c, (int, float)) and not isinstance(c, bool)]
        if not date:
            numbers += [prop[k] for k in ("minimum", "maximum") if k in prop]
        candidates |= set(_near(prop, numbers, date))

    def comparable(value):
        return _dt.date.fromisoformat(value).toordinal() if date else value

    return tuple(sorted((v for v in candidates if all(_holds(a, comparable(v)) for a in atoms)), key=repr))


def _conjuncts(kind: str, node, districts: set) -> list[tuple]:
    """The conjuncts of ``node`` that can be met by drawing record fields of ``kind`` (atoms on
    derived fields and measures are left to chance; district names go to ``districts``)."""
    out = []
    defname = KIND_DEF[kind]
    for conjunct in dnf(node) or []:
        by_field: dict[str, list] = {}
        for atom in conjunct:
            if atom[0] == "unknown":
                continue
            if atom[1] == "district":  # the submission's own district, not a record field
                districts.update(v for v in ([atom[3]] if atom[0] == "cmp" else atom[2]) if isinstance(v, str))
                continue
            field = raw_field(kind, atom[1])
            if field and field[0] == defname:  # a derived field (a class's stage) or a measure: not drawn
                by_field.setdefault(field[1], []).append(atom)
        # a field with no value near the constants that satisfies its atoms (reviewed_by != "") is left to chance
        values = tuple((name, found) for name, atoms in sorted(by_field.items()) if (found := _satisfying(defname, name, atoms)))
        if values and values not in out:
            out.append(values)
    return out


def _focus(policy_set: PolicySet, checks: list[Check]) -> Focus:
    kinds: set[str] = set()
    aims: dict[str, list] = {}
    passes: dict[str, list] = {}
    districts: set[str] = set()

    def visit(kind: str, node) -> None:
        if kind != "city":
            kinds.add(kind)
            if node is not None:
                target = aims.setdefault(KIND_DEF[kind], [])
                target.extend(c for c in _conjuncts(kind, node, districts) if c not in target)

    _walk(policy_set, checks, visit)
    if "class" in kinds:
        kinds.add("school")  # classes live in schools
    for check in checks:
        if check.over != "city":
            target = passes.setdefault(KIND_DEF[check.over], [])
            for step in check.steps:
                target.extend(c for c in _conjuncts(check.over, expr.substitute(check.require, step.params), set()) if c not in target)
        flags: dict[str, list] = {}  # through measures: the flags a share or a count prefers
        for (defname, name), direction in sorted(preferred(policy_set, check).items()):
            if properties(defname)[name].get("type") == "boolean":
                flags.setdefault(defname, []).append((name, (direction > 0,)))
        for defname, conjunct in flags.items():
            if not passes.get(defname):
                passes[defname] = [tuple(conjunct)]
    read: dict[str, set] = {KIND_DEF[k]: set() for k in kinds}
    for check in checks:
        for defname, name in needed_fields(policy_set, check):
            read.setdefault(defname, set()).add(name)
    # the declared counts that tell whether a kind's records are complete are read by every check over it
    # (and over the kinds below: a school not sent leaves its classes and its stages missing)
    for kind, name in completeness_fields(kinds):
        read.setdefault(KIND_DEF[kind], set()).add(name)
    if "pupils_compulsory" in read.get("school", ()):
        read["school"].add("pupils")  # a primary, junior or nine-year school's is its pupils (intake)
    fields = tuple((d, tuple(sorted(names))) for d, names in sorted(read.items()))
    hints = {**_all_thresholds(policy_set), **thresholds(policy_set, checks)}

    def frozen(found: dict) -> tuple:
        return tuple((d, tuple(c)) for d, c in sorted(found.items()) if c)

    return Focus(fields, frozen(aims), frozen(passes), _key(hints), tuple(sorted(districts & set(plan()["districts"]))))


_FOCI: dict[tuple, Focus] = {}
_THRESHOLDS: dict[int, dict] = {}


def _all_thresholds(policy_set: PolicySet) -> dict:
    if id(policy_set) not in _THRESHOLDS:
        _THRESHOLDS[id(policy_set)] = thresholds(policy_set, policy_set.checks)
    return _THRESHOLDS[id(policy_set)]


def focus(policy_set: PolicySet, checks: list[Check]) -> Focus:
    """What ``checks`` read: record kinds, fields, filters to aim at, threshold hints, district names."""
    key = (id(policy_set), tuple(sorted(c.id for c in checks)))
    if key not in _FOCI:
        _FOCI[key] = _focus(policy_set, checks)
    return _FOCI[key]


def everything(policy_set: PolicySet) -> Focus:
    """Whole submissions: every record kind and every field of the schema (read or not, the unread
    ones present half of the time), aimed at the filters and requirements of every check."""
    key = (id(policy_set), None)
    if key not in _FOCI:
        read = focus(policy_set, policy_set.checks)
        defs = read.defs()
        fields, extra = [], []
        for defname in sorted(record_paths()):
            fields.append((defname, defs.get(defname, ())))
            extra.append((defname, tuple(n for n, p in DEFS[defname].get("properties", {}).items()
                                         if n not in required(defname) and not _nested(p) and n not in defs.get(defname, ()))))
        _FOCI[key] = dataclasses.replace(read, fields=tuple(fields), extra=tuple(extra), whole=True)
    return _FOCI[key]


def _nested(prop: dict) -> bool:
    """A property holding records of another $def (drawn as children, not as a value)."""
    target = _def_of(prop)
    return bool(target) and resolve(DEFS[target]).get("type") == "object"


def _scalar_strategy(prop: dict, hints) -> st.SearchStrategy:
    prop = resolve(prop)
    if prop.get("type") == "array":  # a list of plain values (no such field today)
        return st.lists(value_strategy(resolve(prop.get("items", {})), ()), max_size=MAX_ITEMS)
    return value_strategy(prop, hints)


def _aimed(conjuncts: tuple) -> st.SearchStrategy | None:
    """One conjunct's values drawn: {field: value}, or None when there is no conjunct."""
    if not conjuncts:
        return None
    return st.one_of([st.fixed_dictionaries({name: st.sampled_from(values) for name, values in c}) for c in conjuncts])


def _record(defname: str, read: tuple, extra: tuple, aims: tuple, passes: tuple, hints: dict, children: dict) -> st.SearchStrategy:
    """One record: its required fields, the optional fields ``read`` (present five times in six, or
    always in a passing submission) and ``extra`` (present half of the time), aimed at a filter three
    times in four; ``passes``: the conjuncts that meet the requirement, aimed at seven times in eight
    (a passing submission), or () for a mixed one. ``children``: {property: strategy} for the records
    nested in it. Every strategy is built here, once: building is far dearer than drawing."""
    props = DEFS[defname].get("properties", {})
    must = required(defname) - set(children)
    optional = [n for n in read if n not in must] + list(extra)
    plan_ = [(name, name in must or (bool(passes) and name in read), PRESENT if name in read else MAYBE,
              _scalar_strategy(props[name], hints.get((defname, name))))
             for name in sorted(must) + optional if name != "id"]  # ids: rewritten by _repair
    ids = ["id"] if "id" in must else []
    meets, filters = _aimed(passes), _aimed(aims)

    @st.composite
    def record(draw) -> dict:
        aimed = draw(meets) if meets is not None and draw(MEETS) else {}
        if filters is not None and draw(AIMED):
            aimed = {**aimed, **draw(filters)}
        out = dict.fromkeys(ids, "")
        for name, always, present, strategy in plan_:
            if name in aimed:
                out[name] = aimed[name]
            elif always or draw(present):
                out[name] = draw(strategy)
        for name, strategy in children.items():
            out[name] = draw(strategy)
        return out

    return record()


def _keep_grades(submission: dict, stage_read: bool) -> dict:
    """A class grade outside its school's stage: make the school nine-year (when no check reads the
    stage), so a class drawn for ``grade >= 7`` stays in grade 7-9; _repair moves the grade otherwise."""
    if not stage_read:
        for school in submission.get("schools", []):
            grades = [c["grade"] for c in school.get("classes", [])]
            if any(g > 6 for g in grades) and school["stage"] == "primary" or any(g < 7 for g in grades) and school["stage"] == "junior":
                school["stage"] = "nine_year"
    return submission


@lru_cache(maxsize=None)
def _focused_strategy(f: Focus, passing: bool) -> st.SearchStrategy:
    hints = dict(f.hints)
    defs, extra, aims, passes = f.defs(), dict(f.extra), dict(f.aims), dict(f.passes) if passing else {}

    def holding(node: dict) -> dict:
        """{property: strategy} for the properties of ``node`` that hold records of a $def in focus."""
        out = {}
        for name, prop in node.get("properties", {}).items():
            target = _def_of(prop)
            if target in defs and _nested(prop):
                one = _record(target, defs[target], extra.get(target, ()), aims.get(target, ()),
                              passes.get(target, ()), hints, holding(DEFS[target]))
                out[name] = st.lists(one, max_size=MAX_ITEMS) if resolve(prop).get("type") == "array" else one
        return out

    top = holding(SCHEMA)
    optional = {}
    if f.whole:  # the submission's own optional fields (reported_on, sample_data)
        optional = {name: _scalar_strategy(prop, ()) for name, prop in SCHEMA["properties"].items()
                    if name not in SCHEMA.get("required", ()) and not _nested(prop)}
    return st.fixed_dictionaries(top, optional=optional).filter(has_content)


def cut_down(submission: dict, f: Focus) -> dict:
    """``submission`` holding only what the focus reads: its record kinds, their required fields and the
    fields read (what :func:`submissions` draws for it); for holding the premise of focused draws."""
    defs = f.defs()

    def cut(value, defname: str):
        if isinstance(value, list):
            return [cut(item, defname) for item in value]
        keep = required(defname) | set(defs[defname])
        out = {k: v for k, v in value.items() if k in keep}
        for child, prop in DEFS[defname].get("properties", {}).items():
            if _def_of(prop) in defs and child in value:
                out[child] = cut(value[child], _def_of(prop))
        return out

    kept = {name: cut(submission[name], _def_of(prop)) for name, prop in SCHEMA["properties"].items()
            if _def_of(prop) in defs and name in submission}
    return {"district": submission["district"], **kept}


@st.composite
def submissions(draw, f: Focus, min_size: int = 1, max_size: int = 3) -> list[dict]:
    """One to three districts' submissions holding only what the focus reads; district names are
    drawn from those its filters name half of the time. Half of the examples are drawn to pass
    (records aimed at the requirement, no field left out), half mixed."""
    names = st.sampled_from(plan()["districts"])
    if f.districts:
        names = st.one_of(st.sampled_from(f.districts), names)
    chosen = draw(st.lists(names, min_size=min_size, max_size=max_size, unique=True))
    stage_read = "stage" in f.defs().get("school", ())
    strategy = _focused_strategy(f, draw(st.booleans(), label="passing"))
    subs = [_repair(_keep_grades({**draw(strategy), "district": name}, stage_read)) for name in chosen]
    if draw(st.sampled_from((True, True, True, False)), label="declared counts true"):
        for sub in subs:  # three times in four the ledgers are complete by their own declarations
            declare_true(sub)
    return subs


def declare_true(sub: dict) -> dict:
    """Make the declared counts that are present true (``x-completeness``): the district's schools, each
    school's classes and compulsory-stage pupils (its class sizes' sum; all its pupils in a primary,
    junior or nine-year school)."""
    schools = sub.get("schools") if isinstance(sub.get("schools"), list) else []
    if isinstance(sub.get("figures"), dict) and "schools_declared" in sub["figures"]:
        sub["figures"]["schools_declared"] = len(schools)
    for school in schools:
        classes = school.get("classes") or []
        total = sum(c.get("size", 0) for c in classes)
        if "classes_declared" in school:
            school["classes_declared"] = len(classes)
        if school.get("stage") in ("primary", "junior", "nine_year"):
            if "pupils" in school:
                school["pupils"] = total
                school.pop("pupils_compulsory", None)
        elif "pupils_compulsory" in school:
            school["pupils_compulsory"] = total
            school["pupils"] = max(school.get("pupils", total), total)
        stage_split(school)
    return sub


def to_facts(subs: list[dict]):
    """Loaded, validated facts; a drawn submission the loader refuses is rejected."""
    try:
        return [facts_from_document(Document(f"generated[{i}]", s)) for i, s in enumerate(subs)]
    except SubmissionError:
        reject()


def as_of_for(check: Check) -> st.SearchStrategy:
    """Audit dates around every deadline of the check, after its first deadline, and anywhere in 2018-2024."""
    near = sorted({s.due + _dt.timedelta(days=d) for s in check.steps for d in (-1, 0, 1)} | {check.final_due + _dt.timedelta(days=400)})
    due = st.dates(check.steps[0].due, max(LAST_DATE, check.final_due + _dt.timedelta(days=400)))
    return st.one_of(st.sampled_from(near), due, st.dates(FIRST_DATE, LAST_DATE))
