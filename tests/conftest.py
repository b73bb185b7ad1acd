"""Shared test set-up: hypothesis profiles, the --update-golden flag, and YAML table cases.

Table cases live in tests/cases/*.yaml, one file per case family:

    cases:
      - name: a class of 56 fails
        policy: {...a whole policy, inline...}     # or omit to use the installed packs (policies/);
                                                    # an inline policy cites the city's plan (its pack.yaml)
        facts: {...one district's submission...}    # or submissions: [...] with districts: [...]
        as_of: 2020-01-01
        expect: {large-classes.56: fail}
      - name: a misspelt field is refused
        policy: {...}
        error: P-FIELD                              # the code expected from loading the policy
        fragment: did you mean

Each status case runs through both engines (durable_rules and the reference).
The keys are checked when the file is collected (``CASE_KEYS``): an unknown or
misspelt key (``subjet:``), a missing one, or two that exclude each other fail
collection with the case's name, the expected keys and the keys it has.
"""
from __future__ import annotations

import datetime as _dt
import os
import shutil
import sys
import tempfile

import pytest
import yaml
from hypothesis import HealthCheck, settings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POLICIES = os.path.join(ROOT, "policies")  # the installed packs: a folder of packs
PLAN_PACK = os.path.join(POLICIES, "shenyang-2019-23")  # the city's plan 沈政办发〔2019〕23号
FIXTURES = os.path.join(ROOT, "fixtures", "shenyang-2022")


def make_pack(folder, pack: str = PLAN_PACK) -> str:
    """``folder`` made a policy pack of ``pack``'s document: its pack.yaml copied in (the policy files are the
    caller's). Returns the folder."""
    os.makedirs(folder, exist_ok=True)
    shutil.copy(os.path.join(pack, "pack.yaml"), os.path.join(folder, "pack.yaml"))
    return str(folder)

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files instead of comparing")


def pytest_terminal_summary(terminalreporter):
    """Per property test: examples run, examples that exercised the property, and the share (tests/exercised.py)."""
    module = sys.modules.get("exercised")
    lines = module.summary_lines() if module else []
    if lines:
        terminalreporter.write_sep("-", "hypothesis examples that exercised each property")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def update_golden(request):
    return request.config.getoption("--update-golden")


# --------------------------------------------------------------------------- YAML table cases
FILE_KEYS = {"required": {"cases"}, "optional": {"defaults"}}  # defaults: a place for YAML anchors
CASE_KEYS = {
    "status": {"required": {"as_of", "expect"},
               "optional": {"name", "policy", "policies", "facts", "submissions", "district", "districts", "subject"}},
    "error": {"required": {"error"}, "optional": {"name", "policy", "policies", "fragment"}},
}
EXCLUSIVE = [("policy", "policies"), ("facts", "submissions")]  # the second would silently win


class CaseKeyError(Exception):
    """A table case file whose keys are not the expected ones (shown without a traceback)."""


def key_problems(keys, allowed: dict, exclusive=()) -> list[str]:
    """What is wrong with ``keys`` against ``allowed`` ({"required", "optional"}), one line each."""
    from auditor.errors import did_you_mean

    keys = set(keys)
    known = allowed["required"] | allowed["optional"]
    out = [f"unknown key {k!r}{did_you_mean(k, known - keys)}" for k in sorted(keys - known, key=str)]
    out += [f"missing key {k!r}" for k in sorted(allowed["required"] - keys)]
    out += [f"keys {a!r} and {b!r} exclude each other" for a, b in exclusive if a in keys and b in keys]
    return out


