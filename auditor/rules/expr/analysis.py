"""What a condition says, read statically: which values it lets through, and which way each field should move.

A condition is put in disjunctive normal form over atoms ``field op constant``
and ``field in [...]`` (:func:`dnf`); each conjunction is satisfiable when,
field by field, the constraints leave a value in the field's :class:`Domain`
(:func:`satisfiable`). An atom the intervals cannot express (``a <= b`` with
two fields, arithmetic over two fields) is *unknown*, and the answer is only
True or False when it is certain. :func:`directions` says, per field, whether
a larger or a smaller value helps a condition hold. ``auditor check``
(:mod:`auditor.rules.lint`) and the property tests are built on these.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from auditor.rules.expr.lowering import NEGATE, fold, isolate
from auditor.rules.expr.nodes import And, Arith, Compare, Const, Date, ExprError, Field, Member, Node, Not, Or, as_condition, fields
from auditor.rules.expr.syntax import to_text
from auditor.rules.expr.types import STRING

MAX_CONJUNCTS = 512  # beyond this the DNF is abandoned (answer: unknown)


@dataclass(frozen=True)
class Domain:
    """The values a field can take in any valid submission."""

    type: str  # number | string | boolean | date
    lo: float = -math.inf
    hi: float = math.inf
    integer: bool = False
    choices: frozenset | None = None  # a finite set (enums, booleans)


# --------------------------------------------------------------------------- normal form
# atoms: ("cmp", path, op, value) | ("in", path, frozenset, negated) | ("unknown", text, positive)


def _atom_value(node: Node) -> Any:
    node = fold(node)
    if isinstance(node, (Const, Date)):
        return node.value
    raise ValueError("not a constant")


def _compare_atom(node: Compare, negate: bool) -> tuple:
    op = NEGATE[node.op] if negate else node.op
    try:
        field, op, right = isolate(node.left, op, node.right)
        return ("cmp", field.path, op, _atom_value(right))
    except (ExprError, ValueError):
        return ("unknown", to_text(node), not negate)


def dnf(node: Node, negate: bool = False) -> list[list[tuple]] | None:
    """Disjunctive normal form of ``node`` (or of ``not node``); None when too large."""
    if isinstance(node, Not):
        return dnf(node.item, not negate)
    if isinstance(node, (And, Or)):
        conjunctive = isinstance(node, And) != negate
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
    if isinstance(node, Compare):
        return [[_compare_atom(node, negate)]]
    if isinstance(node, Member):
        if isinstance(node.item, Field):
            values = frozenset(c.value for c in node.choices)
            return [[("in", node.item.path, values, node.negated != negate)]]
        return [[("unknown", to_text(node), not negate)]]
    if isinstance(node, Field):
        return dnf(as_condition(node), negate)
    if isinstance(node, Const) and isinstance(node.value, bool):
        return [[]] if node.value != negate else []
    return [[("unknown", to_text(node), not negate)]]


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
    if domain.type in (STRING,):
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
        if not _field_satisfiable(domains.get(path, Domain(STRING)), atoms):
            return False
    return None if unknown else True


def satisfiable(nodes: list[Node | None], domains: dict[str, Domain], negate_last: bool = False) -> bool | None:
    """Can ``nodes[0] and nodes[1] and ...`` hold (the last one negated if asked)?

    True: certainly; False: certainly not; None: cannot tell.
    """
    present = [n for n in nodes[:-1] if n is not None]
    parts = [dnf(n) for n in present]
    if nodes and nodes[-1] is not None:
        parts.append(dnf(nodes[-1], negate_last))
    return satisfiable_forms(parts, domains)


def satisfiable_forms(parts: list[list[list[tuple]] | None], domains: dict[str, Domain]) -> bool | None:
    """:func:`satisfiable` over conditions already in normal form (``dnf``'s answers, None for "too large")."""
    conjuncts: list[list[tuple]] = [[]]
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
def directions(node: Node) -> dict[str, int]:
    """For each field of a condition, +1 if a larger value (or true) helps it hold, -1 if a smaller one does.

    Derived from the comparisons: in ``size <= 45`` a smaller size is better,
    in ``rate >= target`` a higher rate, in ``filed_on <= date(...)`` an
    earlier date, in ``has_room == true`` true. A field pulled both ways, or
    only compared for equality, has no direction and is left out.
    """
    found: dict[str, set] = {}

    def arith(n: Node, sign: int) -> None:
        if isinstance(n, Field):
            found.setdefault(n.path, set()).add(sign)
        elif isinstance(n, Arith):
            if n.op in ("+", "-"):
                arith(n.left, sign)
                arith(n.right, sign if n.op == "+" else -sign)
            else:
                for this, other in ((n.left, n.right), (n.right, n.left)):
                    if n.op == "/" and this is n.right:
                        if fields(this):
                            for path in fields(this):
                                found.setdefault(path, set()).update({1, -1})
                        continue
                    try:
                        k = _atom_value(other)
                    except ValueError:
                        for path in fields(this):
                            found.setdefault(path, set()).update({1, -1})
                        continue
                    if fields(this) and k:
                        arith(this, sign if k > 0 else -sign)

    def walk(n: Node, sign: int) -> None:
        if isinstance(n, Not):
            walk(n.item, -sign)
        elif isinstance(n, (And, Or)):
            for item in n.items:
                walk(item, sign)
        elif isinstance(n, Field):
            walk(as_condition(n), sign)
        elif isinstance(n, Compare):
            if n.op in ("<", "<="):
                arith(n.left, -sign)
                arith(n.right, sign)
            elif n.op in (">", ">="):
                arith(n.left, sign)
                arith(n.right, -sign)
            elif n.op in ("==", "!=") and isinstance(n.right, Const) and isinstance(n.right.value, bool) and isinstance(n.left, Field):
                want = n.right.value if n.op == "==" else not n.right.value
                found.setdefault(n.left.path, set()).add(sign if want else -sign)
            else:
                for path in fields(n):
                    found.setdefault(path, set()).update({1, -1})
        elif isinstance(n, Member):
            for path in fields(n):
                found.setdefault(path, set()).update({1, -1})

    walk(node, 1)
    return {path: signs.pop() for path, signs in found.items() if len(signs) == 1}


def value_directions(node: Node) -> dict[str, int]:
    """For each field of an arithmetic value (a computed field: ``teachers * 100 / pupils``), +1 if a larger input
    makes the value larger, -1 if smaller; inputs are taken as non-negative (the schema's counts, areas and sums), so
    a divisor's field lowers the value. A field pulled both ways is left out."""
    found: dict[str, set] = {}

    def walk(n: Node, sign: int) -> None:
        if isinstance(n, Field):
            found.setdefault(n.path, set()).add(sign)
        elif isinstance(n, Arith):
            if n.op in ("+", "*"):
                for side in (n.left, n.right):
                    try:
                        k = _atom_value(side)
                    except ValueError:
                        k = None
                    walk(side, sign if not isinstance(k, (int, float)) or k >= 0 else -sign)
            elif n.op == "-":
                walk(n.left, sign)
                walk(n.right, -sign)
            else:  # "/"
                walk(n.left, sign)
                walk(n.right, -sign)

    walk(node, 1)
    return {path: signs.pop() for path, signs in found.items() if len(signs) == 1}
