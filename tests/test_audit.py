"""The audit as a whole (``auditor/audit.py``): findings do not depend on ``--jobs``; a bad file among
workers reports every problem and nothing else. (Moved from tests/test_perf.py.)
"""
from __future__ import annotations

import datetime as _dt
import os

import pytest

from auditor.audit import Auditor
from auditor.errors import AuditorError
from auditor.intake.submissions import expand_paths
from auditor.output.report import findings_json
from auditor.rules.policies import load_policies
from conftest import FIXTURES, POLICIES


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
