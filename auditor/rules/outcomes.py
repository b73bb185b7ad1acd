"""Engine rules for every outcome the reference evaluator judges: fail, not applicable and missing.

The reference evaluator (``evaluate/reference.py``) judges a record in three-valued logic: its filter is
true, false or unknown (a field it reads is absent), and so is its requirement. The engine is asked the
same questions with rules of its own, so that the two evaluators are independent and every outcome set
can be reconciled, not only the failures:

==================  ===============================================================================
outcome             durable_rules condition (``T``: holds, ``F``: fails, ``U``: cannot be told)
==================  ===============================================================================
``fail``            the requirement's fields all present and non-zero divisors, ``T(where)``, ``F(require)``
``not_applicable``  ``F(where)`` (a check without a filter has no such rule)
``missing``         ``U(where)``, or ``T(where)`` and a field the requirement reads is absent (``$nex``),
                    or ``T(where)``, every field present and ``U(require)`` (a decisive division by zero)
==================  ===============================================================================

Every other record the engine holds passes. ``T`` and ``F`` of a comparison are the lowering's own
(``expr.to_engine``): an absent field never matches a durable_rules test, so a condition lowered for
"holds" matches exactly when it is known to hold, and lowered negated exactly when it is known to fail.
``U`` has no durable_rules operator: it is built here in disjunctive normal form over the filter's atoms
(each comparison or membership test is true, false or unknown, Kleene's logic says which combinations
make the filter unknown), contradictory and absorbed terms dropped, an unknown atom written as
``$nex`` of its fields — which durable_rules honours only beside a positive test, so every term starts
with the record kind (``_kind == K``). ``tests/evaluate/test_outcomes.py`` holds these conditions to
the reference on every assignment of the atoms.

A division by a field that is zero is undefined (the reference says ``missing``); durable_rules would
divide integers by zero in C and kill the process (SIGFPE), so every comparison that divides by a field
is guarded by ``field != 0`` before the division, and dividing by anything but a field or a non-zero
number is refused (P-ENGINE) when the policies load (:func:`divisors`).

durable_rules lets one fact have at most 64 matching tests pending in a ruleset (error 303): every term
of a disjunction can push its join once, so :func:`alternatives` counts the terms and the compiler keeps
each ruleset under its limit by that count. A rule holds at most 15 ``$and``/``$or`` (error 113: two entries
each in a sequence of 31): a ``missing`` condition with more is :func:`split` into several rules.
"""
from __future__ import annotations

from functools import lru_cache
from itertools import product

from auditor.rules import expr
from auditor.rules.expr import And, Arith, Compare, Const, Field, Member, Node, Not, Or

FAIL, NA, MISSING = "fail", "not_applicable", "missing"
OUTCOMES = (FAIL, NA, MISSING)
T, F, U = "T", "F", "U"  # an atom holds, fails, cannot be told


# --------------------------------------------------------------------------- divisions
def divisors(node: Node) -> set[str]:
    """The fields ``node`` divides by. Raises ``ExprError`` (P-ENGINE) for a divisor that is neither a field
    nor a non-zero number: the engine could not be kept from dividing by zero."""
    out: set[str] = set()
    if isinstance(node, Arith) and node.op == "/":
        divisor = expr.fold(node.right)
        if isinstance(divisor, Field):
            out.add(divisor.path)
        elif not isinstance(divisor, Const) or divisor.value == 0:
            raise expr.ExprError("divide by a single field or by a number other than zero (durable_rules cannot be "
                                 "kept from dividing by zero otherwise)", getattr(node, "offset", 0), "P-ENGINE")
    for child in expr.children(node):
        out |= divisors(child)
    return out


def _nonzero(paths) -> list[dict]:
    return [{"$neq": {path: 0}} for path in sorted(paths)]


# --------------------------------------------------------------------------- atoms: T, F and U of one test
def _atoms(node: Node) -> bool:
    return not isinstance(node, (And, Or, Not))


