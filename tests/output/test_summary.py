"""The city summary's measures (auditor/output/summary.py): each district's own figure against the city target."""
from __future__ import annotations

import os

from auditor.output.palette import BAR_COLOURS
from auditor.output.formatter import Formatter
from auditor.output.summary import _measure_entry
from auditor.rules.policies import load_policies
from conftest import ROOT

ZH = Formatter(load_policies(os.path.join(ROOT, "policies")), "zh")


def test_a_districts_ratio_is_judged_and_shown_unrounded_against_the_city_target():
    """59498 of 60099 entrants completing is 98.99998%: below the plan's 99% in the district's bar and row, where the
    ratio rounded to six places (0.99) coloured it as meeting the target and printed it "99%"."""
    m = {"value": (59498 + 99) / (60099 + 100), "contributions": [
        {"district": "和平区", "value": 59498, "per": 60099, "submitted": True},
        {"district": "沈河区", "value": 99, "per": 100, "submitted": True}]}
    entry = _measure_entry("city_consolidation_rate", m, ("city_consolidation_rate", ">=", 0.99), {}, ZH)
    figures = {row["district"]: row["figure"] for row in entry["table"]}
    assert figures == {"和平区": "98.99998%", "沈河区": "99%"}
    bars = {bar["label"]: (bar["colour"], bar["text"]) for bar in entry["chart"]["bars"]}
    assert bars == {"和平区": (BAR_COLOURS["fail"], "98.99998%"), "沈河区": (BAR_COLOURS["pass"], "99%")}
