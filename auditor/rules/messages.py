"""Policy-authored message templates: an allow-list checked at load, rendered in Jinja's immutable sandbox.

Policy text is data. A message template may print the values handed to it
(``{{ size }}``, ``{{ school_name }}``, ``{{ school.name }}``), format them with a few
filters whose arguments are short constants, compute with ``+ - * /``, compare, and
choose with ``{% if %}`` — nothing else. :func:`template_problems` refuses
everything outside that list when the policies load (``P-MESSAGE``), *before* the
template is compiled: Jinja folds constant expressions while compiling, so nine
chained ``|replace`` on a constant cost gigabytes at load, and ``"%*s" % (2**31, "")``
passed the old checks and cost gigabytes at render. The limits:

* a template holds at most :data:`MAX_TEMPLATE` characters; a constant text at most
  :data:`MAX_CONSTANT`; an integer constant at most ``10**15``;
* filters: :data:`FILTERS` (``replace``, ``join``, ``format``, ``center``, ``indent``,
  ``wordwrap``, … can multiply a text and are refused), each with the arguments
  listed there; ``beside(limit, precision)`` rounds like ``round`` but never onto a limit the value is not at
  (a CV of 0.5003 beside 0.5 prints 0.5003, not 0.5);
* no ``%`` (string formatting), ``**``, calls, loops, assignments, slices, macros,
  includes, or names, attributes and items starting with ``_``;
* at render, a value handed in is cut to :data:`MAX_VALUE` characters, ``+`` and ``*``
  may not build text longer than :data:`MAX_RENDERED`, attributes are looked up in
  mappings only (never on Python objects), and the output stops at
  :data:`MAX_RENDERED` characters.

They cannot reach Python internals, cannot change anything, and their output is
plain text that the HTML templates escape like any other value.
"""
from __future__ import annotations

from functools import lru_cache

from jinja2 import Undefined, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from auditor.texts import Msg, msg

MAX_TEMPLATE = 2000  # characters of a template
MAX_CONSTANT = 200  # characters of a text constant in a template
MAX_INTEGER = 10**15  # magnitude of a number constant
MAX_VALUE = 1000  # characters of one value handed to a template (a school name, a reference)
MAX_RENDERED = 4000  # characters of a rendered message, and of any text it builds on the way


class _Blank(Undefined):
    """A value that is absent renders as an em dash, never as an error."""

    def __str__(self) -> str:
        return "—"


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, plus: no big texts built by + or *, no %-formatting or **, and
    attributes only as keys of mappings."""

    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def call_binop(self, context, operator, left, right):
        if operator in ("**", "%"):
            raise SecurityError(f"{operator} is not allowed in a message template")
        if operator == "*" and (isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple))):
            raise SecurityError("repeating text with * is not allowed in a message template")
        if operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)) \
                and len(left) + len(right) > MAX_RENDERED:
            raise SecurityError(f"a message template may not build text longer than {MAX_RENDERED} characters")
        return super().call_binop(context, operator, left, right)

    def getattr(self, obj, attribute):
        if isinstance(obj, dict) and isinstance(attribute, str) and not attribute.startswith("_"):
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj, argument):
        if isinstance(obj, dict) and isinstance(argument, str) and not argument.startswith("_"):
            return obj[argument] if argument in obj else self.undefined(obj=obj, name=argument)
        if isinstance(obj, (str, list, tuple)) and isinstance(argument, int) and not isinstance(argument, bool) \
                and -len(obj) <= argument < len(obj):
            return obj[argument]
        return self.undefined(obj=obj, name=argument)


# A yes/no field printed ({{ consulted }}) reads as a word of the message's language, never Python's True/False
# (论证True，公示False on a notice); a value not submitted (None) as an em dash, like a name not handed in. Only the
# printing changes: {% if consulted %} still tests the value itself.
WORDS = {"zh": {True: "是", False: "否"}, "en": {True: "yes", False: "no"}}


class Share(float):
    """A share handed to a message (0.357143): prints as the reports show it (``text``: 35.7%); any arithmetic on
    it (``(rate * 100)|round(1)``) is on the plain number."""

    def __new__(cls, value: float, text: str):
        share = super().__new__(cls, value)
        share.text = text
        return share

    def __str__(self) -> str:
        return self.text


def _finalize(lang: str):
    words = WORDS[lang]

    def finalize(value):
        if isinstance(value, bool):
            return words[value]
        return "—" if value is None else value
    return finalize


def _environment(lang: str) -> _Sandbox:
    env = _Sandbox(autoescape=False, undefined=_Blank, keep_trailing_newline=False, finalize=_finalize(lang))
    env.globals.clear()  # no range, lipsum, cycler, joiner, namespace, dict: records' values only
    return env


_ENVS = {lang: _environment(lang) for lang in WORDS}
_ENV = _ENVS["zh"]


# What a message is rendered with (auditor/evaluate/verdict.py, judge_check: a failing record's evidence): the
# record's identity (``Record.ident``, set where the records are made: auditor/intake/submission.py,
# evaluate/records.py, evaluate/derive.py), the values of the fields its rule reads (filter and requirement), the
# schedule's parameters in force, the district and the requirement in words. Nothing else reaches a template: any
# other name rendered as "—" on the notices (a misspelt {{ schol_name }} lost the school's name).
IDENT = {"class": ("school", "school_name", "class", "grade"), "school": ("school", "school_name"),
         "school_stage": ("school", "school_name", "stage"), "document": ("document", "ref", "title", "filed_on"),
         "district": ("district",), "city": ("city",)}
RENDERED = ("district", "requirement")


def names_given(kind: str, fields, params) -> frozenset:
    """The names a message of a check over ``kind`` records is rendered with: ``fields`` the paths its filter and
    requirement read, ``params`` its schedule's parameters."""
    return frozenset(IDENT.get(kind, ())) | frozenset(fields) | frozenset(params) | frozenset(RENDERED)