def _literal(atom: Node, state: str) -> dict:
    """The durable_rules condition for one atom being known true, known false, or unknown."""
    guard = _nonzero(divisors(atom))
    if state == U:
        parts = [{"$nex": {path: 1}} for path in sorted(expr.fields(atom))]
        parts += [{path: 0} for path in sorted(divisors(atom))]
        return parts[0] if len(parts) == 1 else {"$or": parts}
    test = expr.to_engine(atom, negate=state == F)
    return {"$and": guard + [test]} if guard else test


# --------------------------------------------------------------------------- three-valued DNF
# A term is a frozenset of (atom, state); a DNF is a set of terms. Terms that give one atom two states
# cannot hold and are dropped; a term that contains another is absorbed by it.
def _possible(term: frozenset) -> bool:
    """False when a term cannot hold: an atom in two states, or a field both absent (the only field of an
    unknown atom) and read by an atom known true or false."""
    atoms = [atom for atom, _ in term]
    if len(atoms) != len(set(atoms)):
        return False
    absent = set()
    for atom, state in term:
        if state == U and not divisors(atom):
            paths = expr.fields(atom)
            if len(paths) == 1:
                absent |= paths
    return not any(state != U and expr.fields(atom) & absent for atom, state in term)


def _merge(dnfs) -> set:
    out = set()
    for terms in product(*dnfs):
        term = frozenset().union(*terms)
        if _possible(term):
            out.add(term)
    return _absorb(out)


def _absorb(terms: set) -> set:
    ordered = sorted(terms, key=len)
    kept: list = []
    for term in ordered:
        if not any(k <= term for k in kept):
            kept.append(term)
    return set(kept)


def dnf(node: Node, state: str) -> set:
    """The combinations of atom states under which ``node`` is ``state`` (T, F or U), Kleene's logic."""
    if isinstance(node, Not):
        return dnf(node.item, {T: F, F: T, U: U}[state])
    if isinstance(node, (And, Or)):
        items = node.items
        # the value that settles a junction: false for "and", true for "or"
        decisive, other = (F, T) if isinstance(node, And) else (T, F)
        if state == decisive:
            return _absorb(set().union(*(dnf(i, decisive) for i in items)))
        if state == other:
            return _merge([dnf(i, other) for i in items])
        # unknown: no item decisive, at least one unknown
        out = set()
        for index, item in enumerate(items):
            rest = [dnf(j, other) | dnf(j, U) for k, j in enumerate(items) if k != index]
            out |= _merge([dnf(item, U), *rest])
        return _absorb(out)
    return {frozenset({(_canonical(expr.to_text(expr.as_condition(node))), state)})}


@lru_cache(maxsize=4096)
def _canonical(text: str) -> Node:
    """One atom per text: the same test written twice (at other offsets) is the same atom."""
    return expr.as_condition(expr.parse(text))


def _terms(terms: set) -> list[dict]:
    """A DNF's terms as durable_rules conditions, in a stable order."""
    parts = []
    for term in sorted(terms, key=lambda t: sorted((expr.to_text(a), s) for a, s in t)):
        parts.append(junction("$and", [_literal(atom, state) for atom, state in
                                       sorted(term, key=lambda x: (expr.to_text(x[0]), x[1]))]))
    return parts


def flat(condition):
    """``condition`` with every nested junction spliced into an enclosing one of the same operator."""
    if isinstance(condition, dict) and len(condition) == 1:
        (operator, items), = condition.items()
        if operator in ("$and", "$or"):
            return junction(operator, [flat(item) for item in items])
    return condition


def junction(operator: str, items: list) -> dict:
    """``{"$and": items}`` or ``{"$or": items}`` flattened (a nested junction of the same operator is spliced
    in) and without repeated items; a single item stands alone."""
    flat: list = []
    for item in items:
        for part in (item[operator] if isinstance(item, dict) and list(item) == [operator] else [item]):
            if part not in flat:
                flat.append(part)
    return flat[0] if len(flat) == 1 else {operator: flat}


