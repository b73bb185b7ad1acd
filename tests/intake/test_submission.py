"""submission.py: the content checks every submission goes through (district names, real dates, unique
ids, grades of a stage), in English for YAML and JSON and in Chinese for spreadsheets."""
from __future__ import annotations

import pytest

from auditor.errors import Collector, SubmissionError
from auditor.intake.document import Document
from auditor.intake.submission import check_content

_SCHOOL = {"id": "HP001", "name": "一校", "stage": "primary", "classes": [{"id": "1-1", "grade": 1, "size": 40}]}


@pytest.mark.parametrize("data, code, zh", [
    ({"district": "和平", "schools": [_SCHOOL]}, "S-DISTRICT", "区县“和平”不在名单中；是否应为“和平区”？"),
    ({"district": "和平区"}, "S-SCHEMA", "报送材料是空的"),
    ({"district": "和平区", "reported_on": "2019-02-30", "schools": [_SCHOOL]}, "E-DATE", "“2019-02-30”不是实际存在的日期"),
    ({"district": "和平区", "schools": [_SCHOOL, _SCHOOL]}, "S-DUPLICATE-ID", "学校代码“HP001”重复"),
    ({"district": "和平区", "schools": [{**_SCHOOL, "classes": _SCHOOL["classes"] * 2}]}, "S-DUPLICATE-ID", "学校“HP001”的班级编号“1-1”重复"),
    ({"district": "和平区", "schools": [{**_SCHOOL, "classes": [{"id": "7-1", "grade": 7, "size": 40}]}]}, "S-SCHEMA", "小学没有7年级"),
])
def test_content_checks_speak_chinese_for_spreadsheets(data, code, zh):
    """The checks every submission goes through: English for YAML and JSON, Chinese for the clerks' spreadsheets."""
    found = {}
    for lang in ("en", "zh"):
        collector = Collector("x", SubmissionError)
        check_content(Document("x", data), collector, lang=lang)
        found[lang] = [(p.code, p.message) for p in collector.problems]
    assert [c for c, _ in found["en"]] == [c for c, _ in found["zh"]] == [code]
    assert zh in found["zh"][0][1] and zh not in found["en"][0][1]
