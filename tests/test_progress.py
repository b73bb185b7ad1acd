"""Progress on stderr: shown on a terminal only, districts done / total and records per second, cleared at the end."""
import io

import pytest

from auditor.audit import run_districts
from auditor.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_not_a_terminal_gets_nothing():
    stream = io.StringIO()
    with Progress(3, stream=stream) as progress:
        for _ in range(3):
            progress.step(1000)
    assert stream.getvalue() == ""


def test_quiet_on_a_terminal_gets_nothing():
    stream = Terminal()
    with Progress(3, stream=stream, enabled=False) as progress:
        progress.step(10)
    assert stream.getvalue() == ""


@pytest.mark.parametrize("lang, expected", [("zh", "督导 2/4 个区县（市），2,000 条记录/秒"), ("en", "auditing 2/4 districts, 2,000 records/s")])
def test_done_total_and_rate(lang, expected):
    stream, clock = Terminal(), Clock()
    progress = Progress(4, lang=lang, stream=stream, clock=clock)
    clock.now = 1.0
    progress.step(1000)
    clock.now = 1.2  # within the half second: not rewritten
    progress.step(1000)
    assert stream.getvalue().count("\r") == 1
    clock.now = 2.0
    progress.step(0, count=0)
    assert progress.line() == expected.replace("2,000", "1,000")
    clock.now = 1.0
    assert progress.line() == expected


def test_last_step_shown_and_line_cleared():
    stream, clock = Terminal(), Clock()
    with Progress(2, stream=stream, clock=clock) as progress:
        progress.step(5)
        progress.step(5)  # the last one is always shown
    text = stream.getvalue()
    assert "2/2" in text
    assert text.endswith("\r") and text.rstrip("\r").endswith(" ")  # cleared: the summary starts on a clean line


@pytest.mark.parametrize("jobs", [1, 2])
def test_audit_steps_once_per_district_with_its_records(jobs):
    from auditor.audit import Auditor
    from auditor.intake.submissions import expand_paths, load_submission
    from auditor.rules.policies import load_policies
    from bundled import AS_OF
    from conftest import FIXTURES, POLICIES

    files = expand_paths([FIXTURES])[:3]
    records = sum(sum(len(v) for v in load_submission(f).records.values()) for f in files)
    progress = Progress(len(files), stream=Terminal())
    Auditor(load_policies(POLICIES), "reference").audit_files(files, AS_OF, jobs=jobs, progress=progress)
    assert (progress.done, progress.records) == (len(files), records)
    assert records > 100


def test_render_steps_once_per_part():
    from auditor.audit import Auditor
    from auditor.intake.submissions import expand_paths
    from auditor.output.report import render
    from auditor.rules.policies import load_policies
    from bundled import AS_OF
    from conftest import FIXTURES, POLICIES

    policy_set = load_policies(POLICIES)
    findings = Auditor(policy_set, "reference").audit_files(expand_paths([FIXTURES])[:2], AS_OF)
    progress = Progress(0, "render", stream=Terminal())
    files = render(findings, policy_set, progress=progress)
    # the spreadsheet, findings.json, each district's report (and notice) and the summary: one part each
    assert progress.done == progress.total == 2 + len({v["district"] for v in findings["verdicts"]}) + 1
    assert "生成报告" in progress.stream.getvalue() and len(files) >= progress.total
