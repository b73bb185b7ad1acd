"""One cell's value -> the submission's value for its field, or a problem in words a clerk reads.

:func:`convert` applies the reading rules (``layout.READING_RULES``) to one cell:
numbers typed as text, full-width digits, thousands separators, the column's
unit, percentages in fraction columns, 是/否, drop-down labels or their codes,
dates as Excel dates or text. Anything else is refused, never guessed: the
problem says what the column expects and what the cell holds.
"""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from itertools import repeat

from auditor.errors import closest, excerpt
from auditor.intake.sheets.layout import SPACES, Field, number_text
from auditor.texts import Msg, msg


class _Absent:
    pass


ABSENT = _Absent()  # what an empty or refused cell reads as


class ExcelError(str):
    """An error value (#N/A, #DIV/0!) a cell holds instead of data."""


class NoResult(ExcelError):
    """A formula saved without its computed value (written by a program, never opened in Excel)."""


def _describe(value) -> Msg:
    if isinstance(value, ExcelError):
        return msg("cell.error-value", value=value)
    if isinstance(value, bool):
        return msg("cell.logical", value="TRUE" if value else "FALSE")
    if isinstance(value, _dt.datetime):
        return msg("cell.date", value=value.date().isoformat() + (f" {value.time().isoformat()}" if value.time() != _dt.time() else ""))
    if isinstance(value, (_dt.date, _dt.time)):
        return msg("cell.date-time", value=value.isoformat())
    if isinstance(value, (int, float)):
        return msg("cell.number", value=number_text(value) if float(value).is_integer() else value)
    return msg("cell.text", value=excerpt(value))


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_TIME_TEXT = re.compile(r"[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$")
_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_TRUE, _FALSE = {"是", "有", "true", "yes"}, {"否", "无", "没有", "false", "no"}


def convert(f: Field, raw) -> tuple[object, Msg | None]:
    """(value, None) or (ABSENT, problem as a message). ABSENT with no problem: the cell is empty."""
    if raw is None:
        return ABSENT, None
    if type(raw) is str:
        raw = raw.strip(SPACES)
        if raw == "":
            return ABSENT, None
    elif isinstance(raw, NoResult):
        return ABSENT, msg("cell.no-result", title=f.title)
    elif isinstance(raw, ExcelError):
        return _bad(f, raw, msg("cell.hint-formula"))
    return _READERS.get(f.type, _text)(f, raw)


def _bad(f: Field, raw, hint: Msg | str = ""):
    """What the column expects and what the cell holds (worked out only for a cell that is refused)."""
    return ABSENT, msg("cell.bad", title=f.title, expected=f.expected_words(), found=_describe(raw),
                       hint=msg("cell.hint", hint=hint) if hint else "")


_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # what a template cell or a CSV file mostly holds: read directly


# Each reader: (field, the cell's value) -> (value, None), or _bad(...) for what the column cannot hold.
def _number(f: Field, raw):
    if isinstance(raw, bool):
        return _bad(f, raw)
    if isinstance(raw, (_dt.datetime, _dt.date, _dt.time)):
        return _bad(f, raw, msg("cell.hint-number-date"))
    if isinstance(raw, str):
        if _PLAIN_NUMBER.fullmatch(raw):
            value = float(raw) if "." in raw else int(raw)
            if type(value) is float and value.is_integer():
                value = int(value)
        else:
            text = unicodedata.normalize("NFKC", raw).replace(" ", "")
            if f.unit and not f.fraction and text.endswith(f.unit) and text != f.unit:
                text = text[: -len(f.unit)]  # "45人" in a column whose unit is 人
            percent = text.endswith("%")
            if percent:
                text = text[:-1]
            if _GROUPED.fullmatch(text):
                text = text.replace(",", "")
            if not _NUMBER.fullmatch(text):
                return _bad(f, raw, msg("cell.hint-blank") if text in ("无", "-", "/", "—", "不适用", "N/A", "n/a") else "")
            try:
                number = Decimal(text)
            except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
                return _bad(f, raw)
            if percent:
                if not f.fraction:
                    return _bad(f, raw, msg("cell.hint-percent"))
                number = number / 100
            value = int(number) if number == number.to_integral_value() else float(number)
    elif isinstance(raw, (int, float)):
        value = raw
    else:
        return _bad(f, raw)
    if f.type == "integer":
        if isinstance(value, float) and not value.is_integer():
            return _bad(f, raw, msg("cell.hint-integer"))
        value = int(value)
    if (f.minimum is not None and value < f.minimum) or (f.maximum is not None and value > f.maximum):
        hint = msg("cell.hint-fraction") if f.fraction and 1 < value <= 100 else ""
        return _bad(f, raw, hint)
    return value, None


def _boolean(f: Field, raw):
    if isinstance(raw, bool):
        return raw, None
    if isinstance(raw, str):
        if raw in _TRUE:
            return True, None
        if raw in _FALSE:
            return False, None
        text = unicodedata.normalize("NFKC", raw).strip().lower()
        if text in _TRUE:
            return True, None
        if text in _FALSE:
            return False, None
    return _bad(f, raw)


@lru_cache(maxsize=None)
def _choices(f: Field) -> dict[str, str]:
    """Every text a drop-down cell may hold -> its code (the label, its NFKC form, the code itself)."""
    out = {}
    for code, label in zip(f.enum, f.labels):
        for text in (label, unicodedata.normalize("NFKC", label), code):
            out.setdefault(text, code)
    return out


