"""Text tables by display width (auditor/store/text.py)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.store import text


@pytest.mark.parametrize("value, cells", [("abc", 3), ("大东区", 6), ("二（一）4", 9), ("沈教督〔2023〕1号", 17), ("", 0),
                                          ("ｱ", 1), ("é", 1), ("e\u0301", 1)])
def test_width(value, cells):
    assert text.width(value) == cells


words = st.text(alphabet="ab12 大东区督导（）〔〕、ｱ", max_size=12)


@given(st.lists(st.lists(words, min_size=3, max_size=3), min_size=1, max_size=6))
def test_columns_line_up_whatever_the_mix_of_scripts(rows):
    rows = [[c.strip() or "-" for c in row] for row in rows]
    header = ["甲", "bb", "丙"]
    lines = text.table(header, rows)
    w0 = max(text.width(r[0]) for r in [header] + rows)
    w1 = max(text.width(r[1]) for r in [header] + rows)
    for line, row in zip(lines, [header] + rows):
        first = line[:len(row[0]) + w0 - text.width(row[0]) + 2]
        assert first.startswith(row[0]) and text.width(first) == w0 + 2  # column 2 starts at the same cell
        rest = line[len(first):]
        second = rest[:len(row[1]) + w1 - text.width(row[1]) + 2]
        assert second.startswith(row[1]) and text.width(second) == w1 + 2
        assert rest[len(second):] == row[2]


@pytest.mark.parametrize("value, cells, expected", [("消除56人以上大班额", 10, "消除56人…"), ("short", 10, "short"),
                                                     ("大东区第1九年一贯制学校", 12, "大东区第1九…")])
def test_clip(value, cells, expected):
    assert text.clip(value, cells) == expected and text.width(text.clip(value, cells)) <= cells
