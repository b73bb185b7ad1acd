"""Three-valued evaluation of an expression over a record: True, False, a value, or ``MISSING``.

A missing field makes the result ``MISSING`` (unknown), never true or false.
Two back-ends with the same semantics: :func:`evaluate` walks the tree (the
reference), :func:`compile_expr` turns it once into closures (the fast path
judging millions of records). The suite holds the two against each other.
"""
from __future__ import annotations

import operator
from typing import Any

from auditor.rules.expr.nodes import And, Arith, Compare, Const, Date, Field, Member, Node, Not, Or


class _Missing:
    """The unknown value: a field that was not submitted."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:  # never silently truthy or falsy
        raise TypeError("MISSING has no truth value")


MISSING = _Missing()


# --------------------------------------------------------------------------- reference evaluation
def lookup(record: dict, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value or value[part] is None:
            return MISSING
        value = value[part]
    return value


def evaluate(node: Node, record: dict) -> Any:
    """Three-valued evaluation: True, False, a value, or MISSING."""
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Date):
        return node.value
    if isinstance(node, Field):
        return lookup(record, node.path)
    if isinstance(node, Arith):
        left, right = evaluate(node.left, record), evaluate(node.right, record)
        if left is MISSING or right is MISSING:
            return MISSING
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        if right == 0:
            return MISSING  # undefined, never a verdict
        return left / right
    if isinstance(node, Compare):
        left, right = evaluate(node.left, record), evaluate(node.right, record)
        if left is MISSING or right is MISSING:
            return MISSING
        op = node.op
        if op == "==":
            return left == right
        if op == "!=":
            return left != right
        if op == "<":
            return left < right
        if op == "<=":
            return left <= right
        if op == ">":
            return left > right
        return left >= right
    if isinstance(node, Member):
        item = evaluate(node.item, record)
        if item is MISSING:
            return MISSING
        found = any(item == c.value for c in node.choices)  # types were checked statically
        return (not found) if node.negated else found
    if isinstance(node, (And, Or)):
        decisive = isinstance(node, Or)  # the value that settles the result: False for and, True for or
        unknown = False
        for item in node.items:
            value = evaluate(item, record)
            if value is MISSING:
                unknown = True
            elif value is decisive:
                return decisive
        return MISSING if unknown else (not decisive)
    if isinstance(node, Not):
        value = evaluate(node.item, record)
        return MISSING if value is MISSING else (not value)
    raise TypeError(node)  # pragma: no cover


# --------------------------------------------------------------------------- compiled evaluation
# The same three-valued semantics as :func:`evaluate`, but the tree is walked
# once: each node becomes a Python closure (no eval/exec, no generated source),
# so judging a million records does not re-interpret the tree a million times.
# The test suite holds the two against each other (a property test over random expressions).
_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def getter(path: str):
    """A closure ``record -> value or MISSING``, equivalent to ``lookup(record, path)``."""
    parts = path.split(".")
    if len(parts) == 1:
        name = parts[0]

        def get(record):
            value = record.get(name)
            return MISSING if value is None else value
        return get

    def get_path(record):
        value = record
        for part in parts:
            if not isinstance(value, dict):
                return MISSING
            value = value.get(part)
            if value is None:
                return MISSING
        return value
    return get_path


def _arith(op: str, left, right):
    if op == "/":
        def divide(record):
            a = left(record)
            if a is MISSING:
                return MISSING
            b = right(record)
            if b is MISSING or b == 0:
                return MISSING  # undefined, never a verdict
            return a / b
        return divide
    fn = {"+": operator.add, "-": operator.sub, "*": operator.mul}[op]

    def apply(record):
        a = left(record)
        if a is MISSING:
            return MISSING
        b = right(record)
        if b is MISSING:
            return MISSING
        return fn(a, b)
    return apply


def compile_expr(node: Node):
    """A closure ``record -> True/False/value/MISSING`` with the semantics of :func:`evaluate`."""
    if isinstance(node, (Const, Date)):
        value = node.value
        return lambda record: value
    if isinstance(node, Field):
        return getter(node.path)
    if isinstance(node, Arith):
        return _arith(node.op, compile_expr(node.left), compile_expr(node.right))
    if isinstance(node, Compare):
        fn = _COMPARE[node.op]
        left = compile_expr(node.left)
        if isinstance(node.right, (Const, Date)):
            constant = node.right.value
            if isinstance(node.left, Field) and "." not in node.left.path:
                name = node.left.path  # the commonest test, ``size <= 55``: one call per record

                def compare_field(record):
                    a = record.get(name)
                    return MISSING if a is None else fn(a, constant)
                return compare_field

            def compare_const(record):
                a = left(record)
                return MISSING if a is MISSING else fn(a, constant)
            return compare_const
        right = compile_expr(node.right)

        def compare(record):
            a = left(record)
            if a is MISSING:
                return MISSING
            b = right(record)
            return MISSING if b is MISSING else fn(a, b)
        return compare
    if isinstance(node, Member):
        item = compile_expr(node.item)
        choices = tuple(c.value for c in node.choices)
        negated = node.negated

        def member(record):
            value = item(record)
            if value is MISSING:
                return MISSING
            found = any(value == c for c in choices)
            return (not found) if negated else found
        return member
    if isinstance(node, (And, Or)):
        items = tuple(compile_expr(i) for i in node.items)
        decisive = isinstance(node, Or)  # the value that settles the result: False for and, True for or

        def junction(record):
            unknown = False
            for item in items:
                value = item(record)
                if value is MISSING:
                    unknown = True
                elif value is decisive:
                    return decisive
            return MISSING if unknown else (not decisive)
        return junction
    if isinstance(node, Not):
        inner = compile_expr(node.item)

        def negate(record):
            value = inner(record)
            return MISSING if value is MISSING else (not value)
        return negate
    raise TypeError(node)  # pragma: no cover


