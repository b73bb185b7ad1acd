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
          "ref": "沈和政办发〔2019〕40号", "closed": None}


@pytest.mark.parametrize("case", CASES["allowed"], ids=[c["template"] for c in CASES["allowed"]])
def test_allowed_templates_render(case):
    assert template_problems(case["template"]) == []
    assert render_message(case["template"], VALUES) == case["renders"]
    assert render_message(case["template"], VALUES, "en") == case.get("renders_en", case["renders"])


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


def test_every_name_a_template_may_use_is_handed_to_it(tmp_path, monkeypatch):
    """The names auditor check lets a message read (messages.names_given) are the names the renderer hands it
    (evaluate/verdict.py): a name allowed but not handed would print "—" as a misspelt one did; every bundled
    message renders without a blank it did not ask for."""
    from auditor.cli import main
    from auditor.evaluate import verdict
    from auditor.rules import expr
    from conftest import FIXTURES

    seen: dict = {}
    real = verdict._message

    def spy(check, values, dates=frozenset(), shares=frozenset()):
        seen.setdefault(check.id, []).append((check, set(values)))
        return real(check, values, dates, shares)

    monkeypatch.setattr(verdict, "_message", spy)
    assert main(["audit", FIXTURES, "--as-of", "2022-12-31", "--out", str(tmp_path / "o"), "--no-db", "--quiet",
                 "--engine", "reference", "--jobs", "1"]) == 0
    assert len(seen) > 20
    for check_id, calls in seen.items():
        for check, handed in calls:
            fields = expr.fields(check.require) | (expr.fields(check.where) if check.where is not None else set())
            given = messages.names_given(check.over, fields, check.steps[0].params)
            assert given <= handed, (check_id, sorted(given - handed))
            for lang in ("zh", "en"):
                assert messages.template_names(check.message[lang]) <= given, (check_id, lang)


def test_a_misspelt_name_in_a_message_is_refused_with_a_suggestion(tmp_path):
    """{{ schol_name }} passed auditor check and the notices printed "—一键报警点未与公安部门联网"."""
    from conftest import PLAN_PACK

    make_pack(tmp_path)
    text = (Path(PLAN_PACK) / "2-1-8-safety.yaml").read_text(encoding="utf-8")
    assert 'zh: "{{ school_name }}一键报警点' in text
    (tmp_path / "2-1-8-safety.yaml").write_text(text.replace('zh: "{{ school_name }}一键报警点', 'zh: "{{ schol_name }}一键报警点'),
                                                encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policies(str(tmp_path))
    (problem,) = caught.value.problems
    lines = (tmp_path / "2-1-8-safety.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "schol_name" in text)
    assert problem.code == "P-MESSAGE" and problem.line == line and 'did you mean "school_name"' in str(problem.message)
