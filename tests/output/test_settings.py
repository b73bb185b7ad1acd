"""Who issues the documents and how they are numbered (auditor/output/settings.py, --settings, --number, --issued)."""
from __future__ import annotations

import datetime as _dt

import pytest

from auditor.errors import UsageError
from auditor.output.settings import load_settings, make_issue
from auditor.store.numbering import number_problem, numbers

ISSUED = _dt.date(2023, 1, 10)


@pytest.mark.parametrize("pattern, expected", [
    ("沈教督〔{year}〕N号", ["沈教督〔2023〕1号", "沈教督〔2023〕2号", "沈教督〔2023〕3号"]),
    ("No. N/{year}", ["No. 1/2023", "No. 2/2023", "No. 3/2023"]),  # the N of "No." is a word, not the running number
    ("", ["", "", ""]),  # no pattern: the number is left blank to fill in
])
def test_numbers(pattern, expected):
    assert numbers(pattern, ISSUED.year, 3) == expected


@pytest.mark.parametrize("pattern", ["沈教督〔{yaer}〕N号", "沈教督〔{year}〕{bogus}N号", "沈教督〔{Year}〕N号", "沈教督〔{}〕N号",
                                     "沈教督〔{year〕N号", "沈教督〔year}〕N号", "沈教督〔{{year}}〕N号", "沈教督〔{year}〕号", "沈教督〔2023〕号", "沈教督〔2023〕15号", "abc", "x" * 61])
def test_a_pattern_that_cannot_number_notices_is_refused(pattern):
    assert number_problem(pattern)


def test_the_packaged_settings_and_an_issue():
    settings = load_settings()
    assert settings.issuer["zh"] == "沈阳市人民政府教育督导室"
    issue = make_issue(settings, "zh", ISSUED, "沈教督〔{year}〕N号")
    assert issue.deadline(30) == "2023-02-09"  # the deadline counts from the date of issue
    assert issue.numbers(["大东区", "皇姑区"]) == {"大东区": "沈教督〔2023〕1号", "皇姑区": "沈教督〔2023〕2号"}
    assert issue.cc == ("沈阳市教育局",) and issue.signer == ""


@pytest.mark.parametrize("text, fragment, line", [
    ("issuer: {zh: 督导室}\n", 'required key "en"', 1),
    ("issuer: {zh: 督导室, en: Office}\nsigner: 张三\n", "", 2),
    ("issuer: {zh: 督导室, en: Office}\nsealer: x\n", 'unknown key "sealer"', 2),
    ("issuer: {zh: 督导室, en: Office}\nnumber: 沈教督\n", "no running number", 2),
    # a placeholder other than {year} was printed on the notices as written (沈教督〔2023〕{bogus}1号)
    ('issuer: {zh: 督导室, en: Office}\nnumber: "沈教督〔{year}〕{bogus}N号"\n', 'holds "{bogus}"', 2),
    ('issuer: {zh: 督导室, en: Office}\nnumber: "沈教督〔{yaer}〕N号"\n', 'did you mean "{year}"', 2),
    ("", "empty", 0),
])
def test_a_bad_settings_file_is_located(tmp_path, text, fragment, line):
    path = tmp_path / "settings.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_settings(str(path))
    problem = caught.value.problems[0]
    assert problem.code == "U-SETTINGS" and problem.file == str(path) and fragment in problem.message
    assert problem.line == line


def test_a_settings_file_names_the_signer(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text("issuer: {zh: 沈阳市人民政府教育督导室, en: Office}\nsigner: {zh: 张某, en: Zhang}\ncc: {zh: [沈阳市教育局, 市财政局]}\n",
                    encoding="utf-8")
    issue = make_issue(load_settings(str(path)), "zh", ISSUED)
    assert issue.signer == "张某" and issue.cc == ("沈阳市教育局", "市财政局") and issue.pattern == ""
