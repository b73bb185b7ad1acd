"""Lowering to durable_rules: an expression becomes a condition dict built only from operators we verified work.

durable_rules compares one field with a value or an expression over other
fields, and cannot compute constant arithmetic; so constants are folded
(:func:`fold`) and each comparison is rearranged until its left side is a
single field (:func:`isolate`). What cannot be rearranged is refused with
P-ENGINE. The durable_rules quirks behind these limits are provoked by
``tests/test_engine.py``.
"""
from __future__ import annotations

from typing import Any

from auditor.rules.expr.evaluation import MISSING, evaluate
from auditor.rules.expr.nodes import And, Arith, Compare, Const, Date, ExprError, Field, Member, Node, Not, Or, as_condition, fields
from auditor.rules.expr.syntax import to_text
from auditor.texts import msg

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
# the comparison that holds exactly when the given one does not
NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_ENGINE_OP = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
_ENGINE_ARITH = {"+": "$add", "-": "$sub", "*": "$mul", "/": "$div"}


def fold(node: Node) -> Node:
    """Constant folding: durable_rules cannot compute constant-only arithmetic."""
    if isinstance(node, Arith):
        left, right = fold(node.left), fold(node.right)
        if isinstance(left, Const) and isinstance(right, Const):
            value = evaluate(Arith(node.op, left, right), {})
            if value is MISSING:
                raise ExprError(msg("expr.division-by-zero"), node.offset)
            return Const(value, node.offset)
        return Arith(node.op, left, right, node.offset)
    return node


def _has_field(node: Node) -> bool:
    return bool(fields(node))


def isolate(left: Node, op: str, right: Node) -> tuple[Field, str, Node]:
    """Rewrite ``left op right`` so that the left side is a single field."""
    left, right = fold(left), fold(right)
    if isinstance(left, Field):
        return left, op, right
    if isinstance(right, Field) and not isinstance(left, Field):
        return right, _FLIP[op], left
    if not _has_field(left):
        left, right, op = right, left, _FLIP[op]
    if isinstance(left, Arith):
        a, b = left.left, left.right
        if left.op == "+":
            if _has_field(a):
                return isolate(a, op, Arith("-", right, b))
            return isolate(b, op, Arith("-", right, a))
        if left.op == "-":
            if _has_field(a):
                return isolate(a, op, Arith("+", right, b))
            return isolate(b, _FLIP[op], Arith("-", a, right))
        if left.op in ("*", "/"):
            k, x = (b, a) if _has_field(a) else (a, b)
            if left.op == "/" and k is a:
                raise ExprError(msg("engine.field-divisor"), left.offset, "P-ENGINE")
            k = fold(k)
            if not isinstance(k, Const) or k.value == 0:
                raise ExprError(msg("engine.one-field", example=msg("engine.one-field-example")), left.offset, "P-ENGINE")
            flip = k.value < 0
            inverse = "/" if left.op == "*" else "*"
            new_op = _FLIP[op] if flip else op
            return isolate(x, new_op, Arith(inverse, right, k))
    raise ExprError(msg("engine.one-field", example=""), getattr(left, "offset", 0), "P-ENGINE")


def _engine_value(node: Node) -> Any:
    node = fold(node)
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Date):
        return node.value
    if isinstance(node, Field):
        return {"$m": node.path}
    if isinstance(node, Arith):
        left, right = _engine_value(node.left), _engine_value(node.right)
        if node.op == "/":  # durable_rules divides two integers as C does (7 / 2 == 3): make it divide floats
            if isinstance(right, int) and not isinstance(right, bool):
                right = float(right)
            elif not isinstance(left, float) and not isinstance(right, float):
                left = {"$mul": {"$l": 1.0, "$r": left}}
        return {_ENGINE_ARITH[node.op]: {"$l": left, "$r": right}}
    raise ExprError(msg("engine.not-a-value", text=to_text(node)), getattr(node, "offset", 0), "P-ENGINE")


def to_engine(node: Node, negate: bool = False) -> dict:
    """A durable_rules condition for ``node`` (or for ``not node``)."""
    if isinstance(node, Not):
        return to_engine(node.item, not negate)
    if isinstance(node, (And, Or)):
        is_and = isinstance(node, And) != negate  # De Morgan
        parts = [to_engine(item, negate) for item in node.items]
        return {"$and" if is_and else "$or": parts}
    if isinstance(node, Member):
        excluded = node.negated != negate
        parts = [to_engine(Compare("!=" if excluded else "==", node.item, c, node.offset)) for c in node.choices]
        if len(parts) == 1:
            return parts[0]
        return {"$and" if excluded else "$or": parts}
    if isinstance(node, Compare):
        op = NEGATE[node.op] if negate else node.op
        field, op, right = isolate(node.left, op, node.right)
        value = _engine_value(right)
        test = {field.path: value} if op == "==" else {_ENGINE_OP[op]: {field.path: value}}
        # An absent left-hand field never matches; an absent field on the right-hand side
        # is computed with as if it had a value, so it is guarded here.
        guards = [{"$ex": {path: 1}} for path in sorted(fields(right))]
        return {"$and": guards + [test]} if guards else test
    if isinstance(node, Field):
        return to_engine(as_condition(node), negate)
    if isinstance(node, Const) and isinstance(node.value, bool):
        raise ExprError(msg("engine.constant-condition"), node.offset, "P-ENGINE")
    raise ExprError(msg("expr.not-a-condition", text=to_text(node)), getattr(node, "offset", 0), "P-TYPE")
