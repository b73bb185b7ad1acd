"""The fast paths say what the slow ones say (no timings here: bench/run.py measures).

- compiled expressions and rules (``expr.compile_expr``, ``reference.judger``)
  agree with the tree-walking ``expr.evaluate`` / ``reference.judge``;
- the compiled schema check never accepts what jsonschema refuses;
- libyaml composition gives the same data, positions and problems as the
  pure-Python loader;
- the engine's batch encoder writes what ``engine.dumps`` writes;
- ``--jobs`` does not change findings.json by a single byte;
- the benchmark's synthetic submissions are seeded and valid.
"""
from __future__ import annotations

import copy
import datetime as _dt
import functools
import json
import os
import sys

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from auditor.intake import contracts
from auditor.rules import expr
from auditor.intake import loader
from auditor.evaluate import reference
from auditor.audit import Auditor
from auditor.rules.compiler import compile_policies
from auditor.errors import AuditorError, Collector
from auditor.rules.policies import load_policies
from auditor.output.report import findings_json
from auditor.intake.submissions import expand_paths

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POLICIES = os.path.join(ROOT, "policies")
FIXTURES = os.path.join(ROOT, "fixtures", "shenyang-2022")

# ----------------------------------------------------------------------------- compiled expressions
EXPRESSIONS = [
    "size <= 55", "size > 45 and stage == \"primary\"", "not (size < 10)", "size + 5 <= 50", "size * 2 >= pupils / 3",
    "pupils / size > 2", "stage in [\"primary\", \"junior\"]", "stage not in [\"junior\"]", "rural or size > 40",
    "rural and (size > 40 or pupils < 100)", "not rural", "size - pupils == 0", "filed_on <= date(\"2019-12-31\")",
    "(stage == \"primary\" and size <= 45) or (stage == \"junior\" and size <= 50)", "-size < -3", "size / 0 > 1",
]
values = st.one_of(st.none(), st.integers(-5, 60), st.floats(-5, 60, allow_nan=False), st.sampled_from(["primary", "junior"]), st.booleans())
records = st.fixed_dictionaries({}, optional={"size": values, "pupils": values, "stage": values, "rural": values, "filed_on": st.integers(737000, 738000)})


def _same(a, b) -> bool:
    return (a is expr.MISSING) == (b is expr.MISSING) and (a is expr.MISSING or a == b)


@given(record=records, text=st.sampled_from(EXPRESSIONS))
def test_compiled_expression_evaluates_like_the_tree(record, text):
    node = expr.parse(text)
    try:
        want = expr.evaluate(node, record)
    except TypeError:  # mixed types (a string compared with a number): refused statically in policies
        return
    assert _same(expr.compile_expr(node)(record), want)


@functools.lru_cache(maxsize=1)
def _policy_rules():
    return compile_policies(load_policies(POLICIES)).rules


@given(record=st.fixed_dictionaries({}, optional={
    "size": st.one_of(st.none(), st.integers(0, 70)), "stage": st.sampled_from(["primary", "junior"]),
    "pupils": st.one_of(st.none(), st.integers(0, 3000)), "has_practice_room": st.booleans(),
    "disabled_enrolment_rate": st.floats(0, 1), "practice_room_share": st.floats(0, 1), "kind": st.sampled_from(["action_plan", "layout_plan"]),
    "filed_on": st.integers(737000, 738000), "city_demo_schools": st.integers(0, 400), "city_quality_coverage": st.floats(0, 1)}))
def test_compiled_rules_judge_like_the_reference(record):
    from auditor.model import Record

    for rule in _policy_rules():
        want = reference.judge(rule, Record(rule.kind, "k", record, {}, "test"))
        outcome, lacking = reference.judger(rule)(record)
        assert (outcome, list(lacking)) == want, rule.check.id
        judged = reference.judge_rule(rule, [Record(rule.kind, "k", record, {}, "test")])
        assert sum(judged.counts.values()) == 1 and judged.counts[want[0]] == 1


# ----------------------------------------------------------------------------- schema fast path
def _sample_submission() -> dict:
    return copy.deepcopy(_sample())


