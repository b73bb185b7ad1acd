"""submission.py: the content checks every submission goes through (district names, real dates, unique
ids, grades of a stage), in English for YAML and JSON and in Chinese for spreadsheets."""
from __future__ import annotations

import pytest

from auditor.errors import Collector, SubmissionError
from auditor.intake.document import Document
from auditor.intake.submission import check_content

_SCHOOL = {"id": "HP001", "name": "一校", "stage": "primary", "classes": [{"id": "1-1", "grade": 1, "size": 40}]}


@pytest.mark.parametrize("data, code, zh", [
    ({"district": "和平", "schools": [_SCHOOL]}, "S-DISTRICT", "区县“和平”不在名单中（是否应为“和平区”？）"),
    ({"district": "和平区"}, "S-SCHEMA", "报送材料是空的"),
    ({"district": "和平区", "reported_on": "2019-02-30", "schools": [_SCHOOL]}, "E-DATE", "“2019-02-30”不是实际存在的日期"),
    ({"district": "和平区", "schools": [_SCHOOL, _SCHOOL]}, "S-DUPLICATE-ID", "学校代码“HP001”重复"),
    ({"district": "和平区", "schools": [{**_SCHOOL, "classes": _SCHOOL["classes"] * 2}]}, "S-DUPLICATE-ID", "学校“HP001”的班级编号“1-1”重复"),
    ({"district": "和平区", "schools": [{**_SCHOOL, "classes": [{"id": "7-1", "grade": 7, "size": 40}]}]}, "S-SCHEMA", "小学没有7年级"),
    ({"district": "和平区", "schools": [{**_SCHOOL, "stage": "complete_secondary", "pupils": 900, "pupils_compulsory": 40}]},
     "S-SCHEMA", "完全中学没有1年级"),
    ({"district": "和平区", "schools": [{**_SCHOOL, "stage": "twelve_year", "pupils": 900, "pupils_compulsory": 901}]},
     "S-SCHEMA", "义务教育阶段在校生数（901）多于在校生数（900）"),
    ({"district": "和平区", "schools": [{**_SCHOOL, "pupils": 2001, "pupils_compulsory": 0}]},
     "S-SCHEMA", "义务教育阶段在校生数（0）与在校生数（2001）不符"),
    ({"district": "和平区", "schools": [{**_SCHOOL, "stage": "nine_year", "pupils": 900, "pupils_primary": 600, "pupils_junior": 400}]},
     "S-SCHEMA", "小学阶段在校生数（600）与初中阶段在校生数（400）之和为1000，与义务教育阶段在校生数（900）不符"),
    ({"district": "和平区", "schools": [{**_SCHOOL, "stage": "twelve_year", "pupils": 1500, "pupils_compulsory": 900,
                                         "pupils_primary": 600, "pupils_junior": 200}]},
     "S-SCHEMA", "之和为800，与义务教育阶段在校生数（900）不符"),
    ({"district": "和平区", "schools": [{**_SCHOOL, "stage": "complete_secondary", "pupils": 900, "pupils_compulsory": 400,
                                         "pupils_primary": 1, "classes": [{"id": "7-1", "grade": 7, "size": 40}]}]},
     "S-SCHEMA", "小学阶段在校生数填报为1人，与学校类型不符：完全中学义务教育阶段只设一个学段，此项应为0人（或不填）"),
    ({"district": "和平区", "schools": [{**_SCHOOL, "stage": "complete_secondary", "pupils": 900, "pupils_compulsory": 400,
                                         "pupils_junior": 0, "classes": [{"id": "7-1", "grade": 7, "size": 40}]}]},
     "S-SCHEMA", "初中阶段在校生数填报为0人，与学校类型不符：完全中学义务教育阶段只设一个学段，此项应为400人（或不填）"),
    ({"district": "和平区", "schools": [{**_SCHOOL, "pupils": 500, "pupils_junior": 20}]},
     "S-SCHEMA", "初中阶段在校生数填报为20人，与学校类型不符：小学义务教育阶段只设一个学段，此项应为0人（或不填）"),
    ({"district": "和平区", "figures": {"disabled_school_age": 10, "disabled_enrolled": 11}}, "S-SCHEMA",
     "接受义务教育的适龄残疾儿童少年数（11）多于适龄残疾儿童少年数（10）"),
    ({"district": "和平区", "figures": {"disabled_school_age": 10, "disabled_enrolled": 9, "disabled_in_regular_classes": 5,
                                        "disabled_in_special_schools": 2, "disabled_home_taught": 1}},
     "S-SCHEMA", "随班就读、特殊教育学校就读、送教上门合计8人，与接受义务教育的适龄残疾儿童少年数（9）不符"),
    # a count that is a part of another (x-part-of in the schema) counted more than it: impossible together
    ({"district": "和平区", "figures": {"pupils_total": 4218, "pupils_quality_covered": 4731}}, "S-SCHEMA",
     "优质教育资源覆盖学生数（4731）多于义务教育在校生总数（4218）：前者是后者的一部分"),
    ({"district": "和平区", "figures": {"teachers_exchanged": 38, "backbone_exchanged": 500}}, "S-SCHEMA",
     "其中：交流轮岗的骨干教师数（500）多于本年度交流轮岗教师数（38）"),
    ({"district": "和平区", "schools": [{**_SCHOOL, "school_buses": 1, "school_buses_on_platform": 9}]}, "S-SCHEMA",
     "纳入公共安全管理平台监管的校车数（9）多于校车数（1）"),
    ({"district": "和平区", "schools": [{**_SCHOOL, "teachers_associate_plus": 30, "teachers_bachelor_plus": 31}]}, "S-SCHEMA",
     "本科及以上学历专任教师数（31）多于专科及以上学历专任教师数（30）"),
])
def test_content_checks_speak_chinese_for_spreadsheets(data, code, zh):
    """The checks every submission goes through, worded in English (--lang en) and Chinese (the default)."""
    found = {}
    collector = Collector("x", SubmissionError)
    check_content(Document("x", data), collector)
    for lang in ("en", "zh"):
        found[lang] = [(p.code, p.words(lang)) for p in collector.problems]
    assert [c for c, _ in found["en"]] == [c for c, _ in found["zh"]] == [code]
    assert zh in found["zh"][0][1] and zh not in found["en"][0][1]


