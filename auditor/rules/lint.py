"""Static checks of a loaded policy set: what `auditor check` can see without running an audit.

Loading (``policies.py``) already refuses what makes a policy unusable
(duplicate ids, unknown clauses, unknown fields with a "did you mean", wrong
types). This module looks at the *logic* of the rules that did load:

| code          | finding |
|---------------|---------|
| L-NEVER       | a ``where:`` filter that no record can satisfy |
| L-IMPOSSIBLE  | a ``require:`` that no applicable record can satisfy |
| L-TAUTOLOGY   | a ``require:`` that every applicable record satisfies (not with ``if_none: missing``) |
| L-CONFLICT    | two checks on the same records and period whose requirements cannot both hold |
| L-LOOSER      | a dated schedule whose later step lets through a record an earlier step refused |
| L-PERIOD      | a deadline outside the plan's period (``auditor/data/plan.yaml``) |

The reasoning is interval arithmetic over the expression AST (``expr.py``):
a condition is put in disjunctive normal form over atoms ``field op constant``
and ``field in [...]``; each conjunction is satisfiable when, field by field,
the constraints leave a value in the field's domain (taken from the submission
schema: types, enums, minimum/maximum, integers). An atom the intervals cannot
express (``a <= b`` with two fields, arithmetic over two fields) is *unknown*,
and a finding is only reported when the answer is certain — so a finding is
always real, while some problems across two fields go unseen.
"""
from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from typing import Any

from auditor.intake import contracts
from auditor.rules import expr
from auditor.errors import PolicyError, Problem
from auditor.intake.loader import Document, load_document, path_text
from auditor.rules.policies import field_types_for
from auditor.model import Check, PolicySet, plan

MAX_CONJUNCTS = 512  # beyond this the DNF is abandoned (answer: unknown)

# --------------------------------------------------------------------------- domains


@dataclass(frozen=True)
class Domain:
    """The values a field can take in any valid submission."""

    type: str  # number | string | boolean | date
    lo: float = -math.inf
    hi: float = math.inf
    integer: bool = False
    choices: frozenset | None = None  # a finite set (enums, booleans)


def _schema_domain(node: dict, type_: str) -> Domain:
    if type_ == contracts.BOOL:
        return Domain(type_, choices=frozenset({True, False}))
    if "enum" in node:
        return Domain(type_, choices=frozenset(node["enum"]))
    if type_ == contracts.NUMBER:
        return Domain(type_, node.get("minimum", -math.inf), node.get("maximum", math.inf), node.get("type") == "integer")
    if type_ == contracts.DATE:
        return Domain(type_, integer=True)
    return Domain(type_)


_MEASURE_DOMAINS = {"share": Domain(contracts.NUMBER, 0, 1), "count": Domain(contracts.NUMBER, 0, math.inf, True)}


def field_domains(policy_set: PolicySet) -> dict[str, dict[str, Domain]]:
    """Per record kind, the domain of every field a check may read (schema + measures)."""
    types = field_types_for(policy_set.measures)
    defs = {"class": "class", "school": "school", "document": "document", "district": "figures"}
    out: dict[str, dict[str, Domain]] = {}
    for kind, table in types.items():
        props = contracts.scalar_fields(defs[kind]) if kind in defs else {}
        school = contracts.scalar_fields("school")
        domains = {}
        for path, type_ in table.items():
            if path in props:
                domains[path] = _schema_domain(props[path], type_)
            elif kind == "class" and path.startswith("school.") and path[7:] in school:
                domains[path] = _schema_domain(school[path[7:]], type_)
            else:
                domains[path] = Domain(type_ or contracts.STRING)
        if kind == "class":  # derived from the grade
            domains["stage"] = Domain(contracts.STRING, choices=frozenset({"primary", "junior"}))
        for m in policy_set.measures:
            if (m.level == "city") == (kind == "city") and m.id in domains:
                domains[m.id] = _MEASURE_DOMAINS.get(m.agg, Domain(contracts.NUMBER))
        out[kind] = domains
    return out


# --------------------------------------------------------------------------- normal form
# atoms: ("cmp", path, op, value) | ("in", path, frozenset, negated) | ("unknown", text, positive)


def _atom_value(node: expr.Node) -> Any:
    node = expr.fold(node)
    if isinstance(node, (expr.Const, expr.Date)):
        return node.value
    raise ValueError("not a constant")


