"""Worker processes (``auditor/workers.py``, ``forked_map``): a dead worker stops the work with an
error; rendering in workers gives the same files, byte for byte. (Moved from tests/test_perf.py.)
"""
from __future__ import annotations

import datetime as _dt
import os

import pytest

from auditor.audit import Auditor
from auditor.intake.submissions import expand_paths
from auditor.rules.policies import load_policies
from conftest import FIXTURES, POLICIES


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
    with pytest.raises(RuntimeError, match="ZeroDivisionError") as caught:
        forked_map(lambda index: 1 // (index - 3), 5, 2)
    if not os.environ.get("AUDITOR_DEBUG"):  # the I-BUG line: the exception, not the worker's traceback
        assert "Traceback" not in str(caught.value) and "\n" not in str(caught.value), str(caught.value)


def test_reports_are_byte_identical_whatever_the_number_of_jobs():
    from auditor.output.report import render

    policy_set = load_policies(POLICIES)
    findings = Auditor(policy_set, "reference").audit_files(expand_paths([FIXTURES]), _dt.date(2022, 12, 31))
    files = {jobs: render(findings, policy_set, "zh", jobs=jobs) for jobs in (1, 2, 3)}
    assert files[1] == files[2] == files[3]
    assert {"findings.json", "findings.xlsx", "index.html", "和平区.html"} <= set(files[1])
