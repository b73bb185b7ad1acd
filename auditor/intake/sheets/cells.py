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
_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_TRUE, _FALSE = {"是", "有", "true", "yes"}, {"否", "无", "没有", "false", "no"}


def convert(f: Field, raw) -> tuple[object, Msg | None]:
    """(value, None) or (ABSENT, problem as a message). ABSENT with no problem: the cell is empty."""
    if raw is None:
        return ABSENT, None
    if isinstance(raw, str) and not isinstance(raw, ExcelError):
        raw = raw.strip(SPACES)
        if raw == "":
            return ABSENT, None
    found = _describe(raw)
    expected = f.expected_words()

    def bad(hint: Msg | str = ""):
        return ABSENT, msg("cell.bad", title=f.title, expected=expected, found=found, hint=msg("cell.hint", hint=hint) if hint else "")

    if isinstance(raw, NoResult):
        return ABSENT, msg("cell.no-result", title=f.title)
    if isinstance(raw, ExcelError):
        return bad(msg("cell.hint-formula"))
    return _READERS.get(f.type, _text)(f, raw, bad)


# Each reader: (field, the cell's value, bad) -> (value, None), or bad(hint) for what the column cannot hold.
def _number(f: Field, raw, bad):
    if isinstance(raw, bool):
        return bad()
    if isinstance(raw, (_dt.datetime, _dt.date, _dt.time)):
        return bad(msg("cell.hint-number-date"))
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).replace(" ", "")
        if f.unit and not f.fraction and text.endswith(f.unit) and text != f.unit:
            text = text[: -len(f.unit)]  # "45人" in a column whose unit is 人
        percent = text.endswith("%")
        if percent:
            text = text[:-1]
        if _GROUPED.fullmatch(text):
            text = text.replace(",", "")
        if not _NUMBER.fullmatch(text):
            return bad(msg("cell.hint-blank") if text in ("无", "-", "/", "—", "不适用", "N/A", "n/a") else "")
        try:
            number = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            return bad()
        if percent:
            if not f.fraction:
                return bad(msg("cell.hint-percent"))
            number = number / 100
        value = int(number) if number == number.to_integral_value() else float(number)
    elif isinstance(raw, (int, float)):
        value = raw
    else:
        return bad()
    if f.type == "integer":
        if isinstance(value, float) and not value.is_integer():
            return bad(msg("cell.hint-integer"))
        value = int(value)
    if (f.minimum is not None and value < f.minimum) or (f.maximum is not None and value > f.maximum):
        hint = msg("cell.hint-fraction") if f.fraction and 1 < value <= 100 else ""
        return bad(hint)
    return value, None


def _boolean(f: Field, raw, bad):
    if isinstance(raw, bool):
        return raw, None
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().lower()
        if text in _TRUE:
            return True, None
        if text in _FALSE:
            return False, None
    return bad()


def _enum(f: Field, raw, bad):
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()
        for code, label in zip(f.enum, f.labels):
            if text in (label, unicodedata.normalize("NFKC", label), code):
                return code, None
        match = closest(text, f.labels)
        return bad(msg("cell.did-you-mean", word=match) if match else "")
    return bad()


def _date(f: Field, raw, bad):
    if isinstance(raw, _dt.datetime):
        if raw.time() != _dt.time():
            return bad(msg("cell.hint-time"))
        return raw.date().isoformat(), None
    if isinstance(raw, _dt.date):
        return raw.isoformat(), None
    if isinstance(raw, str):
        m = _DATE_TEXT.fullmatch(unicodedata.normalize("NFKC", raw))
        if m:
            try:
                return _dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat(), None
            except ValueError:
                return ABSENT, msg("cell.not-a-date", title=f.title, found=_describe(raw))
        return bad()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 1 <= raw < 2958466:
        serial = (_dt.date(1899, 12, 30) + _dt.timedelta(days=int(raw))).isoformat()
        return bad(msg("cell.hint-serial", date=serial))
    return bad()


def _text(f: Field, raw, bad):
    if isinstance(raw, str):
        return raw, None
    if isinstance(raw, bool):
        return bad()
    if isinstance(raw, (_dt.datetime, _dt.date, _dt.time)):
        return bad(msg("cell.hint-text-date"))
    if isinstance(raw, int) or (isinstance(raw, float) and raw.is_integer()):
        return str(int(raw)), None
    if isinstance(raw, float):
        return repr(raw), None
    return bad()


_READERS = {"integer": _number, "number": _number, "boolean": _boolean, "enum": _enum, "date": _date}  # else text
