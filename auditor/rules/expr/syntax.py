"""Text <-> tree: the tokenizer and hand-written parser (:func:`parse`), and the canonical text (:func:`to_text`).

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
passed to ``eval``: text is tokenised and parsed by hand into the node classes
of :mod:`.nodes`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from auditor.dates import real_date
from auditor.rules.expr.nodes import And, Arith, Compare, Const, Date, ExprError, Field, Member, Node, Not, Or, children
from auditor.texts import msg

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
MAX_DIGITS = 30  # a longer number is refused before it is converted


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
                hint = msg("expr.hint-equals")
            elif ch in "&|":
                hint = msg("expr.hint-and-or")
            elif ch == "!":
                hint = msg("expr.hint-not")
            elif ch in "（）＜＞＝，":
                hint = msg("expr.hint-ascii")
            raise ExprError(msg("expr.unexpected-character", character=repr(ch), hint=hint), pos)
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
            found = self.tok.text or msg("expr.end")
            raise ExprError(msg("expr.expected", want=text, found=found), self.tok.offset)
        return self.take()

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ExprError(msg("expr.empty"), 0)
        node = self.or_()
        if self.tok.kind != "end":
            raise ExprError(msg("expr.trailing", token=self.tok.text), self.tok.offset)
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
                raise ExprError(msg("expr.chained"), self.tok.offset)
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
            raise ExprError(msg("expr.empty-list"), self.tok.offset)
        return tuple(items)

    def literal(self) -> Node:
        start = self.tok.offset
        node = self.unary()
        if not isinstance(node, (Const, Date)):
            raise ExprError(msg("expr.list-literal"), start)
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
            digits = tok.text.split(".")[0].split("e")[0].split("E")[0]
            if len(digits) > MAX_DIGITS:  # never converted (int() of 4,300+ digits raises); durable_rules reads < 2**53
                raise ExprError(msg("engine.digits", digits=len(digits)),
                                tok.offset, code="P-ENGINE")
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
                    raise ExprError(msg("expr.date-argument"), arg.offset)
                self.take()
                self.expect(")")
                iso = arg.text[1:-1]
                if real_date(iso) is None:
                    raise ExprError(msg("expr.not-a-date", text=iso), arg.offset)
                return Date(iso, tok.offset)
            head = tok.text.split(".")[0]
            if head in KEYWORDS or any(part in KEYWORDS for part in tok.text.split(".")):
                raise ExprError(msg("expr.keyword", word=tok.text), tok.offset)
            return Field(tok.text, tok.offset)
        found = tok.text or msg("expr.end")
        raise ExprError(msg("expr.expected-value", found=found), tok.offset)


MAX_NESTING = 32  # later stages recurse over the tree: bound it here


def _depth(node) -> int:
    """The tree's depth, without recursion."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children(item))
    return deepest


def parse(text: str) -> Node:
    if not isinstance(text, str):
        raise ExprError(msg("expr.not-text"))
    too_deep = ExprError(msg("expr.too-deep", levels=MAX_NESTING))
    try:
        node = _Parser(text).parse()
    except RecursionError:
        raise too_deep from None
    if _depth(node) > MAX_NESTING:
        raise too_deep
    return node


# --------------------------------------------------------------------------- canonical text
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


