"""Calendar dates as the auditor reads them: ``YYYY-MM-DD`` and nothing else (the one parser)."""
from __future__ import annotations

import datetime as _dt
import re

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
