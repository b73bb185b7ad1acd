"""Messages as data, worded per language at print time.

A message is a :class:`Msg`: an id and its parameters. Its words come from one table per language
(``en.py``, ``zh.py``: id -> ``str.format`` template, joined with the spreadsheet reader's in ``en_sheets.py``,
``zh_sheets.py``, judging's messages in ``en_judging.py``,
``zh_judging.py``, ``auditor diff``'s in ``en_diff.py``, ``zh_diff.py``, ``auditor test``'s in ``en_test.py``, ``zh_test.py``, the packs' in ``en_packs.py``,
``zh_packs.py``
and argparse's complaints in ``en_usage.py``, ``zh_usage.py``); both tables have the same ids and the same placeholders (tests/test_texts.py). A
parameter may itself be a :class:`Msg` (worded in the same language), a :class:`Both` (a label that has
its own words per language, e.g. a schema's Chinese title), a list (joined with ", " or "、") or
:class:`Sentences` (clauses joined with "; " or "；"). Codes, positions, file and field names and values
quoted from a file are never translated.
"""
from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import NamedTuple

from auditor.texts.en import EN as _EN
from auditor.texts.en_diff import EN_DIFF
from auditor.texts.en_judging import EN_JUDGING
from auditor.texts.en_packs import EN_PACKS
from auditor.texts.en_sheets import EN_SHEETS
from auditor.texts.en_test import EN_TEST
from auditor.texts.en_usage import EN_USAGE
from auditor.texts.zh import ZH as _ZH
from auditor.texts.zh_diff import ZH_DIFF
from auditor.texts.zh_judging import ZH_JUDGING
from auditor.texts.zh_packs import ZH_PACKS
from auditor.texts.zh_sheets import ZH_SHEETS
from auditor.texts.zh_test import ZH_TEST
from auditor.texts.zh_usage import ZH_USAGE

EN = {**_EN, **EN_SHEETS, **EN_JUDGING, **EN_DIFF, **EN_USAGE, **EN_TEST, **EN_PACKS}
ZH = {**_ZH, **ZH_SHEETS, **ZH_JUDGING, **ZH_DIFF, **ZH_USAGE, **ZH_TEST, **ZH_PACKS}

TABLES = {"en": EN, "zh": ZH}
LANGS = tuple(TABLES)
_JOIN = {"en": ", ", "zh": "、"}
_SENTENCES = {"en": "; ", "zh": "；"}


class Both(NamedTuple):
    """A parameter that is already worded in each language."""

    en: str
    zh: str


class Sentences(tuple):
    """A parameter of several clauses (each a Msg or text), joined with "; " (Chinese "；"), not a list's comma."""


@dataclass(frozen=True)
class Msg:
    key: str
    params: tuple = ()  # (name, value) pairs

    def __str__(self) -> str:
        return render(self, "en")


def msg(key: str, /, **params) -> Msg:
    if key not in EN:
        raise KeyError(f"no message {key!r} in auditor/texts/en.py or en_*.py")
    return Msg(key, tuple(params.items()))


def render(message, lang: str = "en") -> str:
    """``message`` (a Msg, or plain text, returned as it is) in ``lang``."""
    if not isinstance(message, Msg):
        return str(message)
    table = TABLES.get(lang, EN)
    return table[message.key].format(**{name: _value(value, lang) for name, value in message.params})


def _value(value, lang: str) -> str:
    if isinstance(value, Msg):
        return render(value, lang)
    if isinstance(value, Both):
        return _value(getattr(value, lang, value.en), lang)
    if isinstance(value, Sentences):
        return _SENTENCES.get(lang, "; ").join(_value(v, lang) for v in value)
    if isinstance(value, (list, tuple)):
        return _JOIN.get(lang, ", ").join(_value(v, lang) for v in value)
    return str(value)


_ERRNOS = ("ENOENT", "EACCES", "EPERM", "EISDIR", "ENOTDIR", "ENAMETOOLONG", "ENOSPC", "EROFS", "ELOOP", "EEXIST",
           "EDQUOT", "EIO", "EBUSY", "ENOTEMPTY", "EXDEV", "EMFILE")


def os_reason(exc: OSError) -> Msg:
    """Why the system refused (an OSError), worded per language."""
    name = errno.errorcode.get(exc.errno or 0, "")
    if name in _ERRNOS:
        return msg(f"os.{name}")
    return msg("os.other", reason=Both(exc.strerror or str(exc), msg("os.number", number=exc.errno or 0)))