def _compare_atom(node: expr.Compare, negate: bool) -> tuple:
    op = expr._NEGATE[node.op] if negate else node.op
    try:
        field, op, right = expr._isolate(node.left, op, node.right)
        return ("cmp", field.path, op, _atom_value(right))
    except (expr.ExprError, ValueError):
        return ("unknown", expr.to_text(node), not negate)


def dnf(node: expr.Node, negate: bool = False) -> list[list[tuple]] | None:
    """Disjunctive normal form of ``node`` (or of ``not node``); None when too large."""
    if isinstance(node, expr.Not):
        return dnf(node.item, not negate)
    if isinstance(node, (expr.And, expr.Or)):
        conjunctive = isinstance(node, expr.And) != negate
        parts = [dnf(item, negate) for item in node.items]
        if any(p is None for p in parts):
            return None
        if not conjunctive:
            out = [c for p in parts for c in p]
            return out if len(out) <= MAX_CONJUNCTS else None
        out = [[]]
        for p in parts:
            out = [a + b for a in out for b in p]
            if len(out) > MAX_CONJUNCTS:
                return None
        return out
    if isinstance(node, expr.Compare):
        return [[_compare_atom(node, negate)]]
    if isinstance(node, expr.Member):
        if isinstance(node.item, expr.Field):
            values = frozenset(c.value for c in node.choices)
            return [[("in", node.item.path, values, node.negated != negate)]]
        return [[("unknown", expr.to_text(node), not negate)]]
    if isinstance(node, expr.Field):
        return dnf(expr.as_condition(node), negate)
    if isinstance(node, expr.Const) and isinstance(node.value, bool):
        return [[]] if node.value != negate else []
    return [[("unknown", expr.to_text(node), not negate)]]


def _field_satisfiable(domain: Domain, atoms: list[tuple]) -> bool:
    lo, lo_open, hi, hi_open = domain.lo, False, domain.hi, False
    allowed = set(domain.choices) if domain.choices is not None else None
    excluded: set = set()
    for atom in atoms:
        if atom[0] == "in":
            _, _, values, negated = atom
            if negated:
                excluded |= set(values)
            else:
                allowed = set(values) if allowed is None else allowed & set(values)
            continue
        _, _, op, value = atom
        if op == "==":
            allowed = {value} if allowed is None else {a for a in allowed if a == value and isinstance(a, bool) == isinstance(value, bool)}
        elif op == "!=":
            excluded.add(value)
        elif op in ("<", "<="):
            if value < hi or (value == hi and op == "<"):
                hi, hi_open = value, op == "<"
        elif op in (">", ">="):
            if value > lo or (value == lo and op == ">"):
                lo, lo_open = value, op == ">"

    def inside(v) -> bool:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return lo == -math.inf and hi == math.inf  # ordering never applies to text or booleans
        if domain.integer and v != int(v):
            return False
        return (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)

    if allowed is not None:
        return any(inside(v) and v not in excluded for v in allowed)
    if domain.type in (contracts.STRING,):
        return True  # infinitely many texts; ordering is refused by the type checker
    if domain.integer:
        first = lo if math.isinf(lo) else math.floor(lo) + 1 if lo_open or lo != math.floor(lo) else lo
        last = hi if math.isinf(hi) else math.ceil(hi) - 1 if hi_open or hi != math.ceil(hi) else hi
        if first == -math.inf or last == math.inf:
            return first <= last
        count = last - first + 1
        return count > len({v for v in excluded if isinstance(v, (int, float)) and first <= v <= last and v == int(v)})
    if lo < hi:
        return True
    return lo == hi and not lo_open and not hi_open and lo not in excluded


def conjunct_satisfiable(conjunct: list[tuple], domains: dict[str, Domain]) -> bool | None:
    """True, False, or None (unknown atoms involved and the known ones are satisfiable)."""
    by_path: dict[str, list] = {}
    unknown: dict[str, set] = {}
    for atom in conjunct:
        if atom[0] == "unknown":
            unknown.setdefault(atom[1], set()).add(atom[2])
        else:
            by_path.setdefault(atom[1], []).append(atom)
    if any(len(polarities) == 2 for polarities in unknown.values()):
        return False
    for path, atoms in by_path.items():
        if not _field_satisfiable(domains.get(path, Domain(contracts.STRING)), atoms):
            return False
    return None if unknown else True


