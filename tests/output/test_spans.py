"""The spans every table row prints (auditor/output/environment.py: nw, clause_span, date_span, status_span,
school_cells) are Python functions for speed; each must print exactly what the Jinja markup it replaced prints in
the report environment (autoescaping, bidirectional controls removed), whatever the text: markup characters,
quotes, bidirectional controls, a Markup value (printed as it is) and the same text as a plain str (escaped) in
either order, though the functions are cached."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st
from markupsafe import Markup

from auditor.output.environment import environment
from auditor.output.palette import STATUS_ORDER

ENV = environment()
# the markup the functions replaced, as the templates had it (macros.html before, assessment.html's cell loop)
JINJA = {
    "nw": ENV.from_string('<span class="nw">{{ x }}</span>'),
    "clause_span": ENV.from_string('<span class="nw clause">{{ x }}</span>'),
    "date_span": ENV.from_string("<span class=\"nw\">{{ x | zh_date if lang == 'zh' else x }}</span>"),
    "status_span": ENV.from_string('<span class="status s-{{ x }}" data-status="{{ x }}">'
                                   "{{ STATUS_ZH[x] if lang == 'zh' else STATUS_EN[x] }}</span>"),
    "school_cells": ENV.from_string('{% for c in x %}<td class="m-{{ c.mark }}" data-mark="{{ c.mark }}">{{ c.text }}'
                                    '<span class="mark">{{ c.mark_text }}</span></td>{% endfor %}'),
}
PYTHON = ENV.from_string("{{ f(x, lang) if two else f(x) }}")

NASTY = st.sampled_from(['<script>alert(1)</script>', '" onmouseover="x', "a & b", "第一\u202e学小\u2066x\u2069", "二（一）4",
                         "沈教督〔2023〕5号", "", "'"])
TEXT = st.one_of(NASTY, st.text(max_size=12))
VALUE = st.one_of(TEXT, TEXT.map(Markup), st.integers(-10**6, 10**6))


def both(name: str, x, lang: str = "zh") -> tuple[str, str]:
    function = ENV.globals[name]
    return JINJA[name].render(x=x, lang=lang), PYTHON.render(f=function, x=x, lang=lang, two=name in ("date_span", "status_span"))


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(["nw", "clause_span"]), values=st.lists(VALUE, min_size=1, max_size=4))
def test_text_spans_print_what_the_markup_printed(name, values):
    for x in values + [str(v) for v in values if isinstance(v, Markup)]:  # the plain text after its Markup: cached apart
        jinja, python = both(name, x)
        assert python == jinja, (name, x)


@settings(max_examples=100, deadline=None)
@given(day=st.dates().map(lambda d: d.isoformat()), lang=st.sampled_from(["zh", "en"]))
def test_date_span_prints_what_the_markup_printed(day, lang):
    jinja, python = both("date_span", day, lang)
    assert python == jinja
    assert ("年" in python) == (lang == "zh")


def test_status_span_prints_what_the_markup_printed():
    for status in STATUS_ORDER:
        for lang in ("zh", "en"):
            jinja, python = both("status_span", status, lang)
            assert python == jinja and f'data-status="{status}"' in python


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fixed_dictionaries({"mark": st.sampled_from(["met", "within", "below", "missing"]) | TEXT,
                                       "text": VALUE, "mark_text": TEXT}), max_size=5))
def test_school_cells_print_what_the_loop_printed(cells):
    jinja, python = both("school_cells", cells)
    assert python == jinja
    if not any(isinstance(c["text"], Markup) for c in cells):  # a Markup value is printed as it is, by design
        assert "<script>" not in python
    assert "\u202e" not in python
