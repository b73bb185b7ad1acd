"""The safe expression language of ``where:``, ``require:`` and ``that:``.

Grammar (lowest precedence first)::

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (("=="|"!="|"<"|"<="|">"|">=") sum | ["not"] "in" list)?
    sum     := product (("+"|"-") product)*
    product := unary (("*"|"/") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER | STRING | "true" | "false" | date("YYYY-MM-DD")
             | NAME ("." NAME)* | "(" expr ")"
    list    := "[" [atom ("," atom)*] "]"

A NAME is a field of the record (``size``, ``school.rural``) or, inside a
check with a schedule, one of the schedule's parameters. Nothing is ever
passed to ``eval``: text is tokenised and parsed by hand into the node
classes below, which three back-ends walk:

* :func:`evaluate` — the reference evaluator, three-valued: a missing field
  makes the result ``MISSING`` (unknown), never true or false;
* :func:`to_engine` — durable_rules condition dicts, built only from the
  operators we verified work (see ``engine.py``);
* :func:`infer_type` — static types for ``auditor check``.
"""
from __future__ import annotations

import datetime as _dt
import operator
import re
from dataclasses import dataclass
from typing import Any, Union

from auditor.dates import real_date


class ExprError(Exception):
    def __init__(self, message: str, offset: int = 0, code: str = "P-EXPR"):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.code = code


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


# --------------------------------------------------------------------------- nodes
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

# --------------------------------------------------------------------------- tokens
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|\[|\]|,)
    """,
    re.VERBOSE,
)
KEYWORDS = {"and", "or", "not", "in", "true", "false", "date"}


@dataclass
class _Tok:
    kind: str
    text: str
    offset: int


def tokenize(text: str) -> list[_Tok]:
    tokens = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            ch = text[pos]
            hint = ""
            if ch in "=":
                hint = '; use "==" to compare'
            elif ch in "&|":
                hint = '; use "and" / "or"'
            elif ch == "!":
                hint = '; use "not" or "!="'
            elif ch in "（）＜＞＝，":
                hint = "; use ASCII (half-width) operators and parentheses"
            raise ExprError(f"unexpected character {ch!r}{hint}", pos)
        kind = m.lastgroup
        if kind != "ws":
            tokens.append(_Tok(kind, m.group(), pos))
        pos = m.end()
    tokens.append(_Tok("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> _Tok:
        return self.tokens[self.i]

    def take(self) -> _Tok:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, *texts: str) -> bool:
        return self.tok.kind in ("op", "name") and self.tok.text in texts

    def expect(self, text: str) -> _Tok:
        if not self.at(text):
            found = self.tok.text or "end of expression"
            raise ExprError(f'expected "{text}" but found "{found}"', self.tok.offset)
        return self.take()

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ExprError("the expression is empty", 0)
        node = self.or_()
        if self.tok.kind != "end":
            raise ExprError(f'unexpected "{self.tok.text}" after a complete expression', self.tok.offset)
        return node

    def or_(self) -> Node:
        start = self.tok.offset
        items = [self.and_()]
        while self.at("or"):
            self.take()
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(items), start)

    def and_(self) -> Node:
        start = self.tok.offset
        items = [self.not_()]
        while self.at("and"):
            self.take()
            items.append(self.not_())
        return items[0] if len(items) == 1 else And(tuple(items), start)

    def not_(self) -> Node:
        if self.at("not"):
            tok = self.take()
            return Not(self.not_(), tok.offset)
        return self.compare()

    def compare(self) -> Node:
        left = self.sum()
        if self.tok.kind == "op" and self.tok.text in ("==", "!=", "<", "<=", ">", ">="):
            tok = self.take()
            right = self.sum()
            if self.tok.kind == "op" and self.tok.text in ("==", "!=", "<", "<=", ">", ">="):
                raise ExprError('comparisons cannot be chained; join them with "and"', self.tok.offset)
            return Compare(tok.text, left, right, tok.offset)
        negated = False
        if self.at("not") and self.tokens[self.i + 1].text == "in":
            self.take()
            negated = True
        if self.at("in"):
            tok = self.take()
            return Member(left, self.list_(), negated, tok.offset)
        return left

    def list_(self) -> tuple:
        self.expect("[")
        items = []
        if not self.at("]"):
            items.append(self.literal())
            while self.at(","):
                self.take()
                items.append(self.literal())
        self.expect("]")
        if not items:
            raise ExprError("an empty list can never contain anything", self.tok.offset)
        return tuple(items)

    def literal(self) -> Node:
        start = self.tok.offset
        node = self.unary()
        if not isinstance(node, (Const, Date)):
            raise ExprError("list items must be literal values (numbers, text, true/false, dates)", start)
        return node

    def sum(self) -> Node:
        node = self.product()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            tok = self.take()
            node = Arith(tok.text, node, self.product(), tok.offset)
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            tok = self.take()
            node = Arith(tok.text, node, self.unary(), tok.offset)
        return node

    def unary(self) -> Node:
        if self.tok.kind == "op" and self.tok.text == "-":
            tok = self.take()
            operand = self.unary()
            if isinstance(operand, Const) and isinstance(operand.value, (int, float)) and not isinstance(operand.value, bool):
                return Const(-operand.value, tok.offset)
            return Arith("-", Const(0, tok.offset), operand, tok.offset)
        return self.atom()

    def atom(self) -> Node:
        tok = self.tok
        if tok.kind == "num":
            self.take()
            value = float(tok.text) if any(c in tok.text for c in ".eE") else int(tok.text)
            return Const(value, tok.offset)
        if tok.kind == "str":
            self.take()
            body = tok.text[1:-1]
            body = re.sub(r"\\(.)", r"\1", body)
            return Const(body, tok.offset)
        if tok.kind == "op" and tok.text == "(":
            self.take()
            node = self.or_()
            self.expect(")")
            return node
        if tok.kind == "name":
            self.take()
            if tok.text == "true":
                return Const(True, tok.offset)
            if tok.text == "false":
                return Const(False, tok.offset)
            if tok.text == "date":
                self.expect("(")
                arg = self.tok
                if arg.kind != "str":
                    raise ExprError('date() takes a quoted "YYYY-MM-DD"', arg.offset)
                self.take()
                self.expect(")")
                iso = arg.text[1:-1]
                if real_date(iso) is None:
                    raise ExprError(f'"{iso}" is not a real date in YYYY-MM-DD form', arg.offset)
                return Date(iso, tok.offset)
            head = tok.text.split(".")[0]
            if head in KEYWORDS or any(part in KEYWORDS for part in tok.text.split(".")):
                raise ExprError(f'"{tok.text}" is a keyword, not a value', tok.offset)
            return Field(tok.text, tok.offset)
        found = tok.text or "end of expression"
        raise ExprError(f'expected a value but found "{found}"', tok.offset)


MAX_NESTING = 32  # later stages recurse over the tree: bound it here


def _depth(node) -> int:
    """The tree's depth, without recursion."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        for value in vars(item).values() if hasattr(item, "__dataclass_fields__") else ():
            for child in value if isinstance(value, tuple) else (value,):
                if hasattr(child, "__dataclass_fields__"):
                    stack.append((child, depth + 1))
    return deepest


