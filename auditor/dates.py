"""Calendar dates as the auditor reads them: ``YYYY-MM-DD`` and nothing else (the one parser), and the office's clock.

The office's dates are calendar dates in China Standard Time (UTC+8, no daylight saving): "today" is
:func:`today`, the date in China at this instant, whatever the machine's clock zone (``TZ``) is. Every office
date taken from the clock goes through it; :func:`now` is the one clock (an aware UTC instant), which the tests
freeze."""
from __future__ import annotations

import datetime as _dt
import re

CST = _dt.timezone(_dt.timedelta(hours=8), "CST")  # China Standard Time: a fixed offset, no tz database needed
_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def real_date(text) -> _dt.date | None:
    """The date ``text`` names in ``YYYY-MM-DD`` form, or None (another form, or a day that does not exist).

    Python's own ``date.fromisoformat`` also takes ``20191231`` and week dates; submissions,
    policies and the command line take only the one form.
    """
    if not isinstance(text, str) or not _FORM.fullmatch(text):
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        return None


def zh_date(iso: str) -> str:
    """2022-12-31 -> 2022年12月31日 (the form of Chinese official documents)."""
    d = _dt.date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def now() -> _dt.datetime:
    """This instant, as an aware UTC datetime (never the machine's local time). The one clock: tests freeze it."""
    return _dt.datetime.now(_dt.timezone.utc)


def today() -> _dt.date:
    """Today's date in China Standard Time (UTC+8), wherever the machine's clock zone is."""
    return now().astimezone(CST).date()