def template_names(source: str) -> set[str]:
    """The names ``source`` reads (jinja2's own analysis of the parse; nothing is compiled)."""
    return set(meta.find_undeclared_variables(_ENV.parse(source)))


def _short_text(node) -> bool:
    return isinstance(node, nodes.Const) and isinstance(node.value, str) and len(node.value) <= 20


def _small_int(top: int):
    return lambda node: isinstance(node, nodes.Const) and type(node.value) is int and 0 <= node.value <= top


def _flag(node) -> bool:
    return isinstance(node, nodes.Const) and isinstance(node.value, bool)


def _plain_value(node) -> bool:
    return _short_text(node) or (isinstance(node, nodes.Const) and isinstance(node.value, (int, float)) and abs(node.value) <= MAX_INTEGER)


def _number(node) -> bool:
    return isinstance(node, nodes.Const) and type(node.value) in (int, float) and abs(node.value) <= MAX_INTEGER


def beside(value, limit, precision: int = 3):
    """``value`` rounded to ``precision`` places, with as many more as keep it on its own side of ``limit`` (at it
    only when it is at it) where those places would show the limit itself, or cross it: a CV of 0.5003 printed ``round(3)`` read
    "0.5, above 0.50", a school's lowest item at 84.998% read "85.0%" against the floor of 85%. The value is first
    read to 12 significant digits, so that a floating-point trace (0.85 × 100 = 85.00000000000001) is not shown as a
    difference. Anything but a number is returned as it is."""
    if type(value) not in (int, float) or type(limit) not in (int, float) or value != value or value in (float("inf"), float("-inf")):
        return value
    value = float(f"{value:.12g}")

    def side(x) -> int:
        return (x > limit) - (x < limit)

    want = side(value)
    places = precision
    text = f"{value:.{places}f}"
    while side(float(text)) != want and places < 17:
        places += 1
        text = f"{value:.{places}f}"
    return float(text)


for _env in _ENVS.values():  # every language's environment: a message renders in each
    _env.filters["beside"] = beside

# filter -> the arguments it may take, in order (each a test of a constant); keywords by the same names
FILTERS: dict[str, tuple] = {
    "beside": (("limit", _number), ("precision", _small_int(6))),
    "default": (("default_value", _plain_value), ("boolean", _flag)),
    "d": (("default_value", _plain_value), ("boolean", _flag)),
    "round": (("precision", _small_int(6)), ("method", lambda n: isinstance(n, nodes.Const) and n.value in ("common", "ceil", "floor"))),
    "truncate": (("length", _small_int(MAX_VALUE)), ("killwords", _flag), ("end", _short_text), ("leeway", _small_int(10))),
    "int": (), "float": (), "abs": (), "upper": (), "lower": (), "title": (), "capitalize": (), "trim": (),
    "length": (), "count": (), "string": (), "first": (), "last": (), "min": (), "max": (),
}
TESTS = {"defined": (), "undefined": (), "none": (), "number": (), "string": (), "true": (), "false": (), "even": (), "odd": (),
         "divisibleby": (("num", _small_int(MAX_INTEGER)),), "eq": (("other", _plain_value),), "ne": (("other", _plain_value),),
         "lt": (("other", _plain_value),), "le": (("other", _plain_value),), "gt": (("other", _plain_value),),
         "ge": (("other", _plain_value),)}
ALLOWED_FILTERS = frozenset(FILTERS)  # (the name other modules knew)
ALLOWED_TESTS = frozenset(TESTS)

# What a message template may contain. Filter and Test arguments are checked by FILTERS/TESTS; Keyword
# only appears inside them.
_NODES = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.Getattr, nodes.Getitem,
          nodes.Filter, nodes.Test, nodes.CondExpr, nodes.If, nodes.Compare, nodes.Operand, nodes.And, nodes.Or,
          nodes.Not, nodes.Neg, nodes.Pos, nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Concat,
          nodes.Keyword, nodes.Tuple, nodes.List)