def parse(text: str) -> Node:
    if not isinstance(text, str):
        raise ExprError("an expression must be text")
    too_deep = ExprError(f"the expression is nested more than {MAX_NESTING} levels deep; split it or simplify it")
    try:
        node = _Parser(text).parse()
    except RecursionError:
        raise too_deep from None
    if _depth(node) > MAX_NESTING:
        raise too_deep
    return node


# --------------------------------------------------------------------------- helpers
def fields(node: Node) -> set[str]:
    """Every field path the expression reads."""
    if isinstance(node, Field):
        return {node.path}
    if isinstance(node, (Arith, Compare)):
        return fields(node.left) | fields(node.right)
    if isinstance(node, Member):
        return fields(node.item)
    if isinstance(node, (And, Or)):
        out: set[str] = set()
        for item in node.items:
            out |= fields(item)
        return out
    if isinstance(node, Not):
        return fields(node.item)
    return set()


def substitute(node: Node, params: dict) -> Node:
    """Replace names that are schedule parameters by their values."""
    if isinstance(node, Field) and node.path in params:
        value = params[node.path]
        if isinstance(value, _dt.date):
            return Date(value.isoformat(), node.offset)
        return Const(value, node.offset)
    if isinstance(node, Arith):
        return Arith(node.op, substitute(node.left, params), substitute(node.right, params), node.offset)
    if isinstance(node, Compare):
        return Compare(node.op, substitute(node.left, params), substitute(node.right, params), node.offset)
    if isinstance(node, Member):
        return Member(substitute(node.item, params), node.choices, node.negated, node.offset)
    if isinstance(node, And):
        return And(tuple(substitute(i, params) for i in node.items), node.offset)
    if isinstance(node, Or):
        return Or(tuple(substitute(i, params) for i in node.items), node.offset)
    if isinstance(node, Not):
        return Not(substitute(node.item, params), node.offset)
    return node


