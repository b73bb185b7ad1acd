"""The office's "today": the date in China Standard Time (UTC+8) at this instant, whatever the machine's zone.

The clock is frozen by monkeypatching ``auditor.dates.now`` (the one clock); the machine's zone by ``TZ`` (POSIX
strings, which need no tz database: ``UTC0``, ``<-12>12`` is UTC-12, ``<+14>-14`` is UTC+14).
"""
from __future__ import annotations

import datetime as _dt
import os
import sqlite3
import time

import pytest

from auditor import arguments, dates
from auditor.cli import main

from conftest import FIXTURES

UTC = _dt.timezone.utc
MINUS_12 = _dt.timezone(_dt.timedelta(hours=-12))
ZONES = ["UTC0", "<-12>12", "<+14>-14", "CST-8"]


@pytest.fixture
def zone(monkeypatch):
    """Set the machine's clock zone for the test (restored afterwards)."""
    def set_zone(tz: str) -> None:
        monkeypatch.setenv("TZ", tz)
        time.tzset()
    yield set_zone
    monkeypatch.undo()
    time.tzset()


def freeze(monkeypatch, instant: _dt.datetime) -> None:
    monkeypatch.setattr(dates, "now", lambda: instant.astimezone(UTC))


# (the instant, the date in China then)
TODAY = [
    (_dt.datetime(2023, 1, 15, 15, 59, 59, tzinfo=UTC), _dt.date(2023, 1, 15)),   # 23:59:59 in Beijing
    (_dt.datetime(2023, 1, 15, 16, 0, 0, tzinfo=UTC), _dt.date(2023, 1, 16)),     # midnight in Beijing, still the 15th in UTC
    (_dt.datetime(2023, 1, 15, 20, 0, tzinfo=MINUS_12), _dt.date(2023, 1, 16)),   # the 15th at UTC-12 is the 16th in Beijing
    (_dt.datetime(2024, 12, 31, 16, 30, tzinfo=UTC), _dt.date(2025, 1, 1)),       # a new year (the notices' year) in Beijing first
    (_dt.datetime(2024, 2, 28, 23, 0, tzinfo=UTC), _dt.date(2024, 2, 29)),        # a leap day
]


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize("instant, expected", TODAY)
def test_today_is_the_date_in_china_whatever_the_machines_zone(monkeypatch, zone, tz, instant, expected):
    zone(tz)
    freeze(monkeypatch, instant)
    assert dates.today() == expected


@pytest.mark.parametrize("tz", ZONES)
def test_the_clock_is_an_aware_utc_instant_in_every_zone(zone, tz):
    zone(tz)
    instant = dates.now()
    assert instant.utcoffset() == _dt.timedelta(0)
    assert abs(instant.timestamp() - time.time()) < 60


def test_no_office_date_is_taken_from_the_machines_zone():
    """Every office date from the clock goes through auditor.dates.today(): no date.today() or naive now()."""
    root = os.path.dirname(dates.__file__)
    offenders = []
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                text = open(path, encoding="utf-8").read()
                for bad in ("date.today()", "datetime.now()", "datetime.today()", "utcnow()"):
                    if bad in text:
                        offenders.append(f"{os.path.relpath(path, root)}: {bad}")
    assert offenders == []


# (the machine's zone, the instant of the run, --as-of, the date of issue the history and the notice get)
DEFAULT_ISSUE = [
    ("UTC0", _dt.datetime(2023, 1, 15, 17, 0, tzinfo=UTC), "2022-12-31", "2023-01-16"),
    ("<-12>12", _dt.datetime(2023, 1, 15, 17, 0, tzinfo=UTC), "2022-12-31", "2023-01-16"),
    ("<+14>-14", _dt.datetime(2023, 1, 15, 9, 0, tzinfo=UTC), "2022-12-31", "2023-01-15"),  # the 15th in Beijing too
    ("CST-8", _dt.datetime(2023, 1, 15, 17, 0, tzinfo=UTC), "2022-12-31", "2023-01-16"),
    ("<-12>12", _dt.datetime(2023, 1, 15, 17, 0, tzinfo=UTC), "2023-03-01", "2023-03-01"),  # never before the audit date
]


@pytest.mark.parametrize("tz, instant, as_of, issued", DEFAULT_ISSUE)
def test_the_default_date_of_issue_is_today_in_china(tmp_path, monkeypatch, zone, capsys, tz, instant, as_of, issued):
    zone(tz)
    freeze(monkeypatch, instant)
    db = tmp_path / "h.sqlite"
    assert main(["audit", os.path.join(FIXTURES, "03-dd.yaml"), "--districts", "大东区", "--as-of", as_of,
                 "--engine", "reference", "--jobs", "1", "--out", str(tmp_path / "out"), "--db", str(db), "--quiet"]) == 0
    deadline = (_dt.date.fromisoformat(issued) + _dt.timedelta(days=30)).isoformat()
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("SELECT issued, deadline FROM notices WHERE district = '大东区'").fetchone() == (issued, deadline)
    finally:
        connection.close()
    notice = (tmp_path / "out" / "大东区-整改通知.html").read_text(encoding="utf-8")
    assert f"请你区于{dates.zh_date(deadline)}前" in notice and dates.zh_date(issued) in notice


def test_a_period_without_an_end_ends_today_in_china(monkeypatch, zone):
    zone("<-12>12")
    freeze(monkeypatch, _dt.datetime(2023, 6, 30, 18, 0, tzinfo=UTC))  # the 30th at UTC-12 and in UTC, July 1st in Beijing

    class Packs:
        packs = []
    assert arguments.period_end(Packs()) == _dt.date(2023, 7, 1)
