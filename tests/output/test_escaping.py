"""What hostile input can do to the documents: names are escaped in HTML, message templates are sandboxed.

(The message templates are compiled by auditor/rules/messages.py and rendered into the documents; their
sandbox is tested here with the escaping. File names, all-or-nothing writes and untouched inputs:
test_files.py.)"""
from __future__ import annotations

import datetime as _dt

import pytest
import yaml

from auditor.audit import Auditor
from auditor.errors import PolicyError
from auditor.intake.document import Document
from auditor.rules.messages import render_message, template_problems
from auditor.rules.policies import load_policies
from conftest import make_pack
from auditor.output.report import render
from auditor.intake.submission import facts_from_document

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


def hostile_policy(tmp_path, message="{{ school_name }} {{ class }} 班额{{ size }}人"):
    folder = tmp_path / "policies"
    make_pack(folder)
    policy = {
        "clause": "二（一）4", "id": "hostile", "title": {"zh": f"标题{SCRIPT}", "en": f"title {IMG}"},
        "text": f"正文{SCRIPT}", "responsible": [f"单位{IMG}"],
        "checks": [{"id": "hostile.size", "title": {"zh": f"班额{SCRIPT}", "en": "size"}, "over": "class",
                    "due": "2019-12-31", "require": "size <= 55", "severity": "major",
                    "message": {"zh": message, "en": message}}],
    }
    (folder / "p.yaml").write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")
    return str(folder)


def hostile_facts():
    data = {"district": "和平区", "figures": {"pupils_total": 1},
            "documents": [{"kind": "action_plan", "title": SCRIPT, "ref": IMG, "filed_on": "2019-01-01"}],
            "schools": [{"id": "S1", "name": SCRIPT, "stage": "primary",
                         "classes": [{"id": IMG, "grade": 1, "size": 60}]}]}
    return facts_from_document(Document("hostile.yaml", data))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_names_are_escaped_in_html(tmp_path, lang):
    policy_set = load_policies(hostile_policy(tmp_path))
    findings = Auditor(policy_set, "reference").audit([hostile_facts()], _dt.date(2022, 12, 31), ["和平区"])
    pages = render(findings, policy_set, lang)
    html = {name: text for name, text in pages.items() if name.endswith(".html")}
    assert html
    everything = "".join(html.values())
    assert "&lt;script&gt;" in everything, "the hostile school name does not appear (escaped) at all"
    for name, text in html.items():
        assert SCRIPT not in text, f"{name}: unescaped <script>"
        assert "<img" not in text, f"{name}: unescaped <img>"
        assert "onerror=alert(1)>" not in text.replace("&gt;", "")  # the attribute never closes a tag
    # findings.json keeps the values as data (it is JSON, not HTML)
    assert SCRIPT in pages["findings.json"]


# --------------------------------------------------------------------------- message templates
ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].system('id') }}",
    "{{ self._TemplateReference__context }}",
    "{{ size|attr('__class__') }}",
    "{{ range(10)|list }}",
    "{{ 9 ** 9 ** 9 }}",
    "{% for i in school %}{{ i }}{% endfor %}",
    "{% set x = 1 %}{{ x }}",
    "{% include '/etc/passwd' %}",
    "{% import 'x' as y %}",
    "{{ namespace() }}",
]


@pytest.mark.parametrize("template", ESCAPES)
def test_hostile_message_templates_are_refused_at_load(tmp_path, template):
    """Decision: a template that tries anything beyond printing values is refused with P-MESSAGE."""
    assert template_problems(template)
    with pytest.raises(PolicyError) as info:
        load_policies(hostile_policy(tmp_path, template))
    assert "P-MESSAGE" in info.value.codes, str(info.value)
    assert "checks[0].message" in str(info.value)


@pytest.mark.parametrize("template", ESCAPES + ["{{ 'x' * 100000000 }}", "{{ '%0999999999d' % 1 }}", "{{ namespace }}"])
def test_the_sandbox_renders_a_marked_fallback_never_internals(template):
    """Defence in depth: even unchecked, rendering never reaches Python internals or blows up."""
    text = render_message(template, {"size": 3, "school": {"name": "x"}, "school_name": "x"})
    assert len(text) <= 4000
    for leak in ("<class", "object at 0x", "function", "module", "uid=", "built-in"):
        assert leak not in text, text


@pytest.mark.parametrize("template", ["{{ school_name }} {{ size }}人", "{{ (rate * 100)|round(1) }}%",
                                      "{{ school.name }}", "{% if size > 45 %}超{% endif %}", "{{ size|default('—') }}"])
def test_ordinary_templates_are_allowed(template):
    assert template_problems(template) == []
