"""docs/policy-guide.md runs as written (issue 20 item 3).

The guide's blocks are executed in order (tests/docs/runner.py: its commands with the exit status it states, its
outputs line by line, its before/after edits, its YAML) on a scratch copy of policies/ that is a git repository
(so that ``HEAD:policies`` is the shipped rule set), from a folder where ``fixtures/`` is the repository's. A block
that cannot be run fails the test. The guide's table of error codes is held to the codes the code raises.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess

import pytest

from conftest import POLICIES, ROOT
from runner import run

GUIDE = os.path.join(ROOT, "docs", "policy-guide.md")


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    shutil.copytree(POLICIES, tmp_path / "policies")
    os.symlink(os.path.join(ROOT, "fixtures"), tmp_path / "fixtures")
    git = ["git", "-c", "user.name=guide", "-c", "user.email=guide@example.invalid", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "policies"], ["commit", "-qm", "the shipped policies"]):
        subprocess.run(git + args, cwd=tmp_path, check=True, capture_output=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_guide_runs_as_written(scratch, capsys):
    assert run(GUIDE, capsys, shown="docs/policy-guide.md") >= 15


def test_the_error_codes_are_the_codes_the_tool_raises():
    """The guide's table lists exactly the file (E-), policy (P-) and rule (L-) codes found in auditor/."""
    raised = set()
    for file in glob.glob(os.path.join(ROOT, "auditor", "**", "*.py"), recursive=True):
        with open(file, encoding="utf-8") as handle:
            raised |= set(re.findall(r'"([EPL]-[A-Z]+(?:-[A-Z]+)*)"', handle.read()))
    with open(GUIDE, encoding="utf-8") as handle:
        listed = set(re.findall(r"^\| `([EPL]-[A-Z-]+)` \|", handle.read(), re.M))
    assert listed == raised, f"not in the guide: {sorted(raised - listed)}; not raised: {sorted(listed - raised)}"
