"""The words of the documents (auditor/data/labels.yaml): both languages complete, consistent with the schemas."""
from __future__ import annotations

import string

import pytest

from auditor.intake.contracts import base_field_types, scalar_fields, schema
from auditor.model import METHODS, SEVERITIES, STATUSES
from auditor.output.labels import labels

PER_LANGUAGE = {"fields", "values", "units"}  # tables whose entries differ by language


def _keys(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _keys(item, path + (key,))
    else:
        yield path


def test_both_languages_have_the_same_words():
    zh = {k for k in _keys(labels("zh")) if k[0] not in PER_LANGUAGE}
    en = {k for k in _keys(labels("en")) if k[0] not in PER_LANGUAGE}
    assert zh == en, f"only in zh: {sorted(zh - en)}; only in en: {sorted(en - zh)}"


def test_every_key_and_word_is_text():
    for lang in ("zh", "en"):
        for path in _keys(labels(lang)):
            assert all(isinstance(k, str) for k in path), (lang, path)  # YAML reads a bare yes/no/on as a boolean
            value = labels(lang)
            for key in path:
                value = value[key]
            assert isinstance(value, str), (lang, path, value)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_code_has_a_name(lang):
    words = labels(lang)
    assert set(words["status"]) == set(STATUSES) and set(words["severity"]) == set(SEVERITIES)
    assert set(words["method"]) == set(METHODS)
    assert set(words["kind"]) == set(base_field_types())


def _reason_parameters() -> dict[str, set]:
    branches = schema("findings")["$defs"]["reason"]["oneOf"]
    return {b["properties"]["code"]["const"]: set(b["properties"]) - {"code"} for b in branches}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reason_sentences_use_only_their_codes_parameters(lang):
    parameters = _reason_parameters()
    words = labels(lang)
    assert set(words["reasons"]) == set(parameters)
    assert set(words["lacks"]) <= set(parameters)
    for table in ("reasons", "lacks"):
        for code, sentence in words[table].items():
            used = {name for _, name, _, _ in string.Formatter().parse(sentence) if name}
            assert used <= parameters[code], (lang, table, code, used - parameters[code])


def test_field_phrases_and_labels_name_real_fields():
    booleans = {name for kind in ("school", "document", "class", "figures")
                for name, prop in scalar_fields(kind).items() if prop.get("type") == "boolean"}
    every = {name for kind in ("school", "document", "class", "figures") for name in scalar_fields(kind)}
    for lang in ("zh", "en"):
        for name, entry in labels(lang)["fields"].items():
            assert name in every, (lang, name)
            if "if_true" in entry or "if_false" in entry:
                assert name in booleans and {"if_true", "if_false"} <= set(entry), (lang, name)
    assert booleans <= set(labels("zh")["fields"]) and booleans <= set(labels("en")["fields"])
    assert every <= {name for name, entry in labels("en")["fields"].items() if entry.get("label")}


def test_every_enumerated_value_has_an_english_name():
    values = {value for kind in ("school", "document", "class") for prop in scalar_fields(kind).values()
              for value in prop.get("x-enum-zh") or {}}
    assert values <= set(labels("en")["values"])


def test_unknown_language():
    with pytest.raises(ValueError):
        labels("fr")