def holds(node: Node) -> dict:
    """Known true: each comparison lowered as ``expr.to_engine`` lowers it, guarded against its own divisors."""
    return _lowered(node, negate=False)


def fails(node: Node) -> dict:
    """Known false (De Morgan down to the comparisons, each lowered negated)."""
    return _lowered(node, negate=True)


def _lowered(node: Node, negate: bool) -> dict:
    if isinstance(node, Not):
        return _lowered(node.item, not negate)
    if isinstance(node, (And, Or)):
        is_and = isinstance(node, And) != negate
        return junction("$and" if is_and else "$or", [_lowered(item, negate) for item in node.items])
    return flat(_literal(expr.as_condition(node), F if negate else T))


def unknown(node: Node) -> list[dict]:
    """Cannot be told (a field it reads is absent, or it divides by zero): the alternatives, [] when it always can."""
    return _terms(dnf(node, U))


# --------------------------------------------------------------------------- one rule's outcomes
def conditions(kind: str, kind_field: str, where: Node | None, require: Node) -> dict[str, dict]:
    """{outcome: durable_rules condition} for the records of ``kind`` judged by ``where`` and ``require``."""
    is_kind = {kind_field: kind}
    required = sorted(expr.fields(require))
    present = [{"$ex": {path: 1}} for path in required]
    applies = [holds(where)] if where is not None else []
    out = {FAIL: junction("$and", [is_kind, *present, *applies, fails(require)])}
    if where is not None:
        out[NA] = junction("$and", [is_kind, fails(where)])
    # one alternative per way the record cannot be judged (each its own path, so that a long list can be split)
    missing = unknown(where) if where is not None else []
    missing += [junction("$and", [*applies, {"$nex": {path: 1}}]) for path in required]
    if divisors(require):  # every field present, and still undefined: a division by zero that decides it
        missing += [junction("$and", [*applies, *present, term]) for term in unknown(require)]
    if missing:
        out[MISSING] = junction("$and", [is_kind, junction("$or", missing)])
    # nested junctions spliced; the order of every $and is kept, so a division's guard stays before it
    return {outcome: flat(condition) for outcome, condition in out.items()}


def junctions(condition) -> int:
    """The $and/$or a condition holds: durable_rules writes two entries per junction into a rule's sequence of
    at most 31 (error 113 beyond)."""
    if isinstance(condition, dict):
        own = 1 if list(condition) in (["$and"], ["$or"]) else 0
        return own + sum(junctions(v) for v in condition.values())
    if isinstance(condition, list):
        return sum(junctions(v) for v in condition)
    return 0


MAX_JUNCTIONS = 15


def split(condition: dict) -> list[dict]:
    """``condition`` as one or more rules within durable_rules' junction limit: ``kind and (a or b or ...)`` with
    too many junctions becomes ``kind and (a or b)``, ``kind and (c or ...)``, ... (the same records between them).
    A condition that cannot be split is returned whole (``auditor check`` reports it, P-ENGINE)."""
    if junctions(condition) <= MAX_JUNCTIONS or list(condition) != ["$and"] or len(condition["$and"]) != 2 \
            or not (isinstance(condition["$and"][1], dict) and list(condition["$and"][1]) == ["$or"]):
        return [condition]
    kind, alternatives_ = condition["$and"][0], condition["$and"][1]["$or"]
    out: list[list] = [[]]
    used = 2  # the rule's own $and and $or
    for part in alternatives_:
        weight = junctions(part)
        if out[-1] and used + weight > MAX_JUNCTIONS:
            out.append([])
            used = 2
        out[-1].append(part)
        used += weight
    return [junction("$and", [kind, junction("$or", parts)]) for parts in out]


def alternatives(condition) -> int:
    """How many paths a condition becomes in durable_rules' network (the terms of its disjunctive normal form)."""
    if isinstance(condition, dict):
        if "$and" in condition and len(condition) == 1:
            count = 1
            for part in condition["$and"]:
                count *= alternatives(part)
            return count
        if "$or" in condition and len(condition) == 1:
            return sum(alternatives(part) for part in condition["$or"])
    return 1
