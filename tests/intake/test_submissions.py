"""submissions.py: folders and files given on the command line -> submission units, whatever their format."""
from __future__ import annotations

from auditor.intake.submissions import load_submissions
from spreadsheet_kit import _filled, policy_set  # noqa: F401


def test_open_workbook_lock_files_are_skipped(policy_set, tmp_path):
    path, _ = _filled(policy_set, tmp_path)
    (tmp_path / "~$和平区.xlsx").write_bytes(b"lock")
    assert [f.district for f in load_submissions([str(tmp_path)])] == ["和平区"]