def _enum(f: Field, raw):
    if isinstance(raw, str):
        choices = _choices(f)
        if raw in choices:
            return choices[raw], None
        text = unicodedata.normalize("NFKC", raw).strip()
        if text in choices:
            return choices[text], None
        match = closest(text, f.labels)
        return _bad(f, raw, msg("cell.did-you-mean", word=match) if match else "")
    return _bad(f, raw)


def _date(f: Field, raw):
    if isinstance(raw, _dt.datetime):
        if raw.time() != _dt.time():
            return _bad(f, raw, msg("cell.hint-time"))
        return raw.date().isoformat(), None
    if isinstance(raw, _dt.date):
        return raw.isoformat(), None
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw)
        time = _TIME_TEXT.search(text)  # a date exported with its time (a CSV's 2019-08-29 00:00:00)
        if time is not None and _DATE_TEXT.fullmatch(text[:time.start()]):
            if any(int(part) for part in time.groups(default="0")):
                return _bad(f, raw, msg("cell.hint-time"))
            text = text[:time.start()]
        if text.isdigit() and 1 <= int(text) < 2958466:  # a serial number, as a CSV file holds it: say its date
            return _date(f, int(text))
        m = _DATE_TEXT.fullmatch(text)
        if m:
            try:
                return _dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat(), None
            except ValueError:
                return ABSENT, msg("cell.not-a-date", title=f.title, found=_describe(raw))
        return _bad(f, raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 1 <= raw < 2958466:
        serial = (_dt.date(1899, 12, 30) + _dt.timedelta(days=int(raw))).isoformat()
        return _bad(f, raw, msg("cell.hint-serial", date=serial))
    return _bad(f, raw)


def _text(f: Field, raw):
    if isinstance(raw, str):
        return raw, None
    if isinstance(raw, bool):
        return _bad(f, raw)
    if isinstance(raw, (_dt.datetime, _dt.date, _dt.time)):
        return _bad(f, raw, msg("cell.hint-text-date"))
    if isinstance(raw, int) or (isinstance(raw, float) and raw.is_integer()):
        return str(int(raw)), None
    if isinstance(raw, float):
        return repr(raw), None
    return _bad(f, raw)


class Refusal:
    """A refused cell in :func:`convert_column`'s output: the problem, as a message."""

    __slots__ = ("message",)

    def __init__(self, message: Msg):
        self.message = message


def _slow(f: Field, raw):
    value, problem = convert(f, raw)
    return Refusal(problem) if problem else value


_BOOLEANS = {text: True for text in _TRUE} | {text: False for text in _FALSE}


def convert_column(f: Field, raws: list) -> list:
    """:func:`convert` over a column's cells: each cell's value, ABSENT (empty) or a :class:`Refusal`. The cells
    a template or a CSV file mostly holds (whole numbers in range, plain text, a drop-down label, 是/否) are read
    here directly; every other cell goes through :func:`convert`, rule by rule."""
    quick = _column_at_once(f, raws)
    if quick is not None:
        return quick
    out = []
    append = append_ = out.append
    if f.type in ("integer", "number"):
        lo = float("-inf") if f.minimum is None else f.minimum
        hi = float("inf") if f.maximum is None else f.maximum
        floats = f.type == "number"
        for raw in raws:
            kind = type(raw)
            if kind is int:
                if lo <= raw <= hi:
                    append(raw)
                    continue
            elif kind is str:
                if raw.isascii() and raw.isdigit():
                    value = int(raw)
                    if lo <= value <= hi:
                        append(value)
                        continue
            elif kind is float:
                if floats and lo <= raw <= hi:
                    append(raw)
                    continue
            elif raw is None:
                append(ABSENT)
                continue
            append_(_slow(f, raw))
    elif f.type == "string":
        for raw in raws:
            if type(raw) is str:
                text = raw.strip(SPACES)
                append(text if text else ABSENT)
            elif raw is None:
                append(ABSENT)
            else:
                append_(_slow(f, raw))
    elif f.type in ("enum", "boolean"):
        choices = _choices(f) if f.type == "enum" else _BOOLEANS
        for raw in raws:
            if type(raw) is str and raw in choices:
                append(choices[raw])
            elif raw is None:
                append(ABSENT)
            else:
                append_(_slow(f, raw))
    else:
        for raw in raws:
            append(ABSENT if raw is None else _slow(f, raw))
    return out


def _column_at_once(f: Field, raws: list) -> list | None:
    """A column whose every cell is text read as :func:`convert_column` would read it cell by cell, by map() over
    C functions: ASCII digits in range (a number column), text (a text column), labels or codes (a drop-down,
    是/否). None when any cell is anything else (empty, a number, a refusal): then cell by cell."""
    if not raws or set(map(type, raws)) != {str}:
        return None
    if f.type in ("integer", "number"):
        if not all(map(str.isascii, raws)) or not all(map(str.isdigit, raws)):
            return None
        values = list(map(int, raws))
        low, high = f.minimum, f.maximum
        if low is not None and min(values) < low or high is not None and max(values) > high:
            return None
        return values
    if f.type == "string":
        texts = list(map(str.strip, raws, repeat(SPACES)))
        return texts if all(texts) else None
    if f.type in ("enum", "boolean"):
        choices = _choices(f) if f.type == "enum" else _BOOLEANS
        return list(map(choices.__getitem__, raws)) if choices.keys() >= set(raws) else None
    return None


_READERS = {"integer": _number, "number": _number, "boolean": _boolean, "enum": _enum, "date": _date}  # else text