def satisfiable(nodes: list[expr.Node | None], domains: dict[str, Domain], negate_last: bool = False) -> bool | None:
    """Can ``nodes[0] and nodes[1] and ...`` hold (the last one negated if asked)?

    True: certainly; False: certainly not; None: cannot tell.
    """
    conjuncts: list[list[tuple]] = [[]]
    present = [n for n in nodes[:-1] if n is not None]
    parts = [dnf(n) for n in present]
    if nodes and nodes[-1] is not None:
        parts.append(dnf(nodes[-1], negate_last))
    for p in parts:
        if p is None:
            return None
        conjuncts = [a + b for a in conjuncts for b in p]
        if len(conjuncts) > MAX_CONJUNCTS:
            return None
    answers = [conjunct_satisfiable(c, domains) for c in conjuncts]
    if any(a is True for a in answers):
        return True
    if all(a is False for a in answers):
        return False
    return None


# --------------------------------------------------------------------------- preferred direction
def directions(node: expr.Node) -> dict[str, int]:
    """For each field of a condition, +1 if a larger value (or true) helps it hold, -1 if a smaller one does.

    Derived from the comparisons: in ``size <= 45`` a smaller size is better,
    in ``rate >= target`` a higher rate, in ``filed_on <= date(...)`` an
    earlier date, in ``has_room == true`` true. A field pulled both ways, or
    only compared for equality, has no direction and is left out.
    """
    found: dict[str, set] = {}

    def arith(n: expr.Node, sign: int) -> None:
        if isinstance(n, expr.Field):
            found.setdefault(n.path, set()).add(sign)
        elif isinstance(n, expr.Arith):
            if n.op in ("+", "-"):
                arith(n.left, sign)
                arith(n.right, sign if n.op == "+" else -sign)
            else:
                for this, other in ((n.left, n.right), (n.right, n.left)):
                    if n.op == "/" and this is n.right:
                        if expr.fields(this):
                            for path in expr.fields(this):
                                found.setdefault(path, set()).update({1, -1})
                        continue
                    try:
                        k = _atom_value(other)
                    except ValueError:
                        for path in expr.fields(this):
                            found.setdefault(path, set()).update({1, -1})
                        continue
                    if expr.fields(this) and k:
                        arith(this, sign if k > 0 else -sign)

    def walk(n: expr.Node, sign: int) -> None:
        if isinstance(n, expr.Not):
            walk(n.item, -sign)
        elif isinstance(n, (expr.And, expr.Or)):
            for item in n.items:
                walk(item, sign)
        elif isinstance(n, expr.Field):
            walk(expr.as_condition(n), sign)
        elif isinstance(n, expr.Compare):
            if n.op in ("<", "<="):
                arith(n.left, -sign)
                arith(n.right, sign)
            elif n.op in (">", ">="):
                arith(n.left, sign)
                arith(n.right, -sign)
            elif n.op in ("==", "!=") and isinstance(n.right, expr.Const) and isinstance(n.right.value, bool) and isinstance(n.left, expr.Field):
                want = n.right.value if n.op == "==" else not n.right.value
                found.setdefault(n.left.path, set()).add(sign if want else -sign)
            else:
                for path in expr.fields(n):
                    found.setdefault(path, set()).update({1, -1})
        elif isinstance(n, expr.Member):
            for path in expr.fields(n):
                found.setdefault(path, set()).update({1, -1})

    walk(node, 1)
    return {path: signs.pop() for path, signs in found.items() if len(signs) == 1}


# --------------------------------------------------------------------------- the checks
def _steps_in_force(check: Check) -> list[tuple[_dt.date, _dt.date]]:
    """[start, end] of each step (the last step is in force for ever)."""
    out = []
    for i, step in enumerate(check.steps):
        end = check.steps[i + 1].due - _dt.timedelta(days=1) if i + 1 < len(check.steps) else _dt.date.max
        out.append((step.due, end))
    return out


def _requires(check: Check) -> list[expr.Node]:
    return [expr.substitute(check.require, step.params) for step in check.steps]


def _conjoin(*nodes: expr.Node | None) -> expr.Node | None:
    items = tuple(n for n in nodes if n is not None)
    if not items:
        return None
    return items[0] if len(items) == 1 else expr.And(items)


