"""The YAML table cases (tests/cases/*.yaml, collected by tests/conftest.py) are checked key by key.

A misspelt key used to be ignored silently (``subjet:`` left the subject at its default and the case
still passed); now it fails collection with the case, the key, a "did you mean" and the expected keys
against the actual ones.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import CASE_KEYS, EXCLUSIVE, ROOT, case_problems, key_problems

HERE = os.path.dirname(os.path.abspath(__file__))


def test_a_misspelt_key_fails_collection_with_expected_against_actual(tmp_path):
    cases = tmp_path / "tests" / "cases"
    cases.mkdir(parents=True)
    shutil.copy(os.path.join(HERE, "conftest.py"), tmp_path / "tests" / "conftest.py")
    shutil.copy(os.path.join(HERE, "cases-invalid", "misspelt-key.yaml"), cases / "misspelt-key.yaml")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", "tests"],
                         cwd=tmp_path, capture_output=True, text=True, encoding="utf-8", env={**os.environ, "PYTHONPATH": ROOT})
    out = run.stdout + run.stderr
    assert run.returncode == pytest.ExitCode.INTERRUPTED, out  # a collection error stops the run
    assert "misspelt-key.yaml: 2 problem(s) with the table cases' keys:" in out
    assert "cases[0] (a class of 56 fails): unknown key 'subjet'; did you mean \"subject\"?" in out
    assert "expected keys of a status case: as_of, expect (optional: district, districts, facts, name, policies, policy, subject, submissions)" in out
    assert "actual keys:   as_of, expect, facts, name, subjet" in out
    assert "cases[1] (a policy without its clause is refused): unknown key 'fragmnet'; did you mean \"fragment\"?" in out
    assert "expected keys of an error case: error (optional: fragment, name, policies, policy)" in out
    assert "Traceback" not in out and "conftest.py:" not in out  # the message, not the collector's stack


@pytest.mark.parametrize("case, problems", [
    ({"name": "x", "as_of": "2020-01-01", "expect": {}}, []),
    ({"as_of": "2020-01-01", "expect": {}, "subjet": "和平区"}, ["unknown key 'subjet'; did you mean \"subject\"?"]),
    ({"as_of": "2020-01-01"}, ["missing key 'expect'"]),
    ({"as_of": "2020-01-01", "expect": {}, "facts": {}, "submissions": []}, ["keys 'facts' and 'submissions' exclude each other"]),
    ({"error": "P-FIELD", "expect": {}}, ["unknown key 'expect'"]),  # an error case never compares statuses
    ({"error": "P-FIELD", "policy": {}, "policies": []}, ["keys 'policy' and 'policies' exclude each other"]),
])
def test_case_keys(case, problems):
    kind = "error" if "error" in case else "status"
    assert key_problems(case, CASE_KEYS[kind], EXCLUSIVE) == problems


def test_file_keys_and_every_case_are_reported_together():
    (found,) = case_problems({"case": [], "defaults": {}})
    assert found == ("file: unknown key 'case'; did you mean \"cases\"?; missing key 'cases'\n"
                     "    expected keys: cases (optional: defaults)\n    actual keys:   case, defaults")
    found = case_problems({"cases": [{"as_of": 1, "expect": {}, "subjet": 1}, "text", {"error": "P-X", "fragmnet": ""}]})
    assert [line.split(":")[0] for line in found] == ["cases[0]", "cases[1]", "cases[2]"]


def test_the_real_case_files_are_clean():
    from auditor.errors import AuditorError
    from auditor.intake.loader import load_document

    folder = os.path.join(HERE, "cases")
    names = sorted(n for n in os.listdir(folder) if n.endswith(".yaml"))
    assert names
    for name in names:
        assert case_problems(load_document(os.path.join(folder, name), AuditorError).data) == [], name
