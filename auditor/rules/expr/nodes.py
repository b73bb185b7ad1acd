"""The expression tree: its node classes, the error every stage raises, and walks over the tree.

Nodes are frozen dataclasses and carry ``offset``, the character position in
the policy text where they start, so a later stage can point at them.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass
from typing import Any, Callable, Union

from auditor.texts import Msg, render


class ExprError(Exception):
    """A problem with an expression, as data.

    ``code`` is the stable code (P-EXPR, P-FIELD, P-TYPE, P-ENGINE), ``text`` the
    sentence for the policy author (a message id with its parameters, worded per
    language at print time; ``message`` is its English wording), ``position`` the character offset in the
    expression's text, and ``field`` the field path an unknown-field problem
    (P-FIELD) is about.
    """

    def __init__(self, message: Msg | str, position: int = 0, code: str = "P-EXPR", field: str | None = None):
        self.text = message
        self.message = render(message, "en")
        super().__init__(self.message)
        self.position = position
        self.code = code
        self.field = field


@dataclass(frozen=True)
class Const:
    value: Any  # int, float, str, bool; dates are held as Date
    offset: int = 0


@dataclass(frozen=True)
class Date:
    """A date literal; evaluates to its proleptic ordinal (days)."""

    iso: str
    offset: int = 0

    @property
    def value(self) -> int:
        return _dt.date.fromisoformat(self.iso).toordinal()


@dataclass(frozen=True)
class Field:
    path: str
    offset: int = 0


@dataclass(frozen=True)
class Arith:
    op: str  # + - * /
    left: "Node"
    right: "Node"
    offset: int = 0


@dataclass(frozen=True)
class Compare:
    op: str  # == != < <= > >=
    left: "Node"
    right: "Node"
    offset: int = 0


@dataclass(frozen=True)
class Member:
    item: "Node"
    choices: tuple  # of Const/Date
    negated: bool = False
    offset: int = 0


@dataclass(frozen=True)
class And:
    items: tuple
    offset: int = 0


@dataclass(frozen=True)
class Or:
    items: tuple
    offset: int = 0


@dataclass(frozen=True)
class Not:
    item: "Node"
    offset: int = 0


Node = Union[Const, Date, Field, Arith, Compare, Member, And, Or, Not]


# --------------------------------------------------------------------------- walks
def children(node: Node) -> tuple:
    """The sub-expressions of a node (a membership test's choices are literals, not sub-expressions)."""
    if isinstance(node, (Arith, Compare)):
        return (node.left, node.right)
    if isinstance(node, (Member, Not)):
        return (node.item,)
    if isinstance(node, (And, Or)):
        return node.items
    return ()


def rebuild(node: Node, change: Callable[[Node], Node]) -> Node:
    """The same node with ``change`` applied to each of its :func:`children`."""
    if isinstance(node, (Arith, Compare)):
        return dataclasses.replace(node, left=change(node.left), right=change(node.right))
    if isinstance(node, (Member, Not)):
        return dataclasses.replace(node, item=change(node.item))
    if isinstance(node, (And, Or)):
        return dataclasses.replace(node, items=tuple(change(i) for i in node.items))
    return node


def fields(node: Node) -> set[str]:
    """Every field path the expression reads."""
    if isinstance(node, Field):
        return {node.path}
    out: set[str] = set()
    for child in children(node):
        out |= fields(child)
    return out


def substitute(node: Node, params: dict) -> Node:
    """Replace names that are schedule parameters by their values."""
    if isinstance(node, Field) and node.path in params:
        value = params[node.path]
        if isinstance(value, _dt.date):
            return Date(value.isoformat(), node.offset)
        return Const(value, node.offset)
    return rebuild(node, lambda child: substitute(child, params))


def as_condition(node: Node) -> Node:
    """A bare field in a boolean position means ``field == true``."""
    if isinstance(node, Field):
        return Compare("==", node, Const(True, node.offset), node.offset)
    if isinstance(node, (And, Or, Not)):
        return rebuild(node, as_condition)
    return node
