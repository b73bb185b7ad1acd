"""sheets/cells.py: one cell's value read by the documented reading rules, or refused with a hint — never guessed."""
from __future__ import annotations

import datetime as _dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.intake.sheets import cells, layout
from auditor.texts import render


def _field(sheet: str, key: str) -> layout.Field:
    return next(s for s in layout.sheets() if s.name == sheet).field(key)


READ = [  # (sheet, field, cell value, value read)
    ("班级", "size", "45", 45),
    ("班级", "size", "４５", 45),
    ("班级", "size", " 45\u3000", 45),
    ("班级", "size", 45.0, 45),
    ("学校", "pupils", "1,234", 1234),
    ("班级", "size", "45人", 45),
    ("区级指标", "disabled_enrolment_rate", "97%", 0.97),
    ("区级指标", "disabled_enrolment_rate", "９８.５％", 0.985),
    ("区级指标", "disabled_enrolment_rate", 0.97, 0.97),
    ("学校", "has_practice_room", "是", True),
    ("学校", "has_practice_room", "无", False),
    ("学校", "has_practice_room", True, True),
    ("学校", "stage", "九年一贯制 ", "nine_year"),
    ("学校", "stage", "junior", "junior"),
    ("报备文件", "filed_on", _dt.datetime(2019, 12, 14), "2019-12-14"),
    ("报备文件", "filed_on", "2019年12月14日", "2019-12-14"),
    ("报备文件", "filed_on", "2019/12/4", "2019-12-04"),
    ("报备文件", "filed_on", "２０１９.１２.１４", "2019-12-14"),
    ("报备文件", "filed_on", "2019-12-14 00:00:00", "2019-12-14"),  # a CSV export's midnight, as a workbook's is read
    ("报备文件", "filed_on", "2019/12/14 0:00", "2019-12-14"),
    ("班级", "id", 3, "3"),
    ("学校", "name", " 和平区第1小学（分校） ", "和平区第1小学（分校）"),
]


@pytest.mark.parametrize("sheet,key,raw,want", READ)
def test_documented_reading_rules(sheet, key, raw, want):
    value, problem = cells.convert(_field(sheet, key), raw)
    assert problem is None and value == want and type(value) is type(want)


REFUSED = [  # (sheet, field, cell value, fragment of the problem in Chinese, and in English)
    ("班级", "size", "四十五", "应填写0到150之间的整数，实际是“四十五”", 'should hold a whole number from 0 to 150, found "四十五"'),
    ("班级", "size", 45.5, "整数列不能有小数", "a whole-number column cannot hold decimals"),
    ("班级", "size", "45%", "只有比例列可以带百分号", "only a ratio column may hold a percent sign"),
    ("班级", "size", True, "逻辑值", "the logical value TRUE"),
    ("班级", "size", 151, "实际是数字 151", "found the number 151"),
    ("学校", "pupils", "无", "不适用或没有数据请留空", "leave the cell empty"),
    ("班级", "size", "45个", "实际是“45个”", 'found "45个"'),
    ("班级", "size", "4,5", "实际是“4,5”", 'found "4,5"'),
    ("区级指标", "disabled_enrolment_rate", 97, "比例请填小数（0.97）或百分数（97%）", "a decimal (0.97) or a percentage (97%)"),
    ("区级指标", "disabled_enrolment_rate", "1e-2", "0到1之间的比例", "a ratio from 0 to 1"),
    ("学校", "has_practice_room", 1, "应填写“是”或“否”", 'should hold "是" or "否"'),
    ("学校", "stage", "小学校", "是否应为“小学”", 'did you mean "小学"?'),
    ("报备文件", "filed_on", 43813, "对应 2019-12-14", "it would be 2019-12-14"),
    ("报备文件", "filed_on", "43813", "对应 2019-12-14", "it would be 2019-12-14"),  # a serial number in a CSV cell
    ("报备文件", "filed_on", "2019-12-14 09:30", "日期不要带时间", "without a time"),
    ("报备文件", "filed_on", "2019-02-30", "不是真实存在的日期", 'is not a real date'),
    ("报备文件", "filed_on", "去年年底", "日期，如 2019-12-14", "a date, such as 2019-12-14"),
    ("报备文件", "filed_on", _dt.datetime(2019, 12, 14, 9, 30), "日期不要带时间", "without a time"),
    ("班级", "id", _dt.datetime(2026, 1, 1), "识别成了日期", "took the entry (such as 1-1) for a date"),
    ("班级", "size", cells.ExcelError("#N/A"), "错误值 #N/A", "the error value #N/A"),
]


@pytest.mark.parametrize("sheet,key,raw,chinese,english", REFUSED)
def test_mistakes_are_reported_never_guessed(sheet, key, raw, chinese, english):
    value, problem = cells.convert(_field(sheet, key), raw)
    assert value is cells.ABSENT and chinese in render(problem, "zh") and english in render(problem, "en")


FULL = str.maketrans("0123456789", "０１２３４５６７８９")


@given(st.integers(min_value=0, max_value=150))
def test_a_number_reads_the_same_however_it_was_typed(n):
    f = _field("班级", "size")
    forms = [n, float(n), str(n), f" {n} ", str(n).translate(FULL), f"{n}\u3000"]
    assert {cells.convert(f, form) for form in forms} == {(n, None)}


@given(st.integers(min_value=0, max_value=1000))
def test_a_percentage_is_the_fraction(permille):
    f = _field("区级指标", "disabled_enrolment_rate")
    text = f"{permille / 10:g}%"
    value, problem = cells.convert(f, text)
    assert problem is None and abs(value - permille / 1000) < 1e-12