def as_condition(node: Node) -> Node:
    """A bare field in a boolean position means ``field == true``."""
    if isinstance(node, Field):
        return Compare("==", node, Const(True, node.offset), node.offset)
    if isinstance(node, And):
        return And(tuple(as_condition(i) for i in node.items), node.offset)
    if isinstance(node, Or):
        return Or(tuple(as_condition(i) for i in node.items), node.offset)
    if isinstance(node, Not):
        return Not(as_condition(node.item), node.offset)
    return node


def _lit(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "atom": 9}


def to_text(node: Node, parent: int = 0) -> str:
    """Canonical text of an expression (used in evidence and messages)."""
    if isinstance(node, Const):
        text, prec = _lit(node.value), _PREC["atom"]
    elif isinstance(node, Date):
        text, prec = f'date("{node.iso}")', _PREC["atom"]
    elif isinstance(node, Field):
        text, prec = node.path, _PREC["atom"]
    elif isinstance(node, Arith):
        prec = _PREC[node.op]
        if node.op == "-" and node.left == Const(0, node.left.offset) and isinstance(node.left, Const):
            text = "-" + to_text(node.right, 8)
        else:
            text = f"{to_text(node.left, prec)} {node.op} {to_text(node.right, prec + 1)}"
    elif isinstance(node, Compare):
        prec = _PREC["cmp"]
        text = f"{to_text(node.left, prec + 1)} {node.op} {to_text(node.right, prec + 1)}"
    elif isinstance(node, Member):
        prec = _PREC["cmp"]
        items = ", ".join(to_text(c) for c in node.choices)
        text = f"{to_text(node.item, prec + 1)} {'not in' if node.negated else 'in'} [{items}]"
    elif isinstance(node, And):
        prec = _PREC["and"]
        text = " and ".join(to_text(i, prec + 1) for i in node.items)
    elif isinstance(node, Or):
        prec = _PREC["or"]
        text = " or ".join(to_text(i, prec + 1) for i in node.items)
    elif isinstance(node, Not):
        prec = _PREC["not"]
        text = "not " + to_text(node.item, prec)
    else:  # pragma: no cover - exhaustive
        raise TypeError(node)
    return f"({text})" if prec < parent else text


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
    if isinstance(node, And):
        unknown = False
        for item in node.items:
            value = evaluate(item, record)
            if value is MISSING:
                unknown = True
            elif value is False:
                return False
        return MISSING if unknown else True
    if isinstance(node, Or):
        unknown = False
        for item in node.items:
            value = evaluate(item, record)
            if value is MISSING:
                unknown = True
            elif value is True:
                return True
        return MISSING if unknown else False
    if isinstance(node, Not):
        value = evaluate(node.item, record)
        return MISSING if value is MISSING else (not value)
    raise TypeError(node)  # pragma: no cover


# --------------------------------------------------------------------------- compiled evaluation
# The same three-valued semantics as :func:`evaluate`, but the tree is walked
# once: each node becomes a Python closure (no eval/exec, no generated source),
# so judging a million records does not re-interpret the tree a million times.
# ``tests/test_perf.py`` holds the two against each other.
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


# --------------------------------------------------------------------------- static types
NUMBER, STRING, BOOL, DATE = "number", "string", "boolean", "date"


