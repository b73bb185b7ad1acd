"""sheets/layout.py: the sheets and fields generated from the schema, and how people may name them."""
from __future__ import annotations

import pytest

from auditor.intake.sheets import layout
from auditor.texts import render


@pytest.mark.parametrize("value, text", [(None, ""), (45, "45"), (45.0, "45"), (0.5, "0.5"), (-1e15, "-1000000000000000")])
def test_number_text(value, text):
    assert layout.number_text(value) == text


def test_a_column_answers_to_its_title_key_and_header_however_typed():
    size = layout.sheets_by_kind()["class"].field("size")
    assert size.header == "*班额（人）" and size.expected() == "0到150之间的整数"
    names = layout.header_names(size)
    assert {layout.norm(typed) for typed in ("*班额（人）", "班额(人)", " 班 额 ", "SIZE", "ｓｉｚｅ")} <= names
    link = layout.sheets_by_kind()["class"].field("school.id")
    assert link.link and layout.header_names(link) == {"学校代码", "school.id", "school_id"}


def test_sheets_answer_to_their_chinese_and_english_names():
    by_name = layout.sheets_by_name()
    assert sorted(by_name) == ["classes", "documents", "figures", "schools", "区级指标", "学校", "报备文件", "班级"]
    assert by_name[layout.norm("学 校")].kind == by_name["schools"].kind == "school"


def test_suggestions_in_each_language():
    hint = layout.guess("小学校", ["小学", "初中"])
    assert render(hint, "zh") == "（是否应为“小学”？）" and render(hint, "en") == ' (did you mean "小学"?)'
    assert layout.guess("高中部", ["小学", "初中"]) == ""
