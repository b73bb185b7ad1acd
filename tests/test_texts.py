"""The message tables (auditor/texts/en.py, zh.py): the same ids with the same placeholders in both languages,
every id the code names exists, and any parameters render in both languages."""
from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from auditor.errors import Problem
from auditor.texts import EN, TABLES, ZH, Both, msg, render

ROOT = Path(__file__).resolve().parent.parent


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("key", sorted(EN))
def test_both_tables_word_every_message_with_the_same_placeholders(key):
    assert key in ZH, f"{key} has no Chinese wording"
    assert placeholders(EN[key]) == placeholders(ZH[key]), key


def test_no_message_only_in_chinese():
    assert sorted(set(ZH) - set(EN)) == []


@pytest.mark.parametrize("key", sorted(ZH))
def test_chinese_wording_has_no_english_words(key):
    """Outside its placeholders and quotes, a Chinese template holds no English word (file formats and the
    words a user types, such as YAML, UTF-8, true/false or a key name, are kept on purpose)."""
    kept = {"YAML", "JSON", "UTF-8", "UTF-16", "UTF-32", "GBK", "GB18030", "NUL", "YYYY-MM-DD", "CSV", "Excel", "Windows", "SQLite", "xlsx", "xls",
            "auditor", "AUDITOR_DEBUG", "I-BUG", "true", "false", "null", "args", "kwargs", "yaml", "if",
            "district", "clause", "id", "title", "text", "responsible", "checks", "due", "schedule", "school", "class",
            "document", "share", "that", "value", "ratio", "per", "of", "facts", "submissions", "and", "or"}
    text = re.sub(r"\{[a-z_]+\}|“[^”]*”|「[^」]*」|U\+|0x", " ", ZH[key])
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_.\-]*", text))
    assert words <= kept, f"{key}: {sorted(words - kept)}"


def test_every_message_id_named_in_the_code_exists():
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "auditor").rglob("*.py"))
    named = set(re.findall(r'\bmsg\(\s*"([a-z0-9.\-]+)"', source))
    assert named and named <= set(EN), sorted(named - set(EN))


values = st.one_of(st.text(max_size=20), st.integers(), st.lists(st.text(max_size=5), max_size=3).map(tuple),
                   st.builds(Both, st.text(max_size=5), st.text(max_size=5)))


@given(key=st.sampled_from(sorted(EN)), data=st.data())
def test_any_parameters_render_in_every_language(key, data):
    params = {name: data.draw(values) for name in placeholders(EN[key])}
    message = msg(key, **params)
    for lang in TABLES:
        assert isinstance(render(message, lang), str)
    problem = Problem("f.yaml", 3, 7, "S-SCHEMA", message, "figures.x")
    assert problem.message == render(message, "en")
    assert problem.format("zh").startswith("f.yaml:3: S-SCHEMA: ") and problem.format("en").startswith("f.yaml:3: S-SCHEMA: ")


def test_an_unknown_message_id_is_refused():
    with pytest.raises(KeyError):
        msg("no.such-message")