class _Linter:
    def __init__(self, policy_set: PolicySet):
        self.policy_set = policy_set
        self.domains = field_domains(policy_set)
        self.documents: dict[str, Document] = {}
        self.problems: list[Problem] = []
        self.index: dict[str, tuple] = {}  # check id -> (file, index in its policy)
        for policy in policy_set.policies:
            for i, check in enumerate(policy.checks):
                self.index[check.id] = (policy.source.file, i)

    def document(self, file: str) -> Document:
        if file not in self.documents:
            try:
                self.documents[file] = load_document(file, PolicyError)
            except PolicyError:  # pragma: no cover - it loaded a moment ago
                self.documents[file] = Document(file, None)
        return self.documents[file]

    def report(self, check: Check, path: tuple, code: str, message: str) -> None:
        file, index = self.index[check.id]
        full = ("checks", index) + path
        line, column = self.document(file).where(full)
        self.problems.append(Problem(file, line, column, code, message, path_text(full)))

    def where(self, check: Check) -> str:
        return f' where "{check.where_text}"' if check.where_text else ""

    def run(self) -> list[Problem]:
        checks = self.policy_set.checks
        for check in checks:
            self.period(check)
            self.logic(check)
        for i, a in enumerate(checks):
            for b in checks[i + 1:]:
                if a.over == b.over:
                    self.conflict(a, b)
        return sorted(set(self.problems), key=lambda p: (p.file, p.line, p.column, p.code, p.message))

    def period(self, check: Check) -> None:
        period = plan()["plan"]["period"]
        start, end = _dt.date.fromisoformat(period["start"]), _dt.date.fromisoformat(period["end"])
        for j, step in enumerate(check.steps):
            if not start <= step.due <= end:
                path = ("schedule", j, "due") if check.scheduled else ("due",)
                self.report(check, path, "L-PERIOD",
                            f"deadline {step.due} is outside the plan's period {start}..{end} ({plan()['plan']['ref']})")

    def logic(self, check: Check) -> None:
        domains = self.domains[check.over]
        if check.where is not None and satisfiable([check.where], domains) is False:
            self.report(check, ("where",), "L-NEVER",
                        f'the filter "{check.where_text}" can never be true for {check.over} records, so the check never applies')
            return
        requires = _requires(check)
        for j, require in enumerate(requires):
            step = f" (step {check.steps[j].due})" if check.scheduled else ""
            text = expr.to_text(require)
            if satisfiable([check.where, require], domains) is False:
                self.report(check, ("require",), "L-IMPOSSIBLE",
                            f'the requirement "{text}"{step} can never hold for {check.over} records{self.where(check)}: every record would fail')
            elif check.if_none != "missing" and satisfiable([check.where, require], domains, negate_last=True) is False:
                # (with if_none: missing a requirement that always holds is the way to say "this must exist")
                self.report(check, ("require",), "L-TAUTOLOGY",
                            f'the requirement "{text}"{step} holds for every possible {check.over} record{self.where(check)}: the check can never fail')
        for j in range(1, len(requires)):
            earlier, later = requires[j - 1], requires[j]
            if satisfiable([check.where, later, expr.Not(earlier)], domains) is True:
                self.report(check, ("schedule", j, "params"), "L-LOOSER",
                            f'from {check.steps[j].due} the requirement "{expr.to_text(later)}" is laxer than '
                            f'"{expr.to_text(earlier)}" in force from {check.steps[j - 1].due}: a threshold must not loosen as deadlines advance')

    def conflict(self, a: Check, b: Check) -> None:
        domains = self.domains[a.over]
        both = _conjoin(a.where, b.where)
        if both is not None and satisfiable([both], domains) is not True:
            return
        for (a_start, a_end), ra, sa in zip(_steps_in_force(a), _requires(a), a.steps):
            for (b_start, b_end), rb, sb in zip(_steps_in_force(b), _requires(b), b.steps):
                if max(a_start, b_start) > min(a_end, b_end):
                    continue
                if satisfiable([both, ra], domains) is False or satisfiable([both, rb], domains) is False:
                    continue  # already reported as impossible
                if satisfiable([both, ra, rb], domains) is False:
                    since = max(a_start, b_start)
                    scope = f' where "{expr.to_text(both)}"' if both is not None else ""
                    self.report(b, ("require",), "L-CONFLICT",
                                f'the requirement "{expr.to_text(rb)}" cannot hold together with "{expr.to_text(ra)}" of check '
                                f'{a.id} ({a.source}) for {a.over} records{scope}, both in force from {since}')
                    return


def lint(policy_set: PolicySet) -> list[Problem]:
    """Every static finding for a loaded policy set, sorted by file and line."""
    return _Linter(policy_set).run()
