"""The Jinja environment the documents are rendered in: autoescaping, strict undefined names, every printed value
without bidirectional controls, the report's filters (``css_string``, ``zh_date``, ``keep``) and the words and
colours every template may use."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from types import BuiltinMethodType, FunctionType

from jinja2 import Environment, FileSystemLoader, StrictUndefined, nodes, select_autoescape
from jinja2.compiler import CodeGenerator, optimizeconst
from jinja2.runtime import Context
from markupsafe import Markup, escape

from auditor.dates import zh_date
from auditor.intake.values import BIDI, neutral
from auditor.output.labels import METHOD_EN, METHOD_ZH, SEVERITY_EN, SEVERITY_ZH, STATUS_EN, STATUS_ZH
from auditor.output.palette import LIFECYCLE_COLOURS, NOTICE_STATE_COLOURS, PROJECTION_COLOURS, STATUS_COLOURS, STATUS_ORDER

TEMPLATES = Path(__file__).resolve().parents[2] / "reports" / "templates"


def css_string(text: str) -> Markup:
    """``text`` as a CSS string literal in which only letters and digits stay literal (safe inside <style>)."""
    out = "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):06x}" for ch in str(text))
    return Markup(f'"{out}"')


# tokens that must not break across lines: dates, document numbers (沈教督〔2023〕5号), clause numbers (二（一）4)
_TOKENS = re.compile(r"[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日|[0-9]{4}-[0-9]{2}-[0-9]{2}|[\u4e00-\u9fff]{0,8}〔[0-9]{4}〕[0-9]+号"
                     r"|[一二三四五六七八九十]+（[一二三四五六七八九十]+）[0-9]*")


def keep_tokens(text) -> Markup:
    """``text`` escaped, with its dates, document numbers and clause numbers kept on one line."""
    return _keep_tokens(str(text))


@lru_cache(maxsize=8192)
def _keep_tokens(text: str) -> Markup:
    """(Cached: a clause's quoted text and a check's requirement come back in every district's pages.)"""
    out, last = [], 0
    for m in _TOKENS.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(Markup('<span class="nw">') + escape(m.group()) + Markup("</span>"))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _neutral(value, _search=BIDI.search):
    """Every value a page prints, without bidirectional controls (a U+202E in a name would reverse the line).
    (Called for every value of every page: plain text without a control is returned at once.)"""
    if isinstance(value, str) and _search(value) is None:
        return value
    if isinstance(value, Markup):
        return Markup(neutral(str(value)))
    return neutral(value) if isinstance(value, str) else value


_PRINTED: dict[str, str] = {}
_PRINTED_MAX = 1 << 14


def printed(value, _search=BIDI.search) -> str:
    """What ``{{ value }}`` prints in an autoescaped template: ``escape(_neutral(value))`` (Jinja's
    ``escape(environment.finalize(value))``), as text, in one call instead of three, and remembered per text: a
    national audit's pages print millions of values, most of them the same few thousand texts (titles, labels,
    requirements) in every district. Markup is printed as it is (without bidirectional controls)."""
    kind = type(value)
    if kind is str:
        hit = _PRINTED.get(value)
        if hit is None:
            hit = str(escape(_neutral(value)))
            if len(_PRINTED) >= _PRINTED_MAX:
                _PRINTED.clear()
            _PRINTED[value] = hit
        return hit
    if kind is Markup and _search(value) is None:
        return value
    if kind is int:
        return str(value)  # digits and a sign: nothing to escape
    return str(escape(_neutral(value)))


# The small spans every table row prints (a status, a clause number, a date), as Python functions rather than Jinja
# macros: a macro call costs as much as a whole row of plain values, and a national audit's pages make millions of
# them. Each returns exactly what the template would print: every value escaped after ``_neutral`` (the
# environment's ``finalize``); the few distinct arguments are cached, by type too (a Markup argument is printed as it is,
# the same text as a plain str escaped).
@lru_cache(maxsize=4096, typed=True)
def nw_span(text) -> Markup:
    """A clause number, a date, a reference number: never broken across lines."""
    return Markup('<span class="nw">%s</span>') % _neutral(text)


@lru_cache(maxsize=4096, typed=True)
def clause_span(clause) -> Markup:
    return Markup('<span class="nw clause">%s</span>') % _neutral(clause)


@lru_cache(maxsize=4096, typed=True)
def date_span(iso, lang: str) -> Markup:
    """A date as the page's language writes it (2022年12月31日), on one line."""
    return Markup('<span class="nw">%s</span>') % _neutral(zh_date(iso) if lang == "zh" else iso)


@lru_cache(maxsize=256, typed=True)
def status_span(status: str, lang: str) -> Markup:
    """A verdict's status as a coloured label (class s-fail, data-status for tests and scripts)."""
    name = _neutral(STATUS_ZH[status] if lang == "zh" else STATUS_EN[status])
    return Markup('<span class="status s-%s" data-status="%s">%s</span>') % (_neutral(status), _neutral(status), name)


@lru_cache(maxsize=8192, typed=True)
def _school_cell(mark, text, mark_text) -> str:
    mark = printed(mark)
    return f'<td class="m-{mark}" data-mark="{mark}">{printed(text)}<span class="mark">{printed(mark_text)}</span></td>'


def school_cells(cells: list[dict]) -> Markup:
    """One school's row of the assessment page's school-by-indicator table: each indicator's figure with its mark
    (met, within the floor, below, missing). The largest table of a national audit (about 600 cells a district).
    (Each cell is markup already, every value in it printed: joined as text, not escaped again one by one.)"""
    return Markup("".join([_school_cell(c["mark"], c["text"], c["mark_text"]) for c in cells]))


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, printing each ``{{ value }}`` of an autoescaped template as
    ``environment.printed(value)`` (the one function above) where Jinja writes ``escape(environment.finalize(value))``;
    anything else (a template without autoescaping, an ``{% autoescape %}`` block) as Jinja writes it."""

    def _fused(self, frame, finalize) -> bool:
        return (frame.eval_ctx.autoescape is True and not frame.eval_ctx.volatile
                and finalize.src == "environment.finalize(" and self.environment.finalize is _neutral)

    def _output_child_pre(self, node, frame, finalize) -> None:
        if self._fused(frame, finalize):
            self.write("environment.printed(")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node, frame, finalize) -> None:
        if self._fused(frame, finalize):
            self.write(")")
        else:
            super()._output_child_post(node, frame, finalize)

    # ``x.name`` and ``x[key]`` on a plain dict holding the key: the item, looked up where the template reads it
    # (Jinja calls environment.getattr / getitem, a Python call each, hundreds of thousands of times for a national
    # audit's pages); anything else (not a dict, no such key, a key that is no text, ``x.items``) through those
    # calls as before. Each object and key is evaluated once, in Jinja's order, into a temporary of its own.
    @optimizeconst
    def visit_Getattr(self, node, frame) -> None:
        if self.environment.is_async or self.environment.sandboxed or node.attr in _DICT_ATTRIBUTES:
            return super().visit_Getattr(node, frame)
        obj, key = self.temporary_identifier(), repr(node.attr)
        self.write(f"({obj}[{key}] if type({obj} := ")
        self.visit(node.node, frame)
        self.write(f") is dict and {key} in {obj} else environment.getattr({obj}, {key}))")

    @optimizeconst
    def visit_Getitem(self, node, frame) -> None:
        if self.environment.is_async or self.environment.sandboxed or isinstance(node.arg, nodes.Slice):
            return super().visit_Getitem(node, frame)
        obj, key = self.temporary_identifier(), self.temporary_identifier()
        self.write(f"({obj}[{key}] if (type({obj} := ")
        self.visit(node.node, frame)
        self.write(f") is dict) & (type({key} := ")
        self.visit(node.arg, frame)
        self.write(f") is str) and {key} in {obj} else environment.getitem({obj}, {key}))")


class _Context(Context):
    """A template's call of one of the span functions above, or of a text's method (``t.more.format(n=...)``),
    calls it at once: neither takes Jinja's context, so Jinja's look for a ``pass_context`` marker on each of the
    many thousands of calls a district's pages make finds nothing. Anything else (a macro, a filter-like global)
    is called as Jinja calls it."""

    def call(__self, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature: keyword arguments may be named self)
        kind = type(__obj)
        if kind is BuiltinMethodType or (kind in _HELPER_TYPES and __obj in _HELPERS):
            kwargs.pop("_loop_vars", None)
            kwargs.pop("_block_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:  # as Jinja says it
                return __self.environment.undefined("value was undefined because a callable raised a StopIteration exception")
        return super().call(__obj, *args, **kwargs)


class _Environment(Environment):
    """``x.name`` on a plain dict looks up the key first when ``name`` is not an attribute of dict: what Jinja
    does anyway (``getattr`` fails, then ``x["name"]``), without raising and catching an AttributeError for each of
    the hundreds of thousands of lookups a national audit's pages make. ``x.items`` is still the method."""

    code_generator_class = _CodeGenerator
    context_class = _Context
    printed = staticmethod(printed)

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


_HELPERS = frozenset({nw_span, clause_span, date_span, status_span, school_cells})
_HELPER_TYPES = frozenset(type(f) for f in _HELPERS) | {FunctionType}


def environment(templates: Path = TEMPLATES) -> Environment:
    env = _Environment(loader=FileSystemLoader(str(templates)), autoescape=select_autoescape(["html", "xml", "svg"], default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, finalize=_neutral,
                      auto_reload=False)  # (one audit's documents: no look at the files' times at each get_template)
    env.globals.update(STATUS_ZH=STATUS_ZH, STATUS_EN=STATUS_EN, SEVERITY_ZH=SEVERITY_ZH, SEVERITY_EN=SEVERITY_EN,
                       METHOD_ZH=METHOD_ZH, METHOD_EN=METHOD_EN, STATUS_ORDER=STATUS_ORDER, STATUS_COLOURS=STATUS_COLOURS,
                       LIFECYCLE_COLOURS=LIFECYCLE_COLOURS, NOTICE_STATE_COLOURS=NOTICE_STATE_COLOURS,
                       PROJECTION_COLOURS=PROJECTION_COLOURS, nw=nw_span, clause_span=clause_span, date_span=date_span,
                       status_span=status_span, school_cells=school_cells)
    env.filters["css_string"] = css_string
    env.filters["zh_date"] = zh_date
    env.filters["keep"] = keep_tokens
    return env
