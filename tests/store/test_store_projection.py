"""On-track projection for checks not yet due (auditor/store/projection.py)."""
from __future__ import annotations

import pytest

from auditor.store import projection

LINE_CASES = [  # points, deadline, op, target -> projected, on track
    ([("2019-12-31", 0.93), ("2020-12-31", 0.94), ("2021-12-31", 0.95)], "2022-12-31", ">=", 0.97, 0.96, False),
    ([("2019-12-31", 0.95), ("2020-12-31", 0.96), ("2021-12-31", 0.97)], "2022-12-31", ">=", 0.97, 0.98, True),
    ([("2020-12-31", 20), ("2021-12-31", 10)], "2022-12-31", "<=", 0, 0.0, True),  # two points: the line through them
    ([("2020-12-31", 20), ("2021-12-31", 12)], "2022-12-31", "<=", 0, 4.0, False),
    ([("2019-12-31", 5), ("2020-12-31", 5), ("2021-12-31", 5)], "2022-12-31", "==", 5, 5.0, True),
    ([("2019-12-31", 0.4), ("2021-12-31", 0.5)], "2022-12-31", ">", 0.5, 0.55, True),
    # a count over leap and common years: the line lands a hair above 0, judged as a whole number of records
    ([("2019-12-31", 15), ("2020-12-31", 10), ("2021-12-31", 5)], "2022-12-31", "<=", 0, 0.0, True),
]


@pytest.mark.parametrize("points, deadline, op, target, projected, on_track", LINE_CASES)
def test_a_straight_line_to_the_deadline(points, deadline, op, target, projected, on_track):
    line = projection.project(points, deadline, op, target)
    assert line["projected"] == pytest.approx(projected, abs=0.01)
    assert line["on_track"] is on_track and line["label"]["zh"] == ("进度正常" if on_track else "进度滞后")
    assert [v["value"] for v in line["values"]] == [v for _, v in points]


def test_one_round_is_not_a_trend():
    assert projection.project([("2021-12-31", 3)], "2022-12-31", "<=", 0) is None


@pytest.mark.parametrize("requirement, expected", [
    ("disabled_enrolment_rate >= 0.97", ("disabled_enrolment_rate", ">=", 0.97)),
    ("0.5 <= practice_room_share", ("practice_room_share", ">=", 0.5)),
    ("dropouts_not_returned == 0", ("dropouts_not_returned", "==", 0)),
    ("public_funds_paid >= public_funds_due", None),
    ("rural_special_fund > 0 and x >= 1", None),
    ("has_timetable", None),
    ("kind == \"x\"", None),
])
def test_which_requirements_have_a_numeric_measure(requirement, expected):
    assert projection.comparison(requirement) == expected


def verdict(over="district", status="not_due", requirement="rate >= 0.97", observed=None, counts=None, progress=None, method="automated"):
    return {"district": "苏家屯区", "check": "c", "clause": "二（一）6", "title": {"zh": "t", "en": "t"}, "over": over,
            "status": status, "requirement": requirement, "observed": observed or {}, "due": "2022-12-31", "method": method,
            "counts": counts or {"checked": 1, "pass": 0, "fail": 0, "missing": 0, "not_applicable": 0},
            "progress": progress or {"status_if_due_now": "fail", "failing": 0, "checked": 1}}


def test_projections_of_a_districts_not_yet_due_checks():
    current = [
        verdict(observed={"rate": 0.945}),
        verdict(over="class", requirement="size <= 45", progress={"status_if_due_now": "fail", "failing": 21, "checked": 300}),
        verdict(observed={"rate": 0.99}, status="pass"),  # due already: no projection
        verdict(observed={"rate": 0.9}, progress={"status_if_due_now": "not_applicable", "failing": 0, "checked": 1}),
        verdict(over="school", requirement="x", method="evidence"),  # yes/no evidence: no numeric measure
    ]
    for v, check in zip(current, ("rate", "size", "due", "na", "evidence")):
        v["check"] = check
    earlier = {"rate": [("2019-12-31", verdict(observed={"rate": 0.93})), ("2020-12-31", verdict(observed={"rate": 0.938}))],
               "size": [("2020-12-31", verdict(over="class", progress={"status_if_due_now": "fail", "failing": 43, "checked": 300}))],
               "na": [("2020-12-31", verdict(observed={"rate": 0.8}))]}
    out = {p["check"]: p for p in projection.projections(current, "2021-12-31", earlier)}
    assert set(out) == {"rate", "size"}
    assert [v["value"] for v in out["rate"]["values"]] == [0.93, 0.938, 0.945] and out["rate"]["on_track"] is False
    assert out["size"]["measure"] == "failing_records" and out["size"]["on_track"] is True
    assert out["size"]["values"] == [{"as_of": "2020-12-31", "value": 43}, {"as_of": "2021-12-31", "value": 21}]
