"""Progress of a long load and audit on stderr: districts done / total and records per second.

Shown only when stderr is a terminal and ``--quiet`` was not given: a log file or a pipe gets nothing (the
closing summary on stdout says what was done). One line, rewritten in place at most every half second;
cleared when the work is done, so the summary that follows starts on a clean line.
"""
from __future__ import annotations

import sys
import time
import unicodedata

WORDS = {
    "zh": {"audit": "督导", "render": "生成报告", "unit": "个区县（市）", "files": "份", "rate": "条记录/秒"},
    "en": {"audit": "auditing", "render": "rendering", "unit": "districts", "files": "parts", "rate": "records/s"},
}
INTERVAL = 0.5  # seconds between two updates of the line


class Progress:
    """``step(records)`` after each unit of work; ``close()`` at the end (also as a context manager)."""

    def __init__(self, total: int, what: str = "audit", lang: str = "zh", stream=None, enabled: bool | None = None,
                 clock=time.monotonic):
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.total, self.what, self.words = total, what, WORDS.get(lang, WORDS["zh"])
        self.done = self.records = 0
        self.clock = clock
        self.start = self._shown = clock()
        self._width = 0

    def line(self) -> str:
        w = self.words
        unit = w["unit"] if self.what == "audit" else w["files"]
        text = f"{w[self.what]} {self.done:,}/{self.total:,} {unit}"
        elapsed = self.clock() - self.start
        if self.records and elapsed > 0:
            text += f"，{self.records / elapsed:,.0f} {w['rate']}" if w is WORDS["zh"] else f", {self.records / elapsed:,.0f} {w['rate']}"
        return text

    def step(self, records: int = 0, count: int = 1) -> None:
        self.done += count
        self.records += records
        if not self.enabled:
            return
        now = self.clock()
        if now - self._shown >= INTERVAL or self.done == self.total:
            self._shown = now
            self._write(self.line())

    def _write(self, text: str) -> None:
        width = display_width(text)
        pad = max(0, self._width - width)
        try:
            self.stream.write("\r" + text + " " * pad)
            self.stream.flush()
        except (OSError, ValueError, UnicodeEncodeError):  # progress is a courtesy: never a reason to fail
            self.enabled = False
        self._width = width

    def close(self) -> None:
        if self.enabled and self._width:
            self._write("")
            try:
                self.stream.write("\r")
                self.stream.flush()
            except (OSError, ValueError):
                pass
        self.enabled = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def display_width(text: str) -> int:
    """Columns a terminal gives ``text`` (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

