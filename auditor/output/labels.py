"""The reports' words per language, read from ``auditor/data/labels.yaml``.

Policy staff and translators edit the data file, not Python: headings and sentences (``text``), the names of
findings.json's codes (status, severity, method, record kind), the reasons a record could not be judged, the
words of the plain-language conditions (``words``), field phrases, enumerated values, units and the
findings.xlsx column headings. :func:`labels` returns one language's section.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

LANGUAGES = ("zh", "en")


@lru_cache(maxsize=1)
def _data() -> dict:
    text = resources.files("auditor").joinpath("data/labels.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def labels(lang: str) -> dict:
    """One language's words (``zh`` or ``en``): a dict shared by every caller, to be read, never changed."""
    if lang not in LANGUAGES:
        raise ValueError(f"no labels for language {lang!r}")
    return _data()[lang]


def text(lang: str) -> dict[str, str]:
    """The documents' fixed words (headings, column names, sentences with ``{n}`` placeholders)."""
    return labels(lang)["text"]


STATUS_ZH = labels("zh")["status"]
STATUS_EN = labels("en")["status"]
SEVERITY_ZH = labels("zh")["severity"]
SEVERITY_EN = labels("en")["severity"]
METHOD_ZH = labels("zh")["method"]
METHOD_EN = labels("en")["method"]