_WORDS = {nodes.Mod: "template.mod", nodes.Pow: "template.pow", nodes.Call: "template.call", nodes.For: "template.for",
          nodes.Slice: "template.slice", nodes.Assign: "template.assign", nodes.Include: "template.include",
          nodes.Import: "template.import", nodes.Macro: "template.macro"}


def _arguments(kind: str, node, allowed: tuple) -> list[Msg]:
    """Problems with the arguments of filter or test ``node``: only the listed ones, as constants that pass their test."""
    problems = []
    if node.dyn_args is not None or node.dyn_kwargs is not None:
        return [msg("template.star-args", kind=msg(f"template.{kind}-word"), name=node.name)]
    if len(node.args) > len(allowed):
        return [msg("template.args", kind=msg(f"template.{kind}-word"), name=node.name, n=len(allowed))]
    named = dict(allowed)
    given = list(zip([name for name, _ in allowed], node.args)) + [(k.key, k.value) for k in node.kwargs]
    for name, value in given:
        test = named.get(name)
        if test is None:
            problems.append(msg("template.no-arg", kind=msg(f"template.{kind}-word"), name=node.name, arg=name))
        elif not test(value):
            problems.append(msg("template.bad-arg", kind=msg(f"template.{kind}-word"), name=node.name, arg=name))
    return problems


def template_problems(source: str) -> list[Msg]:
    """Why ``source`` is not an allowed message template ([] when it is).

    Raises TemplateSyntaxError when it does not parse. Only parses: nothing is compiled or run.
    """
    if len(source) > MAX_TEMPLATE:
        return [msg("template.too-long", limit=MAX_TEMPLATE)]
    problems = []
    for node in _ENV.parse(source).find_all(nodes.Node):
        if not isinstance(node, _NODES):
            word = next((msg(w) for t, w in _WORDS.items() if isinstance(node, t)), type(node).__name__.lower())
            problems.append(msg("template.node", word=word))
        elif isinstance(node, nodes.Name) and node.name.startswith("_"):
            problems.append(msg("template.name", name=node.name))
        elif isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            problems.append(msg("template.attribute", name=node.attr))
        elif isinstance(node, nodes.Getitem) and not (isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, (str, int))
                                                      and not str(node.arg.value).startswith("_")):
            problems.append(msg("template.item"))
        elif isinstance(node, nodes.Filter):
            if node.name not in FILTERS:
                problems.append(msg("template.filter", name=node.name, allowed=tuple(sorted(FILTERS))))
            else:
                problems += _arguments("filter", node, FILTERS[node.name])
        elif isinstance(node, nodes.Test):
            if node.name not in TESTS:
                problems.append(msg("template.test", name=node.name, allowed=tuple(sorted(TESTS))))
            else:
                problems += _arguments("test", node, TESTS[node.name])
        elif isinstance(node, nodes.Const):
            if isinstance(node.value, str) and node.value.startswith("_"):
                problems.append(msg("template.text-name", text=node.value[:20]))
            elif isinstance(node.value, str) and len(node.value) > MAX_CONSTANT:
                problems.append(msg("template.constant", limit=MAX_CONSTANT))
            elif isinstance(node.value, (int, float)) and not isinstance(node.value, bool) and abs(node.value) > MAX_INTEGER:
                problems.append(msg("template.number", limit=MAX_INTEGER))
    return sorted(set(problems), key=str)


@lru_cache(maxsize=4096)
def compile_message(source: str, lang: str = "zh"):
    """The compiled template; only for a template :func:`template_problems` accepts (compiling folds constants).
    ``lang``: the language yes/no values print in (是/否, yes/no)."""
    if template_problems(source):
        raise ValueError("the message template is not allowed: " + "; ".join(map(str, template_problems(source)))[:300])
    return _ENVS.get(lang, _ENV).from_string(source)


def _bounded(value):
    if isinstance(value, str) and len(value) > MAX_VALUE:
        return value[:MAX_VALUE] + "…"
    if isinstance(value, dict):
        return {k: _bounded(v) for k, v in value.items()}
    return value


def render_message(source: str, values: dict, lang: str = "zh") -> str:
    """Render one message, at most MAX_RENDERED characters; a template that misbehaves yields a marked
    fallback, never a crash. ``lang``: the message's language (a yes/no value prints as 是/否 or yes/no)."""
    try:
        parts, size = [], 0
        for chunk in compile_message(source, lang).generate(**{k: _bounded(v) for k, v in values.items()}):
            parts.append(chunk)
            size += len(chunk)
            if size > MAX_RENDERED:
                break
        text = "".join(parts)
    except Exception as exc:  # noqa: BLE001 - policy text must never crash an audit
        return f"[消息模板错误 message template error: {type(exc).__name__}]"
    return text[:MAX_RENDERED]
