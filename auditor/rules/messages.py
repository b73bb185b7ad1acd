"""Policy-authored message templates, rendered in Jinja's immutable sandbox.

Policy text is data: templates may only print the values handed to them
(``{{ size }}``, ``{{ school_name }}``) with simple filters. They cannot reach
Python internals (the sandbox refuses attribute access such as
``__class__``), cannot change anything, and their output is plain text that
the HTML templates escape like any other value.
"""
from __future__ import annotations

import re
from functools import lru_cache

from jinja2 import Undefined, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_TEMPLATE = 2000


class _Blank(Undefined):
    """A value that is absent renders as an em dash, never as an error."""

    def __str__(self) -> str:
        return "—"


MAX_REPEAT = 10_000  # longest text a template may build with * or %


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, plus: no huge strings or numbers built by * ** %."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            raise SecurityError("** is not allowed in a message template")
        if operator == "*" and (isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple))):
            raise SecurityError("repeating text with * is not allowed in a message template")
        if operator == "%" and isinstance(left, str) and any(len(n) > 3 for n in _DIGITS.findall(left)):
            raise SecurityError("a format width above 999 is not allowed in a message template")
        return super().call_binop(context, operator, left, right)


_ENV = _Sandbox(autoescape=False, undefined=_Blank, keep_trailing_newline=False)
_ENV.globals.clear()  # no range, lipsum, cycler, joiner, namespace, dict: records' values only
_DIGITS = re.compile(r"[0-9]+")

# What a message template may contain: printing values, their fields, simple filters,
# arithmetic, comparisons and {% if %}. No calls, loops, assignments, macros or includes.
_ALLOWED_NODES = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.Getattr,
                  nodes.Getitem, nodes.Filter, nodes.Test, nodes.CondExpr, nodes.If, nodes.Compare, nodes.Operand,
                  nodes.And, nodes.Or, nodes.Not, nodes.Neg, nodes.Pos, nodes.Add, nodes.Sub, nodes.Mul, nodes.Div,
                  nodes.FloorDiv, nodes.Mod, nodes.Concat, nodes.Keyword, nodes.Tuple, nodes.List)
ALLOWED_FILTERS = frozenset({"default", "d", "round", "int", "float", "abs", "upper", "lower", "title", "capitalize",
                             "trim", "truncate", "length", "count", "string", "join", "first", "last", "replace",
                             "e", "escape", "min", "max", "sum", "sort", "unique"})
ALLOWED_TESTS = frozenset({"defined", "undefined", "none", "number", "string", "true", "false", "even", "odd",
                           "divisibleby", "eq", "ne", "lt", "le", "gt", "ge"})


def template_problems(source: str) -> list[str]:
    """Why ``source`` is not an allowed message template ([] when it is).

    Raises TemplateSyntaxError when it does not parse. Templates are policy text: they may
    print record values and do simple formatting, nothing else; names starting with "_"
    (the way into Python internals) are refused outright.
    """
    if len(source) > MAX_TEMPLATE:
        return [f"a message template may hold at most {MAX_TEMPLATE} characters"]
    problems = []
    for node in _ENV.parse(source).find_all(nodes.Node):
        if not isinstance(node, _ALLOWED_NODES):
            problems.append(f"{type(node).__name__.lower()} is not allowed in a message template (only values, filters, arithmetic and if)")
        elif isinstance(node, nodes.Name) and node.name.startswith("_"):
            problems.append(f'the name "{node.name}" is not allowed (names starting with "_")')
        elif isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            problems.append(f'the attribute "{node.attr}" is not allowed (names starting with "_")')
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and str(node.arg.value).startswith("_"):
            problems.append(f'the item "{node.arg.value}" is not allowed (names starting with "_")')
        elif isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
            problems.append(f'the filter "{node.name}" is not allowed; allowed filters are {", ".join(sorted(ALLOWED_FILTERS))}')
        elif isinstance(node, nodes.Test) and node.name not in ALLOWED_TESTS:
            problems.append(f'the test "{node.name}" is not allowed')
        elif isinstance(node, nodes.Const) and isinstance(node.value, str) and node.value.startswith("_"):
            problems.append(f'the text "{node.value}" is not allowed as a name (names starting with "_")')
    return sorted(set(problems))


@lru_cache(maxsize=4096)
def compile_message(source: str):
    if len(source) > MAX_TEMPLATE:
        raise ValueError(f"a message template may hold at most {MAX_TEMPLATE} characters")
    return _ENV.from_string(source)


def render_message(source: str, values: dict) -> str:
    """Render one message; a template that misbehaves yields a marked fallback, never a crash."""
    try:
        text = compile_message(source).render(**values)
    except Exception as exc:  # noqa: BLE001 - policy text must never crash an audit
        return f"[消息模板错误 message template error: {type(exc).__name__}]"
    return text[:4000]
