"""Every ``{{ value }}`` of the documents is printed by one function, ``environment.printed`` (the report environment's
code generator writes it where Jinja writes ``escape(environment.finalize(value))``). It must print exactly what
Jinja itself prints with the same settings (autoescaping, bidirectional controls removed by ``finalize``), whatever
the value and however often it comes back (the texts are remembered), in every place a template prints: plain
output, macros, call blocks, ``{% set %}`` blocks, filters, and an ``{% autoescape false %}`` block left to Jinja."""
from __future__ import annotations

import datetime as _dt

from hypothesis import given, settings, strategies as st
from jinja2 import DictLoader, Environment, StrictUndefined
from markupsafe import Markup, escape

from auditor.output import environment as environment_module
from auditor.output.environment import _neutral, environment, printed

NASTY = st.sampled_from(['<script>alert(1)</script>', '" onmouseover="x', "a & b", "第一\u202e学小\u2066x\u2069", "二（一）4",
                         "'", "", "&amp;", "\u202a", "x\u202c<b>"])
TEXT = st.one_of(NASTY, st.text(max_size=12))
VALUE = st.one_of(TEXT, TEXT.map(Markup), st.integers(-10**9, 10**9), st.booleans(), st.none(),
                  st.floats(allow_nan=False), st.dates(), st.lists(TEXT, max_size=3))

TEMPLATES = {
    "page.html": """{% import "macros.html" as m with context %}
<p title="{{ x }}">{{ x }}|{{ x ~ '<i>' }}|{{ xs | join(', ') }}|{{ m.cell(x) }}</p>
{% set block %}<b>{{ x }}</b>{% endset %}{{ block }}
{% call m.wrap() %}{{ x }}{% endcall %}
{% for y in xs %}<li>{{ y }}{{ loop.index }}</li>{% endfor %}
{{ m.cell(xs) }}{% autoescape false %}[{{ x }}]{% endautoescape %}""",
    "macros.html": """{% macro cell(v) %}<td>{{ v }}</td>{% endmacro %}{% macro wrap() %}<div>{{ caller() }}</div>{% endmacro %}""",
}
# each lookup alone (a missing one stops the page: StrictUndefined)
LOOKUPS = ["{{ d.a }}", "{{ d['a'] }}", "{{ d.b.c }}", "{{ d[k] }}", "{{ d[d.k] }}", "{{ d.items | list | length if d is mapping }}",
           "{{ d.get is defined }}", "{{ xs[0] if xs }}", "{{ m.cell(d.a) }}", "{% for y in d.b %}{{ y }}{% endfor %}"]
TEMPLATES.update({f"lookup{i}.html": '{% import "macros.html" as m %}' + source for i, source in enumerate(LOOKUPS)})


def _reference() -> Environment:
    """Plain Jinja with the report environment's settings: its own code generator, ``escape(finalize(x))``."""
    return Environment(loader=DictLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                       lstrip_blocks=True, finalize=_neutral)


def _ours():
    env = environment()
    env.loader = DictLoader(TEMPLATES)
    return env


REFERENCE, OURS = _reference(), _ours()


@settings(max_examples=300, deadline=None)
@given(st.lists(VALUE, min_size=1, max_size=6))
def test_printed_is_jinjas_escape_of_finalize(values):
    for value in values + values:  # the second time from what it remembered
        assert printed(value) == str(escape(_neutral(value))), value


class _Object:
    """Not a dict: its attributes, read as Jinja reads them."""
    a, k = "<attr>", "a"
    b = {"c": "\u202e<c>"}

    def __getitem__(self, key):
        return f"[{key}]"


KEYS = st.sampled_from(["a", "b", "k", "items", "get", "c", 0, 1, (1, 2)])
DICTS = st.one_of(st.dictionaries(KEYS, st.one_of(VALUE, st.fixed_dictionaries({"c": TEXT}), st.just("a"), st.just(0)),
                                  max_size=5),
                  st.just(_Object()), st.lists(TEXT, max_size=3))


def _render(env, name, **values) -> str:
    try:
        return env.get_template(name).render(**values)
    except Exception as exc:  # StrictUndefined: the same error, said the same way
        return f"{type(exc).__name__}: {exc}"


@settings(max_examples=300, deadline=None)
@given(x=VALUE, xs=st.lists(st.one_of(TEXT, TEXT.map(Markup)), max_size=4), d=DICTS, k=KEYS | st.just(["a"]))
def test_pages_print_what_jinja_prints(x, xs, d, k):
    """Values, and ``d.a`` / ``d[k]`` looked up on dicts with and without the key, on a key that is no text (an
    unhashable one too), on dict methods' names (``d.items``), on an object and a list: the same page or error."""
    for name in ["page.html"] + [f"lookup{i}.html" for i in range(len(LOOKUPS))]:
        assert _render(OURS, name, x=x, xs=xs, d=d, k=k) == _render(REFERENCE, name, x=x, xs=xs, d=d, k=k), name


def test_the_documents_print_through_printed():
    """The report environment's templates are compiled with the fused call (a Jinja that no longer lets the code
    generator be extended this way would print correctly but slowly: this says so)."""
    env = environment()
    source = env.compile(env.loader.get_source(env, "district.html")[0], "district.html", raw=True)
    assert "environment.printed(" in source and "escape(environment.finalize(" not in source
    assert " is dict and 'title' in " in source  # v.title: a dict's item looked up in place


def test_remembered_texts_are_bounded(monkeypatch):
    monkeypatch.setattr(environment_module, "_PRINTED", {})
    monkeypatch.setattr(environment_module, "_PRINTED_MAX", 8)
    for i in range(50):
        assert printed(f"<{i}>") == f"&lt;{i}&gt;"
        assert len(environment_module._PRINTED) <= 8
    assert printed(Markup("<b>\u202e</b>")) == "<b></b>" and printed(_dt.date(2022, 12, 31)) == "2022-12-31"