def infer_type(node: Node, field_types: dict[str, str]) -> str:
    """The type of an expression, or ExprError(code P-TYPE/P-FIELD)."""
    if isinstance(node, Const):
        v = node.value
        return BOOL if isinstance(v, bool) else STRING if isinstance(v, str) else NUMBER
    if isinstance(node, Date):
        return DATE
    if isinstance(node, Field):
        if node.path not in field_types:
            raise ExprError(f'unknown field "{node.path}"', node.offset, "P-FIELD")
        return field_types[node.path]
    if isinstance(node, Arith):
        lt, rt = infer_type(node.left, field_types), infer_type(node.right, field_types)
        if lt != NUMBER or rt != NUMBER:
            raise ExprError(f'"{node.op}" needs numbers on both sides, not {lt} and {rt}', node.offset, "P-TYPE")
        return NUMBER
    if isinstance(node, Compare):
        lt, rt = infer_type(node.left, field_types), infer_type(node.right, field_types)
        if lt != rt:
            raise ExprError(f'cannot compare {lt} with {rt} ("{to_text(node)}")', node.offset, "P-TYPE")
        if node.op not in ("==", "!=") and lt not in (NUMBER, DATE):
            raise ExprError(f'"{node.op}" orders numbers and dates only, not {lt}', node.offset, "P-TYPE")
        return BOOL
    if isinstance(node, Member):
        it = infer_type(node.item, field_types)
        for choice in node.choices:
            ct = infer_type(choice, field_types)
            if ct != it:
                raise ExprError(f'list item {to_text(choice)} is {ct} but the value tested is {it}', choice.offset, "P-TYPE")
        return BOOL
    if isinstance(node, (And, Or)):
        for item in node.items:
            t = infer_type(item, field_types)
            if t != BOOL:
                raise ExprError(f'"and"/"or" join conditions, but "{to_text(item)}" is {t}', item.offset, "P-TYPE")
        return BOOL
    if isinstance(node, Not):
        t = infer_type(node.item, field_types)
        if t != BOOL:
            raise ExprError(f'"not" needs a condition, but "{to_text(node.item)}" is {t}', node.offset, "P-TYPE")
        return BOOL
    raise TypeError(node)  # pragma: no cover


# --------------------------------------------------------------------------- durable_rules compilation
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_ENGINE_OP = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
_ENGINE_ARITH = {"+": "$add", "-": "$sub", "*": "$mul", "/": "$div"}


def fold(node: Node) -> Node:
    """Constant folding: durable_rules cannot compute constant-only arithmetic."""
    if isinstance(node, Arith):
        left, right = fold(node.left), fold(node.right)
        if isinstance(left, Const) and isinstance(right, Const):
            value = evaluate(Arith(node.op, left, right), {})
            if value is MISSING:
                raise ExprError("division by zero in a constant expression", node.offset)
            return Const(value, node.offset)
        return Arith(node.op, left, right, node.offset)
    return node


def _has_field(node: Node) -> bool:
    return bool(fields(node))


def _isolate(left: Node, op: str, right: Node) -> tuple[Field, str, Node]:
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
                return _isolate(a, op, Arith("-", right, b))
            return _isolate(b, op, Arith("-", right, a))
        if left.op == "-":
            if _has_field(a):
                return _isolate(a, op, Arith("+", right, b))
            return _isolate(b, _FLIP[op], Arith("-", a, right))
        if left.op in ("*", "/"):
            k, x = (b, a) if _has_field(a) else (a, b)
            if left.op == "/" and k is a:
                raise ExprError("a field may not be a divisor on the compared side; move it across (engine limit)", left.offset, "P-ENGINE")
            k = fold(k)
            if not isinstance(k, Const) or k.value == 0:
                raise ExprError(
                    "durable_rules compares a single field with an expression: rewrite so one side is one field "
                    '(for example "pupils <= 45 * classes")', left.offset, "P-ENGINE")
            flip = k.value < 0
            inverse = "/" if left.op == "*" else "*"
            new_op = _FLIP[op] if flip else op
            return _isolate(x, new_op, Arith(inverse, right, k))
    raise ExprError(
        "durable_rules compares a single field with an expression: rewrite so one side is one field",
        getattr(left, "offset", 0), "P-ENGINE")


def _engine_value(node: Node) -> Any:
    node = fold(node)
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Date):
        return node.value
    if isinstance(node, Field):
        return {"$m": node.path}
    if isinstance(node, Arith):
        return {_ENGINE_ARITH[node.op]: {"$l": _engine_value(node.left), "$r": _engine_value(node.right)}}
    raise ExprError(f'"{to_text(node)}" is not a value', getattr(node, "offset", 0), "P-ENGINE")


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
        op = _NEGATE[node.op] if negate else node.op
        field, op, right = _isolate(node.left, op, node.right)
        value = _engine_value(right)
        test = {field.path: value} if op == "==" else {_ENGINE_OP[op]: {field.path: value}}
        # An absent left-hand field never matches; an absent field on the right-hand side
        # is computed with as if it had a value, so it is guarded here.
        guards = [{"$ex": {path: 1}} for path in sorted(fields(right))]
        return {"$and": guards + [test]} if guards else test
    if isinstance(node, Field):
        return to_engine(as_condition(node), negate)
    if isinstance(node, Const) and isinstance(node.value, bool):
        raise ExprError("a constant condition is always the same; remove it", node.offset, "P-ENGINE")
    raise ExprError(f'"{to_text(node)}" is not a condition', getattr(node, "offset", 0), "P-TYPE")
