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


# ----------------------------------------------------------------------------- the city-wide targets
@pytest.mark.parametrize("districts, judged", [
    (None, True),  # every district: the city's figures are judged
    (["大东区"], False),  # a re-inspection of one district: 全市 coverage from it alone once passed
    (["大东区", "皇姑区", "辽中区", "新民市", "康平县", "法库县"], False),  # the four rural districts and two others
])
def test_the_city_wide_targets_are_judged_only_by_an_audit_of_every_district(districts, judged, tmp_path):
    """A city-wide target (全市 coverage, consolidation, the rural nutrition pilots) is the city's figure over all its
    districts: an audit of some of them leaves it unjudged — no verdict, no notice to the city — and the summary
    says so, instead of judging 沈阳市 from the districts it happens to hold."""
    from auditor.model import plan
    from auditor.output.report import render

    policy_set = load_policies(POLICIES)
    files = [f for f in expand_paths([FIXTURES]) if districts is None
             or any(os.path.basename(f)[3:5] == code for code in ("dd", "hg", "lz", "xm", "kp", "fk")[:len(districts)])]
    findings = Auditor(policy_set, "reference").audit_files(files, _dt.date(2022, 12, 31), districts, 1)
    city = plan()["city"]
    city_verdicts = [v for v in findings["verdicts"] if v["district"] == city]
    assert bool(city_verdicts) is judged
    assert all(v["status"] != "pass" or judged for v in city_verdicts)
    pages = render(findings, policy_set, "zh")
    note = "全市目标按全市13个区县（市）的数据评判，本次未作评判（不计为达标）"
    assert (note in pages["index.html"]) is not judged
    assert not judged or f"{city}.html" in pages
    assert judged or not any(name.startswith(city) for name in pages)
