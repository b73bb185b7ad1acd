"""auditor/rules/messages.py: the allow-list of message templates, checked before anything is compiled, and bounded rendering.

The cases are in tests/rules/messages.yaml: templates that must be allowed (with what they render from
fixed values) and templates that must be refused (with a fragment of the reason). The bombs of issue 19
(a %-format with a width of 2**31, nine chained |replace that Jinja's constant folding expanded to
gigabytes while compiling) are refused by parsing alone, in milliseconds.
"""
from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from auditor.errors import PolicyError
from auditor.rules import messages
from auditor.rules.messages import MAX_RENDERED, MAX_VALUE, beside, render_message, template_problems
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


# beside(value, limit, precision): a figure printed next to its limit never reads as the limit itself when it is
# not at it. round(3) printed a CV of 0.5003 as "0.5" in "差异系数为0.5，高于0.50", and round(1) a school's lowest item
# at 84.998% of its value as "85.0%" beside the standard's "不低于85%".
@pytest.mark.parametrize("value, limit, precision, shown", [
    (0.5532326362948065, 0.5, 3, 0.553),  # 铁西区's primary equipment CV: three places tell it from 0.50
    (0.5003, 0.5, 3, 0.5003),
    (0.50000004, 0.5, 3, 0.50000004),
    (0.4999, 0.5, 3, 0.4999),
    (0.5, 0.5, 3, 0.5),
    (0.4504, 0.45, 3, 0.4504),
    (84.99777777777778, 85, 1, 84.998),
    (85.00000000000001, 85, 1, 85.0),  # 0.85 * 100 in floating point: at the floor, not above it
    (56.99999999999999, 85, 1, 57.0),  # 0.57 * 100: 57%
    (22.2222, 85, 1, 22.2),
    (7, 5, 2, 7.0),
])
def test_beside_keeps_a_figure_apart_from_its_limit(value, limit, precision, shown):
    assert beside(value, limit, precision) == shown


@pytest.mark.parametrize("value", ["—", None, float("nan"), float("inf"), True])
def test_beside_leaves_what_is_not_a_number(value):
    got = beside(value, 0.5, 3)
    assert got is value or (got != got and value != value)


@given(st.fractions(min_value=0, max_value=10, max_denominator=10**6), st.sampled_from([0.45, 0.5, 0.85, 85, 5]),
       st.integers(0, 4))
def test_beside_prints_a_value_on_its_own_side_of_the_limit(exact, limit, precision):
    """Whatever the value, the figure printed is on the same side of the limit as the value (or at it only when the
    value is, to 12 significant digits), and within half a unit of its last place of the value."""
    value = float(exact)
    shown = beside(value, limit, precision)
    read = float(f"{value:.12g}")
    if read > limit:
        assert shown > limit
    elif read < limit:
        assert shown < limit
    else:
        assert shown == limit
    assert abs(Fraction(repr(shown)) - Fraction(repr(read))) <= Fraction(1, 2 * 10 ** precision) + Fraction(1, 10 ** 15)


def test_the_standards_messages_print_a_failing_cv_and_share_apart_from_their_limits():
    """The bundled national policies render the CV and the k-of-n share with beside, as the assessment page does."""
    import datetime as _dt
    from auditor.audit import Auditor
    from auditor.intake.document import Document
    from auditor.intake.submission import facts_from_document
    from conftest import POLICIES

    policy_set = load_policies(POLICIES)
    school = dict(stage="primary", school_type="regular", pupils=1000, teachers_associate_plus=60, backbone_teachers=15,
                  pe_arts_teachers=12, sports_area=11000, equipment_value=3000000, multimedia_rooms=30)

    def said(*areas):
        facts = {"district": "和平区", "schools": [dict(school, id=f"s{i}", name=f"{i}校", teaching_area=a)
                                                   for i, a in enumerate(areas, 1)]}
        findings = Auditor(policy_set, "reference", whole_city=True).audit(
            [facts_from_document(Document("case", facts))], _dt.date(2022, 12, 31), ["和平区"])
        return {v["check"]: [e["message"]["zh"] for e in v["evidence"] if e.get("message")]
                for v in findings["verdicts"] if v["district"] == "和平区"}

    # two schools of 1000 pupils at 1.0 and 3.0024 m2 per pupil: CV 2.0024 / 4.0024 = 0.50030
    assert said(1000, 3002.4)["nat-resources.cv-teaching-area-primary"] == ["和平区小学生均教学及辅助用房面积校际差异系数为0.5003，高于0.50"]
    # 3.8249 m2 per pupil is 84.998% of the 4.5 required, under the floor of 85%
    assert said(3824.9, 6000)["nat-resources.primary-schools"] == ["1校（小学段）7项资源配置指标中达标6项，最低一项为标准的84.998%"]
