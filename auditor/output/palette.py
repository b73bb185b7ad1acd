"""The order of statuses and severities, and the one palette (stylesheet, charts, workbook, browser tests)."""
from __future__ import annotations

from auditor.model import SEVERITIES, STATUSES

STATUS_ORDER = list(STATUSES)  # the worst first: fail, missing, not_due, waived, pass, not_applicable
SEVERITY_ORDER = {s: i for i, s in enumerate(SEVERITIES)}
# background, text
STATUS_COLOURS = {"pass": ("#d4edda", "#155724"), "fail": ("#f8d7da", "#721c24"), "missing": ("#fff3cd", "#7a5a00"),
                  "not_due": ("#d1ecf1", "#0c5460"), "not_applicable": ("#eeeeee", "#555555"), "waived": ("#e2d9f3", "#3d2a6b")}
# bar colours in charts (stronger than the badge backgrounds)
BAR_COLOURS = {"pass": "#2e8b57", "fail": "#c0392b", "missing": "#d4a017", "not_due": "#17a2b8",
               "not_applicable": "#999999", "waived": "#6f42c1"}
# the audit history's badges (background, text): a finding's lifecycle state, a notice item's state at the next
# audit (复查), a not-yet-due check's projection
LIFECYCLE_COLOURS = {"overdue": ("#c0392b", "#ffffff"), "persisting": STATUS_COLOURS["fail"], "reopened": STATUS_COLOURS["fail"],
                     "new": ("#fde2c8", "#7a3b00"), "rule_changed": STATUS_COLOURS["waived"],
                     "unknown": STATUS_COLOURS["not_applicable"], "rectified": STATUS_COLOURS["pass"],
                     "waived": STATUS_COLOURS["waived"]}
NOTICE_STATE_COLOURS = {"not_rectified": STATUS_COLOURS["fail"], "partly_rectified": STATUS_COLOURS["missing"],
                        "unknown": STATUS_COLOURS["not_applicable"], "rule_changed": STATUS_COLOURS["waived"],
                        "rectified": STATUS_COLOURS["pass"], "waived": STATUS_COLOURS["waived"]}
PROJECTION_COLOURS = {"on": STATUS_COLOURS["pass"], "behind": STATUS_COLOURS["fail"]}
