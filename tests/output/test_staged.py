"""Reports written as they are rendered (``render(..., stage=out)``): the same bytes as in memory, whatever --jobs
is, renamed into place all or nothing, and no temporary left behind when rendering or writing fails."""
from __future__ import annotations

import datetime as _dt
import io
import json
import os

import pytest

from auditor.audit import Auditor
from auditor.intake.submissions import expand_paths
from auditor.output import findings as findings_module
from auditor.output import claims, report, staging, writer
from auditor.output.files import write_reports
from auditor.output.findings import findings_json, write_findings_json
from auditor.rules.policies import load_policies
from conftest import FIXTURES, POLICIES


@pytest.fixture(scope="module")
def audited():
    policy_set = load_policies(POLICIES)
    findings = Auditor(policy_set, "reference").audit_files(expand_paths([FIXTURES])[:4], _dt.date(2022, 12, 31))
    return policy_set, findings


def temporaries(folder) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.endswith(".part"))


@pytest.mark.parametrize("jobs", [1, 2])
def test_staged_reports_are_the_same_bytes_as_in_memory(audited, tmp_path, jobs):
    policy_set, findings = audited
    in_memory = report.render(findings, policy_set, "zh", jobs=1)
    out = tmp_path / "out"
    claims.claim(str(out))
    try:
        staged = report.render(findings, policy_set, "zh", jobs=jobs, stage=str(out))
        assert set(staged) == set(in_memory) and all(isinstance(v, writer.Staged) for v in staged.values())
        assert len(temporaries(out)) == len(staged)  # written already, under temporary names
        write_reports(staged, str(out))
    finally:
        claims.release_folder(str(out))
    assert temporaries(out) == []
    for name, data in in_memory.items():
        assert (out / name).read_bytes() == (data.encode("utf-8") if isinstance(data, str) else data), name


def test_findings_json_written_piece_by_piece_is_the_same_bytes(audited):
    _, findings = audited
    handle = io.BytesIO()
    write_findings_json(findings, handle)
    assert handle.getvalue() == findings_json(findings).encode("utf-8")


@pytest.mark.parametrize("chunk", [1, 2, 5, 10_000])
@pytest.mark.parametrize("place", ["first", "middle", "last"])
def test_findings_json_in_chunks_of_verdicts_is_the_same_bytes(audited, monkeypatch, chunk, place):
    """The verdicts encoded a chunk at a time and spliced into the rest: the bytes of one encoding, wherever the key
    "verdicts" falls among the sorted keys and however the chunks divide the list."""
    _, findings = audited
    extra = {"first": {"aaa": [1, {"b": "\u6c88"}]}, "middle": {}, "last": {"zzz": {"verdicts": []}}}[place]
    findings = {**findings, **extra}
    monkeypatch.setattr(findings_module, "CHUNK", chunk)
    handle = io.BytesIO()
    write_findings_json(findings, handle)
    assert handle.getvalue() == findings_json(findings).encode("utf-8")
    assert json.loads(handle.getvalue()) == json.loads(json.dumps(findings, default=list))


def test_a_render_that_fails_leaves_no_temporary(audited, tmp_path, monkeypatch):
    policy_set, findings = audited
    out = tmp_path / "out"
    claims.claim(str(out))
    (out / "index.html").write_text("previous")
    calls = []
    original = report.view

    def failing(*args, **kwargs):  # the third district's report fails, after the spreadsheet and findings.json
        calls.append(1)
        if len(calls) > 60:
            raise ValueError("boom")
        return original(*args, **kwargs)

    monkeypatch.setattr(report, "view", failing)
    try:
        with pytest.raises(ValueError):
            report.render(findings, policy_set, "zh", jobs=1, stage=str(out))
        assert temporaries(out) == [] and (out / "index.html").read_text() == "previous"
    finally:
        claims.release_folder(str(out))


def test_a_write_that_is_refused_removes_the_staged_temporaries(audited, tmp_path):
    policy_set, findings = audited
    out = tmp_path / "out"
    claims.claim(str(out))
    try:
        staged = report.render(findings, policy_set, "zh", jobs=1, stage=str(out))
        (out / "index.html").mkdir()  # a folder where a report goes: U-OUT, nothing replaced
        with pytest.raises(Exception) as info:
            write_reports(staged, str(out))
        assert "U-OUT" in str(info.value.problems[0].code)
        assert temporaries(out) == [] and not (out / "findings.json").exists()
    finally:
        claims.release_folder(str(out))


def test_staging_needs_a_claimed_folder(tmp_path):
    with pytest.raises(RuntimeError, match="not claimed"):
        staging.stage_file(str(tmp_path), lambda handle: handle.write(b"x"))
