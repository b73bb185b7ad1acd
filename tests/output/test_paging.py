"""The city summary at scale (issue 18 item 5): beyond SUMMARY_PAGE districts, an overview and pages of districts."""
from __future__ import annotations

import datetime as _dt
import re

import pytest

from auditor.audit import Auditor
from auditor.intake.submissions import expand_paths
from auditor.model import plan
from auditor.output import paging, report
from auditor.rules.policies import load_policies
from conftest import FIXTURES, POLICIES


@pytest.fixture(scope="module")
def audited():
    policy_set = load_policies(POLICIES)
    findings = Auditor(policy_set, "reference").audit_files(expand_paths([FIXTURES]), _dt.date(2022, 12, 31))
    return policy_set, findings


def columns(html: str) -> list[str]:
    """The districts heading the matrix's columns."""
    head = re.search(r'<table class="matrix">\s*<thead>(.*?)</thead>', html, re.S).group(1)
    return re.findall(r'<a href="[^"]*">([^<]+)</a>', head)


def cv_rows(html: str) -> list[str]:
    """The districts heading the rows of the 差异系数 matrix (none: no matrix)."""
    table = re.search(r'<table class="matrix cv-matrix">(.*?)</table>', html, re.S)
    return re.findall(r'<tr><th>(?:<a href="[^"]*">)?([^<]+)', table.group(1)) if table else []


@pytest.mark.parametrize("size, pages", [(5, 3), (6, 3), (12, 2), (13, 0), (100, 0)])
def test_groups(size, pages):
    districts = list(plan()["districts"])[:13]
    groups = paging.summary_groups(districts, size)
    assert len(groups) == pages
    if groups:
        assert [d for g in groups for d in g] == districts and all(len(g) <= size for g in groups)


def test_few_districts_one_summary_as_before(audited):
    policy_set, findings = audited
    files = report.render(findings, policy_set, "zh")
    assert not any(name.startswith("summary-") for name in files)
    assert 'id="pages"' not in files["index.html"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_many_districts_an_overview_and_pages(audited, monkeypatch, jobs):
    policy_set, findings = audited
    monkeypatch.setattr(paging.summary_groups, "__defaults__", (5,))  # pages of 5: the fixtures' 13 districts on 3
    files = report.render(findings, policy_set, "zh", jobs=jobs)
    city = plan()["city"]
    districts = [d for d in dict.fromkeys(v["district"] for v in findings["verdicts"]) if d != city]
    names = sorted(n for n in files if n.startswith("summary-"))
    assert names == ["summary-001.html", "summary-002.html", "summary-003.html"]
    index = files["index.html"]
    assert all(f'href="{n}"' in index for n in names)
    assert columns(index) == [city]  # the overview: no 13-column wall, the city's own column
    seen = []
    for number, name in enumerate(names, start=1):
        page = files[name]
        shown = columns(page)
        assert shown[-1] == city and len(shown) <= 6
        seen += shown[:-1]
        assert f"第{number}页，共3页" in page
        # the worklist and per-check table name only the page's districts
        assert set(re.findall(r'data-district="([^"]+)"', page)) <= set(shown)
        # the national standard's 差异系数 matrix, a row per district of the page and no other
        assert cv_rows(page) == shown[:-1]
    assert cv_rows(index) == []  # the overview holds no per-district matrix
    assert seen == districts  # every district on exactly one page, in order
    # the totals are the whole audit's
    total = len(findings["verdicts"])
    assert f"共核查{total}项" in index or str(total) in index


def test_pages_are_the_same_bytes_whatever_jobs(audited, monkeypatch):
    policy_set, findings = audited
    monkeypatch.setattr(paging.summary_groups, "__defaults__", (4,))
    assert report.render(findings, policy_set, "en", jobs=1) == report.render(findings, policy_set, "en", jobs=2)
