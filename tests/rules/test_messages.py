"""auditor/rules/messages.py: the allow-list of message templates, checked before anything is compiled, and bounded rendering.

The cases are in tests/rules/messages.yaml: templates that must be allowed (with what they render from
fixed values) and templates that must be refused (with a fragment of the reason). The bombs of issue 19
(a %-format with a width of 2**31, nine chained |replace that Jinja's constant folding expanded to
gigabytes while compiling) are refused by parsing alone, in milliseconds.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from auditor.errors import PolicyError
from auditor.rules import messages
from auditor.rules.messages import MAX_RENDERED, MAX_VALUE, render_message, template_problems
from auditor.rules.policies import load_policies
from conftest import make_pack

CASES = yaml.safe_load((Path(__file__).parent / "messages.yaml").read_text(encoding="utf-8"))
VALUES = {"size": 46, "rate": 0.9512, "school_name": "第一小学", "school": {"name": "一校", "rural": True}, "grade": 3,
          "ref": "沈和政办发〔2019〕40号"}


@pytest.mark.parametrize("case", CASES["allowed"], ids=[c["template"] for c in CASES["allowed"]])
def test_allowed_templates_render(case):
    assert template_problems(case["template"]) == []
    assert render_message(case["template"], VALUES) == case["renders"]


@pytest.mark.parametrize("case", CASES["refused"], ids=[c["template"][:60] for c in CASES["refused"]])
def test_refused_templates_are_refused_by_parsing_alone(case, monkeypatch):
    compiled = []
    monkeypatch.setattr(messages._ENV, "from_string", lambda *a, **k: compiled.append(a) or None)
    start = time.perf_counter()
    found = template_problems(case["template"])
    assert any(case["reason"] in str(p) for p in found), found
    assert time.perf_counter() - start < 1
    assert not compiled, "a refused template must never be compiled (Jinja folds constants while compiling)"


@pytest.mark.parametrize("case", CASES["refused"], ids=[c["template"][:60] for c in CASES["refused"]])
def test_a_refused_template_renders_a_marked_fallback(case):
    """Defence in depth: rendering a template that was never checked refuses it the same way."""
    assert render_message(case["template"], VALUES).startswith("[消息模板错误 message template error")


def test_rendering_is_bounded_whatever_the_values():
    huge = "长" * 5_000_000  # a 20 MB submission could hold a school name this long
    text = render_message("{{ school_name ~ school_name ~ school_name }}{{ school_name }}", {"school_name": huge})
    assert len(text) <= MAX_RENDERED
    assert render_message("{{ school_name }}", {"school_name": huge}) == "长" * MAX_VALUE + "…"
    adding = "{{ " + " + ".join(["school_name"] * 8) + " }}"
    assert render_message(adding, {"school_name": huge}).startswith("[消息模板错误")  # + would build more than 4,000


def test_attributes_are_keys_of_mappings_only():
    assert render_message("{{ school.name }}|{{ school.items }}|{{ size.real }}|{{ school_name.upper }}", VALUES) == "一校|—|—|—"


def test_a_policy_with_a_bomb_is_refused_at_load_in_time(tmp_path):
    text = (Path(__file__).parents[1] / "bad" / "policies" / "message-replace-chain.yaml").read_text(encoding="utf-8")
    make_pack(tmp_path)
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(PolicyError) as info:
        load_policies(str(tmp_path))
    assert time.perf_counter() - start < 5
    assert info.value.codes == ["P-MESSAGE"]
