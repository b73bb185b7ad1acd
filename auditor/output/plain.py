"""Conditions in plain words: an expression tree of ``auditor.rules.expr`` as a Chinese (or English) sentence.

``size <= 45`` reads 班额不超过45人, ``filed_on <= date("2022-12-31")`` 报送备案日期不晚于2022年12月31日,
``reviewed_by != ""`` 已填写复核人, ``stage in ["primary", "junior"]`` 学段为小学或初中, a true boolean field
the field's own phrase (校门前已安装防冲撞隔离装置). Conditions are joined with "，且"; an "or" inside an
"and" is put in brackets, and an "or" of "and"s is numbered (符合下列情形之一：（1）…；（2）…), so a reader
never has to guess how 且 and 或 group.

The tree is parsed from the verdict's canonical text (``requirement``, ``applies_to``, a reason's
``filter``) with the expression language's own parser, :func:`tree`; findings.json stays self-contained and
what is shown is what was judged. The words (comparisons per kind of value, joiners, brackets) come from the
``words`` section of ``auditor/data/labels.yaml``; field labels, units and values from a *vocabulary*
(:class:`auditor.output.formatter.Formatter`): ``label(path)``, ``kind(path)`` (number, percent, date,
boolean, string), ``value(path, v)``, ``quantity(path, v)`` (a value with its unit), ``date(iso)`` and
``phrase(path, truth)`` (what a boolean field being true or false says, or None).
"""
from __future__ import annotations

from functools import lru_cache

from auditor.rules.expr import And, Arith, Compare, Const, Date, Field, Member, Node, Not, Or, fields, parse

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_SUBJECT = 9  # a sum as the subject of a comparison is bracketed: （在校生数 ÷ 在岗教师数）不超过20


@lru_cache(maxsize=4096)
def tree(text: str) -> Node:
    """The expression tree of a canonical condition (``expr.to_text`` output), parsed once per text."""
    return parse(text)


def _number(node) -> bool:
    return isinstance(node, Const) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)


def _oriented(node: Compare) -> tuple:
    """(left, op, right) with a field on the left where one side is a field and the other is not."""
    left, op, right = node.left, node.op, node.right
    if not isinstance(left, Field) and isinstance(right, Field):
        return right, _FLIP[op], left
    return left, op, right


def simple(node: Node | None) -> tuple[str, str, int | float] | None:
    """(field, op, number) when a condition is one field against a number (``rate >= 0.97``), else None."""
    if not isinstance(node, Compare):
        return None
    left, op, right = _oriented(node)
    if isinstance(left, Field) and _number(right) and op != "!=":
        return left.path, op, right.value
    return None


def _flatten(cls, items) -> list:
    out = []
    for item in items:
        out.extend(_flatten(cls, item.items) if isinstance(item, cls) else [item])
    return out


