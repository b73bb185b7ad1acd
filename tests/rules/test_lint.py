"""auditor/rules/lint.py and `auditor check`: planted problems in tests/lint/*.yaml are reported with their code and line.

Each planted file is a policy whose offending lines carry ``# expect: CODE``;
the findings must be exactly those (code, line) pairs — nothing missed,
nothing extra. ``P-`` codes are refused when the policies load (exit 2),
``L-`` codes are the lint of rules that loaded (exit 1). The real rule set
must be clean.
"""
from __future__ import annotations

import glob
import os
import re
import shutil

import pytest

from auditor import cli
from auditor.errors import CODES, PolicyError
from auditor.rules.lint import lint
from auditor.rules.policies import load_policies

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from conftest import ROOT, make_pack  # noqa: E402
from test_bad import english_words  # noqa: E402
PLANTED = sorted(glob.glob(os.path.join(TESTS, "lint", "*.yaml")))
LINT_CODES = ("L-NEVER", "L-IMPOSSIBLE", "L-TAUTOLOGY", "L-CONFLICT", "L-LOOSER", "L-PERIOD")


def expected(path: str) -> set[tuple[str, int]]:
    out = set()
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            m = re.search(r"#\s*expect:\s*(.+)$", line)
            if m:
                out |= {(code, number) for code in m.group(1).split()}
    return out


def _alone(path: str, tmp_path) -> str:
    folder = tmp_path / "policies"
    make_pack(folder)
    shutil.copy(path, folder)
    return str(folder)


def _found(folder: str) -> set[tuple[str, int]]:
    try:
        policy_set = load_policies(folder)
    except PolicyError as exc:  # refused at load: duplicate ids, unknown clauses and fields
        return {(p.code, p.line) for p in exc.problems}
    return {(p.code, p.line) for p in lint(policy_set)}


@pytest.mark.parametrize("path", PLANTED, ids=[os.path.basename(p) for p in PLANTED])
def test_planted_findings_with_code_and_line(path, tmp_path):
    assert _found(_alone(path, tmp_path)) == expected(path)


@pytest.mark.parametrize("path", PLANTED, ids=[os.path.basename(p) for p in PLANTED])
def test_check_command_prints_findings_and_exits(path, tmp_path, capsys):
    """In English (--lang en) and in Chinese (the default): the same codes at the same lines, and no English words
    left in the Chinese findings (see tests/test_bad.py)."""
    folder = _alone(path, tmp_path)
    want = expected(path)
    load_error = any(code.startswith("P-") for code, _ in want)
    for lang in (["--lang", "en"], []):
        status = cli.main(["check", "--policies", folder, *lang])
        err = capsys.readouterr().err
        assert status == (2 if load_error else 1 if want else 0)  # 2: refused at load; 1: the rules' logic
        lines = re.findall(r"^.*?\.yaml:(\d+): ([A-Z]-[A-Z-]+): (.*)$", err, re.M)
        assert {(code, int(line)) for line, code, _ in lines} == want
        for line, code, text in lines if not lang else ():
            assert not english_words(f"x: {code}: {text}"), (code, line, english_words(f"x: {code}: {text}"), text)


def test_the_rule_set_is_clean(capsys):
    assert cli.main(["check", "--policies", os.path.join(ROOT, "policies")]) == 0
    assert "：通过——" in capsys.readouterr().out  # (Chinese by default)


def test_malformed_policy_stays_exit_2(tmp_path, capsys):
    folder = tmp_path / "policies"
    make_pack(folder)
    text = open(PLANTED[0], encoding="utf-8").read()
    (folder / "p.yaml").write_text(text.replace("over: class", "over: klass", 1), encoding="utf-8")
    assert cli.main(["check", "--policies", str(folder)]) == 2
    assert "P-SCHEMA" in capsys.readouterr().err


def test_every_planted_code_is_a_stable_code_in_the_readme():
    readme = open(os.path.join(ROOT, "docs", "error-codes.md"), encoding="utf-8").read()  # moved out of the README
    planted = {code for path in PLANTED for code, _ in expected(path) if code.startswith("L-")}
    assert planted == set(LINT_CODES)
    for code in LINT_CODES:
        assert code in CODES
        assert f"| `{code}` |" in readme