@functools.lru_cache(maxsize=1)
def _sample() -> dict:
    with open(os.path.join(FIXTURES, "03-dd.yaml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    data["reported_on"] = str(data["reported_on"])
    for d in data["documents"]:
        d["filed_on"] = str(d["filed_on"])
    data["schools"] = data["schools"][:2]
    return data


MUTATIONS = [None, 1, -1, 2.5, 3.0, True, "x", "", " ", "2019-1-1", [], {}, 10**9, "a/b", "x" * 200]


def _mappings(value):
    """Every mapping in a document, outermost first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _mappings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _mappings(item)


@given(picks=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from(MUTATIONS)), min_size=1, max_size=3))
def test_fast_schema_check_never_accepts_what_jsonschema_refuses(picks):
    data = _sample_submission()
    for where, key, value in picks:
        targets = list(_mappings(data))
        target = targets[where % len(targets)]
        keys = sorted(target) + ["unknown_key"]
        target[keys[key % len(keys)]] = copy.deepcopy(value)
    fast = contracts.fast_check("submission")(data)
    errors = list(contracts.validator("submission").iter_errors(data))
    if fast:
        assert not errors


def test_fast_schema_check_accepts_the_fixtures_and_skips_schemas_it_cannot_compile():
    check = contracts.fast_check("submission")
    for name in sorted(os.listdir(FIXTURES)):
        document = loader.load_document(os.path.join(FIXTURES, name), AuditorError)
        assert check(document.data), name
    policy = contracts.fast_check("policy")  # its oneOf (due or schedule) is compiled too (tests/intake/test_contracts.py)
    for name in sorted(os.listdir(os.path.join(ROOT, "policies"))):
        document = loader.load_document(os.path.join(ROOT, "policies", name), AuditorError)
        assert policy(document.data), name


# ----------------------------------------------------------------------------- YAML: libyaml vs pure Python
SNIPPETS = [
    "a: 1\na: 2\n", "a: !!python/object:os.system x\n", "a: [1, 2\n", "a: 'x\n", "\ta: 1\n", "a:\n  - 1\n - 2\n",
    "a: &x [1,2]\nb: *x\n", "a: 2019-02-30\n", "a: .nan\n", "a: 1e400\n", "- " * 70 + "x\n", "[" * 70 + "]" * 70,
    "a: b: c\n", "? [1,2]\n: x\n", "a: 1\n---\nb: 2\n", "", "# only\n", "a: !foo x\n",
    "<<: {a: 1}\nb: 2\n", "a: |\n  x\n y\n", "a: 9007199254740993\n", "2019: x\n", "a: \"\\x\"\n", "a: @x\n",
    "{a: 1, a: 2}", "a: 1\n  b: 2\n", "- a\nb: 1\n", "名称: 和平区\n学校: [{编号: 一, 班额: 45}]\n",
    "x: &a [1,1,1,1,1,1,1,1,1,1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nw: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n",
]


def _parse(text: str, fast: bool):
    saved = loader._FAST_LOADER
    loader._FAST_LOADER = saved if fast else None
    try:
        collector = Collector("f.yaml", AuditorError)
        document = loader.parse_yaml(text, "f.yaml", collector)
        return document.data, document.positions, [p.format() for p in collector.problems]
    finally:
        loader._FAST_LOADER = saved


@pytest.mark.skipif(loader._FAST_LOADER is None, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("text", SNIPPETS + [os.path.join(FIXTURES, n) for n in sorted(os.listdir(FIXTURES))][:3])
def test_libyaml_composition_reads_like_the_pure_python_loader(text):
    if os.path.exists(text):
        with open(text, encoding="utf-8") as handle:
            text = handle.read()
    assert _parse(text, True) == _parse(text, False)


# ----------------------------------------------------------------------------- engine encoding
@pytest.mark.parametrize("value", [0.5, 1e-05, 1e16, 12345678901234567.0, -0.0001, 3, True, "班额\"55\"", None])
def test_engine_batches_encode_like_dumps(value):
    pytest.importorskip("durable")
    from auditor.evaluate import engine

    fact = {"a": value, "school": {"b": value}}
    projected, plain = engine.projector(["a", "school.b"])(fact)
    text = engine.encode([projected], plain)
    assert json.loads(text) == json.loads(engine.dumps([projected]))
    if isinstance(value, float) and "e" in repr(value):
        assert not plain and "e" not in text  # durable_rules refuses exponent-form floats


# ----------------------------------------------------------------------------- --jobs
@pytest.mark.parametrize("engine", ["reference", "durable"])
def test_findings_are_byte_identical_whatever_the_number_of_jobs(engine):
    policy_set = load_policies(POLICIES)
    files = expand_paths([FIXTURES])
    as_of = _dt.date(2022, 12, 31)
    texts = {jobs: findings_json(Auditor(policy_set, engine).audit_files(files, as_of, None, jobs)) for jobs in (1, 2, 3)}
    assert texts[1] == texts[2] == texts[3]
    from auditor.intake.submissions import load_submissions

    assert findings_json(Auditor(policy_set, engine).audit(load_submissions(files), as_of)) == texts[1]


def test_a_worker_that_dies_stops_the_work_with_an_error_instead_of_a_wait():
    import signal

    from auditor.workers import forked_map

    def work(index):
        if index == 2:
            os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer or a crash in durable_rules' C code would
        return index * 10

    assert forked_map(lambda index: index * 10, 5, 2) == [0, 10, 20, 30, 40]
    with pytest.raises(RuntimeError, match="worker process died"):
        forked_map(work, 5, 2)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        forked_map(lambda index: 1 // (index - 3), 5, 2)


def test_reports_are_byte_identical_whatever_the_number_of_jobs():
    from auditor.output.report import render

    policy_set = load_policies(POLICIES)
    findings = Auditor(policy_set, "reference").audit_files(expand_paths([FIXTURES]), _dt.date(2022, 12, 31))
    files = {jobs: render(findings, policy_set, "zh", jobs=jobs) for jobs in (1, 2, 3)}
    assert files[1] == files[2] == files[3]
    assert {"findings.json", "findings.xlsx", "index.html", "和平区.html"} <= set(files[1])


def test_a_bad_file_among_workers_reports_every_problem_and_nothing_else(tmp_path):
    good = os.path.join(FIXTURES, "01-hp.yaml")
    (tmp_path / "a.yaml").write_text(open(good, encoding="utf-8").read(), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(open(good, encoding="utf-8").read(), encoding="utf-8")
    (tmp_path / "c.yaml").write_text("district: 沈河区\nfigures: {pupils_total: x}\n", encoding="utf-8")
    policy_set = load_policies(POLICIES)
    for jobs in (1, 2):
        with pytest.raises(AuditorError) as info:
            Auditor(policy_set, "reference").audit_files(expand_paths([str(tmp_path)]), _dt.date(2022, 12, 31), None, jobs)
        assert sorted(info.value.codes) == ["S-DUPLICATE-ID", "S-SCHEMA"]


# ----------------------------------------------------------------------------- the benchmark's data
def test_synthetic_submissions_are_seeded_valid_and_faulty():
    sys.path.insert(0, ROOT)
    from bench import synth
    from auditor.intake.loader import Document
    from auditor.intake.submission import facts_from_document

    names = synth.district_names(15)
    assert len(set(names)) == 15 and names[:13] == list(synth.plan()["districts"])[:13]
    known = synth.plan()["districts"]
    saved = list(known)
    synth.register_districts(names)
    try:
        data = synth.submission(names[14], 700, seed=3)
        assert data == synth.submission(names[14], 700, seed=3)
        facts = facts_from_document(Document("synthetic.yaml", data))
        assert len(facts.of("class")) == 700
        assert any(r.data["size"] > 45 for r in facts.of("class"))
        # plausible, not mostly failures: a few schools fall short of each standard, most meet it
        schools = facts.of("school")
        meets = {"monitoring_coverage": lambda v: v >= 1, "pe_minutes_daily": lambda v: v >= 60, "full_curriculum": lambda v: v is True}
        for name, ok in meets.items():
            assert sum(1 for r in schools if not ok(r.data[name])) < 0.1 * len(schools), name
        assert all(r.data["homework_minutes"] <= 30 for r in facts.of("class") if r.data["grade"] <= 2)
        assert synth.split(10, 3) == [4, 3, 3]
    finally:
        known[:] = saved  # the plan's district list is shared by every later test in this process


def test_html_lists_at_most_evidence_rows_per_check_and_findings_json_keeps_all():
    from auditor.intake.loader import Document
    from auditor.output.report import EVIDENCE_ROWS, render
    from auditor.intake.submission import facts_from_document

    extra = 7
    schools = [{"id": f"s{i}", "name": f"校{i}", "stage": "primary", "pupils": 100, "has_practice_room": True,
                "classes": [{"id": "1", "grade": 1, "size": 60}]} for i in range(EVIDENCE_ROWS + extra)]
    policy_set = load_policies(POLICIES)
    facts = facts_from_document(Document("big.yaml", {"district": "和平区", "schools": schools}))
    findings = Auditor(policy_set, "reference").audit([facts], _dt.date(2022, 12, 31), ["和平区"])
    verdict = next(v for v in findings["verdicts"] if v["check"] == "large-classes.56")
    assert verdict["counts"]["fail"] == len(verdict["evidence"]) == EVIDENCE_ROWS + extra
    page = render(findings, policy_set, "zh")["和平区.html"]
    assert f"另有{extra}条未列出" in page
    assert f"校{EVIDENCE_ROWS - 1} " in page and f"校{EVIDENCE_ROWS + extra - 1} " not in page


# ----------------------------------------------------------------------------- JSON positions on demand
def _fixture_json() -> str:
    with open(os.path.join(FIXTURES, "01-hp.yaml"), encoding="utf-8") as handle:
        return json.dumps(yaml.safe_load(handle), ensure_ascii=False, indent=1, default=str)


def test_clean_json_is_read_without_positions_and_they_match_yamls_when_asked():
    text = _fixture_json()
    collector = Collector("hp.json", AuditorError)
    document = loader.parse_json(text, "hp.json", collector)
    assert not collector.problems
    assert document.locate is not None and document.positions == {}  # not looked up: nothing needed them
    path = ("schools", 2, "classes", 1, "size")
    expected = loader.parse_yaml(text, "hp.json", Collector("hp.json", AuditorError)).positions
    assert document.where(path) == expected[path] != (0, 0)
    assert document.locate is None and document.positions == expected


@pytest.mark.parametrize("bad, code", [('"\\u0007"', "E-ENCODING"), ("1e300", "E-NUMBER"), ("12345678901234567", "E-NUMBER")])
def test_a_json_value_problem_is_still_located(bad, code):
    text = _fixture_json()
    lines = text.splitlines()
    target = next(i for i, line in enumerate(lines) if '"size":' in line)
    lines[target] = lines[target].split(":")[0] + ": " + bad + ("," if lines[target].rstrip().endswith(",") else "")
    collector = Collector("hp.json", AuditorError)
    loader.parse_json("\n".join(lines), "hp.json", collector)
    assert [(p.code, p.line) for p in collector.problems] == [(code, target + 1)]