def test_a_twelve_year_school_may_have_grades_1_to_9_and_its_counts_agree():
    collector = Collector("x", SubmissionError)
    school = {**_SCHOOL, "stage": "twelve_year", "pupils": 900, "pupils_compulsory": 40,
              "classes": [{"id": "1-1", "grade": 1, "size": 40}, {"id": "9-1", "grade": 9, "size": 0}]}
    check_content(Document("x", {"district": "和平区", "schools": [school]}), collector)
    assert collector.problems == []


@pytest.mark.parametrize("stage", [["complete_secondary"], {"a": 1}, 7, None])
def test_a_stage_of_the_wrong_type_leaves_the_content_checks_to_the_schema(stage):
    """The content checks judge only values of the right type: a list as a school's stage (unhashable) once
    raised TypeError in the one-stage check instead of the schema's located error."""
    collector = Collector("x", SubmissionError)
    school = {**_SCHOOL, "stage": stage, "pupils": 500, "pupils_compulsory": 500, "pupils_junior": 20}
    check_content(Document("x", {"district": "和平区", "schools": [school]}), collector)
    assert collector.problems == []


@pytest.mark.parametrize("values", [
    {"pupils_total": 4218, "pupils_quality_covered": 4218},  # all covered: the whole, not more
    {"pupils_quality_covered": 4731},  # the whole not given: nothing to compare with (the rule reads it missing)
    {"pupils_total": "4218", "pupils_quality_covered": 4731},  # a wrong type: the schema says so, not this check
])
def test_a_part_equal_to_its_whole_or_without_one_is_not_refused(values):
    collector = Collector("x", SubmissionError)
    check_content(Document("x", {"district": "和平区", "figures": values}), collector)
    assert collector.problems == []