def case_problems(data) -> list[str]:
    """The problems of a table case file's keys: one entry per faulty case (or the file itself), each
    listing what is wrong, then the expected keys against the actual ones."""
    def shown(keys) -> str:
        return ", ".join(sorted(map(str, keys))) or "(none)"

    def entry(label: str, problems: list[str], expected: str, allowed: dict, actual) -> str:
        return (f"{label}: " + "; ".join(problems) + f"\n    expected keys{expected}: {shown(allowed['required'])}"
                f" (optional: {shown(allowed['optional'])})\n    actual keys:   {shown(actual)}")

    if not isinstance(data, dict):
        return [f"the file must be a mapping with a 'cases' list, not {type(data).__name__}"]
    problems = key_problems(data, FILE_KEYS)
    out = [entry("file", problems, "", FILE_KEYS, data)] if problems else []
    cases = data.get("cases")
    if not isinstance(cases, list):
        return out + (["file: 'cases' must be a list of cases"] if "cases" in data else [])
    for index, case in enumerate(cases):
        label = f"cases[{index}]"
        if not isinstance(case, dict):
            out.append(f"{label}: must be a mapping, not {type(case).__name__}")
            continue
        if "name" in case:
            label += f" ({case['name']})"
        kind = "error" if "error" in case else "status"
        problems = key_problems(case, CASE_KEYS[kind], EXCLUSIVE)
        if problems:
            out.append(entry(label, problems, f" of {'an' if kind == 'error' else 'a'} {kind} case", CASE_KEYS[kind], case))
    return out


def pytest_collect_file(parent, file_path):
    if file_path.suffix == ".yaml" and file_path.parent.name == "cases" and file_path.parent.parent.name == "tests":
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self):
        from auditor.errors import AuditorError
        from auditor.intake.loader import load_document

        data = load_document(str(self.path), AuditorError).data  # dates stay YYYY-MM-DD text, as in real files
        problems = case_problems(data)
        if problems:
            raise CaseKeyError(f"{self.path}: {len(problems)} problem(s) with the table cases' keys:\n" + "\n".join(problems))
        for index, case in enumerate(data["cases"]):
            name = case.get("name", f"case {index}")
            if "error" in case:
                yield ErrorCase.from_parent(self, name=name, case=case)
            else:
                for engine in ("durable", "reference"):
                    yield StatusCase.from_parent(self, name=f"{name} [{engine}]", case=case, engine=engine)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CaseKeyError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)


def _policy_folder(case: dict, tmp: str) -> str:
    if "policy" not in case and "policies" not in case:
        return POLICIES
    folder = make_pack(os.path.join(tmp, "policies"))
    items = case.get("policies") or [case["policy"]]
    for i, policy in enumerate(items):
        text = policy if isinstance(policy, str) else yaml.safe_dump(policy, allow_unicode=True, sort_keys=False)
        with open(os.path.join(folder, f"p{i}.yaml"), "w", encoding="utf-8") as handle:
            handle.write(text)
    return folder


class StatusCase(pytest.Item):
    def __init__(self, *, case, engine, **kwargs):
        super().__init__(**kwargs)
        self.case = case
        self.engine = engine

    def runtest(self):
        from auditor.audit import Auditor
        from auditor.intake.document import Document
        from auditor.rules.policies import load_policies
        from auditor.intake.submission import facts_from_document

        case = self.case
        with tempfile.TemporaryDirectory() as tmp:
            policy_set = load_policies(_policy_folder(case, tmp))
        subs = case.get("submissions") or [dict(case.get("facts", {}))]
        for s in subs:
            s.setdefault("district", case.get("district", "和平区"))
        facts = [facts_from_document(Document(f"case[{i}]", s)) for i, s in enumerate(subs)]
        districts = case.get("districts") or [f.district for f in facts]
        as_of = _dt.date.fromisoformat(str(case["as_of"]))
        findings = Auditor(policy_set, self.engine, whole_city=True).audit(facts, as_of, districts)  # a city in miniature
        subject = case.get("subject", facts[0].district)
        got = {v["check"]: v["status"] for v in findings["verdicts"] if v["district"] in (subject, "沈阳市")}
        want = case["expect"]
        wrong = {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != v}
        assert not wrong, f"expected vs got: {wrong}"

    def reportinfo(self):
        return self.path, 0, self.name


class ErrorCase(pytest.Item):
    def __init__(self, *, case, **kwargs):
        super().__init__(**kwargs)
        self.case = case

    def runtest(self):
        from auditor.errors import AuditorError
        from auditor.rules.policies import load_policies

        case = self.case
        with tempfile.TemporaryDirectory() as tmp:
            with pytest.raises(AuditorError) as info:
                load_policies(_policy_folder(case, tmp))
        codes = info.value.codes
        assert case["error"] in codes, f"expected {case['error']}, got {codes}: {info.value}"
        fragment = case.get("fragment")
        if fragment:
            assert fragment in str(info.value), str(info.value)

    def reportinfo(self):
        return self.path, 0, self.name