class Wording:
    """Sentences for conditions, in one language, with the labels and units of a vocabulary."""

    def __init__(self, vocabulary, words: dict):
        self.v = vocabulary
        self.w = words

    def text(self, condition: str | None) -> str:
        """The canonical text of a condition, in words ("" for none)."""
        return self.sentence(tree(condition)) if condition else ""

    def sentence(self, node: Node) -> str:
        if isinstance(node, And):
            return self._and(node.items)
        if isinstance(node, Or):
            return self._or(node.items, top=True)
        return self._part(node)

    # ------------------------------------------------------------------ junctions
    def _part(self, node: Node) -> str:
        """A condition inside a junction: a nested "or" or "and" is bracketed."""
        if isinstance(node, And):
            return self.w["group"].format(text=self._and(node.items))
        if isinstance(node, Or):
            return self.w["group"].format(text=self._or(node.items, top=False))
        if isinstance(node, Not):
            return self._not(node.item)
        if isinstance(node, Compare):
            return self._compare(*_oriented(node))
        if isinstance(node, Member):
            return self._member(node.item, node.choices, node.negated)
        if isinstance(node, Field):
            return self._flag(node.path, True)
        return self._operand(node, None)  # a constant or a sum standing alone

    def _and(self, items) -> str:
        items = _flatten(And, items)
        ranges = self._ranges(items)
        parts = []
        for index, item in enumerate(items):
            if index in ranges:
                if ranges[index] is not None:
                    parts.append(ranges[index])
                continue
            parts.append(self._part(item))
        return self.w["and"].join(parts)

    def _ranges(self, items) -> dict:
        """``x >= a and x <= b`` on the same field reads as one range: index -> text (None: folded into another)."""
        bounds: dict[str, dict] = {}
        for index, item in enumerate(items):
            if isinstance(item, Compare):
                left, op, right = _oriented(item)
                if isinstance(left, Field) and op in (">=", "<=") and (_number(right) or isinstance(right, Date)):
                    bounds.setdefault(left.path, {}).setdefault(op, (index, right))
        out: dict = {}
        for path, found in bounds.items():
            if ">=" in found and "<=" in found:
                (low_at, low), (high_at, high) = found[">="], found["<="]
                first, second = sorted((low_at, high_at))
                out[first] = self.w["range"].format(field=self.v.label(path), low=self._bare(low, path),
                                                    high=self._operand(high, path))
                out[second] = None
        return out

    def _or(self, items, top: bool) -> str:
        items = _flatten(Or, items)
        if top and any(isinstance(item, And) for item in items):
            numbered = [self.w["item"].format(n=n, text=self._and(item.items) if isinstance(item, And) else self._part(item))
                        for n, item in enumerate(items, start=1)]
            return self.w["one_of"] + self.w["item_sep"].join(numbered)
        return self.w["or"].join(self._part(item) for item in items)

    def _not(self, item: Node) -> str:
        if isinstance(item, Not):
            return self._part(item.item)
        if isinstance(item, Field):
            return self._flag(item.path, False)
        if isinstance(item, Compare):
            left, op, right = _oriented(item)
            return self._compare(left, _NEGATE[op], right)
        if isinstance(item, Member):
            return self._member(item.item, item.choices, not item.negated)
        return self.w["not"].format(text=self.sentence(item))

    # ------------------------------------------------------------------ single conditions
    def _flag(self, path: str, truth: bool) -> str:
        phrase = self.v.phrase(path, truth)
        if phrase:
            return phrase
        return self.w["bool_true" if truth else "bool_false"].format(field=self.v.label(path))

    def _compare(self, left: Node, op: str, right: Node) -> str:
        path = left.path if isinstance(left, Field) else None
        kind = self.v.kind(path) if path else self._kind_of(left, right)
        if path and kind == "boolean" and isinstance(right, Const) and isinstance(right.value, bool) and op in ("==", "!="):
            return self._flag(path, right.value == (op == "=="))
        if path and kind == "string" and isinstance(right, Const) and right.value == "" and op in ("==", "!="):
            return self.w["filled" if op == "!=" else "empty"].format(field=self.v.label(path))
        subject = self.v.label(path) if path else self._operand(left, None, _SUBJECT)
        if op in ("==", "!="):
            return self.w["is" if op == "==" else "is_not"].format(field=subject, value=self._operand(right, path))
        family = "date" if kind == "date" or isinstance(right, Date) else "percent" if kind == "percent" else "count"
        return self.w["sentence"].format(left=subject, op=self.w["compare"][family][op], right=self._operand(right, path))

    def _kind_of(self, *nodes) -> str:
        kinds = {self.v.kind(p) for node in nodes for p in fields(node)}
        if any(isinstance(node, Date) for node in nodes) or "date" in kinds:
            return "date"
        return "percent" if "percent" in kinds else "number"

    def _member(self, item: Node, choices: tuple, negated: bool) -> str:
        path = item.path if isinstance(item, Field) else None
        subject = self.v.label(path) if path else self._operand(item, None, _SUBJECT)
        values = [self._operand(c, path) for c in choices]
        if not negated:
            listed = values[0] if len(values) == 1 else self.w["or_list"].join(values[:-1]) + self.w["or"] + values[-1]
            return self.w["in"].format(field=subject, values=listed)
        if len(values) == 1:
            return self.w["not_in_one"].format(field=subject, values=values[0])
        if len(values) == 2:
            return self.w["not_in_two"].format(field=subject, first=values[0], second=values[1])
        return self.w["not_in"].format(field=subject, values=self.w["or_list"].join(values))

    # ------------------------------------------------------------------ values
    def _bare(self, node: Node, path: str | None) -> str:
        """A constant without its unit (the lower end of a range)."""
        if isinstance(node, Date):
            return self.v.date(node.iso)
        return self.v.value(path, node.value)

    def _operand(self, node: Node, path: str | None, parent: int = 0) -> str:
        """A value side of a comparison: a constant with the compared field's unit, a field's label, or a sum."""
        if isinstance(node, Date):
            return self.v.date(node.iso)
        if isinstance(node, Const):
            if isinstance(node.value, bool):
                return self.w["value_true" if node.value else "value_false"]
            return self.v.quantity(path, node.value) if path else self.v.value(None, node.value)
        if isinstance(node, Field):
            return self.v.label(node.path)
        if isinstance(node, Arith):
            own = _PRECEDENCE[node.op]
            if node.op == "-" and _number(node.left) and node.left.value == 0:
                text = "−" + self._operand(node.right, None, 3)
            else:
                text = (self._operand(node.left, None, own) + self.w["arith"][node.op]
                        + self._operand(node.right, None, own + 1))
            return self.w["group"].format(text=text) if own < parent else text
        return self.sentence(node)  # a condition used as a value (true/false): its own words
