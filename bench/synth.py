"""Synthetic submissions at province scale, for the benchmark only.

    submission(name, classes, seed) -> dict   # the same dict the YAML loader produces

Seeded and plausible: about a quarter of the schools are rural (smaller
classes), stages are mixed (primary, junior, nine-year), class sizes are
drawn around 38 (primary) / 44 (junior) with a tail above the limits,
homework is none in grades 1–2 and about 40/70 minutes above, and each
school standard (monitoring, PE time, staffing, ...) is met by about 99% of
schools, so every check has some failures without the findings being mostly
failures; a few schools lack their pupil count or practice-room answer
(``missing``); district figures vary around the targets; the documents are
the fixtures' compliant set for every clause (``fixtures/generate.py``) plus a
layout plan (5% without a timetable) and an action plan (10% filed late). The
national standard's school resources and district figures are the fixtures'
(``generate.national_school_fields``, ``national_figures``: every indicator 5–45%
above its value), with about 1% of schools short on one indicator. Fields that the
submission schema gains later (for new policies) and this module does not
know yet get a value by their schema type, so the benchmark runs with
whatever ``policies/`` holds. The data is INVENTED (``sample_data: true``).

A province has about a hundred counties and districts, the plan names
thirteen: :func:`register_districts` adds synthetic names (虚构县001, ...)
to the plan's list in this process, so that the submissions validate.
"""
from __future__ import annotations

import os
import random
import sys

from auditor.model import plan

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures"))
from generate import (disabled_counts, extra_documents, national_figures,  # noqa: E402  (the fixtures' compliant
                      national_school_fields)  # documents and national figures, every clause)

STAGES = ("primary", "primary", "junior", "nine_year")
GRADES = {"primary": range(1, 7), "junior": range(7, 10), "nine_year": range(1, 10)}
STAGE_ZH = {"primary": "小学", "junior": "中学", "nine_year": "九年一贯制学校"}


def district_names(count: int) -> list[str]:
    real = list(plan()["districts"])[:13]
    return (real + [f"虚构县{i:03d}" for i in range(1, count - len(real) + 1)])[:count]


def register_districts(names: list[str]) -> None:
    """Make ``names`` known districts in this process (the plan lists thirteen)."""
    known = plan()["districts"]
    for name in names:
        if name not in known:
            known.append(name)


SLIP = 0.01  # the share of schools that fall short on any one yes/no or numeric standard


def _school_fields(rng: random.Random, school: dict) -> dict:
    """Plausible values for the school fields the policies read: most schools meet each standard, about 1% do not."""
    rural, pupils = school["rural"], school.get("pupils", 0)

    def ok() -> bool:
        return rng.random() >= SLIP

    buses = rng.randint(1, 4) if rural and rng.random() < 0.4 else 0
    posts = max(8, pupils // 15)
    nutrition = rural and rng.random() < 0.5
    paired = rng.random() < 0.4
    out = {"is_small_rural": rural and rng.random() < 0.3, "is_rural_boarding": rural and rng.random() < 0.2,
           "newly_built": rng.random() < 0.05, "nutrition_pilot": nutrition, "is_paired": paired,
           "monitoring_coverage": 1.0 if ok() else round(rng.uniform(0.6, 0.99), 2),
           "school_buses": buses, "school_buses_on_platform": buses if ok() else max(0, buses - 1),
           "pe_minutes_daily": rng.randint(60, 90) if ok() else rng.randint(30, 59),
           "teacher_posts": posts, "teachers": posts + rng.randint(0, 3) if ok() else posts - rng.randint(1, 5)}
    for name in ("meets_building_standard", "safe_route", "has_standardisation_ledger", "has_upgrade_plan", "meets_basic_config",
                 "built_to_standard", "canteen_supply", "food_safety_officer", "food_safety_records", "alarm_linked_police",
                 "anti_collision_barrier", "full_curriculum", "practice_teachers_staffed", "after_school_service",
                 "management_standard_passed", "sync_classroom", "sync_research"):
        out[name] = ok()
    if paired:
        out["paired_school"] = f"{school['id']}-P"
    return out


def _figure_fields(rng: random.Random, pupils: int) -> dict:
    """Plausible district figures (as :func:`_school_fields`): funds paid in full and no unreturned dropouts, mostly."""
    entrants = max(1, pupils // 9)
    due = round(pupils * rng.uniform(700, 900), 2)
    return {"cohort_entrants": entrants, "cohort_completers": entrants - rng.randint(0, entrants // 50),
            "dropouts_not_returned": 0 if rng.random() >= 0.05 else rng.randint(1, 3),
            "public_funds_due": due, "public_funds_paid": due if rng.random() >= 0.05 else round(due * 0.97, 2),
            "rural_special_fund": round(rng.uniform(1e5, 5e6), 2) if rng.random() >= 0.05 else 0}


_PROBE = {"id": "x", "stage": "nine_year", "rural": True, "pupils": 300,
          "classes": [{"id": "1-1", "grade": 1, "size": 150}, {"id": "7-1", "grade": 7, "size": 150}]}
KNOWN = {"figures": {"disabled_enrolment_rate", "demo_schools_created", "pupils_total", "pupils_quality_covered",
                     "schools_declared", *disabled_counts(100, 0.97), *_figure_fields(random.Random(0), 1000),
                     *national_figures(random.Random(0), [_PROBE], set())},
         "school": {"id", "name", "stage", "rural", "pupils", "has_practice_room", "classes", "classes_declared", "pupils_compulsory",
                    *_school_fields(random.Random(0), {"id": "x", "rural": True, "pupils": 10}), "paired_school",
                    *national_school_fields(random.Random(0), _PROBE, True), "funds_basis_pupils"},
         "class": {"id", "grade", "size", "homework_minutes"}}


def _fillers() -> dict:
    """For fields the schema has and this generator does not know (added by newer policies): a plausible value maker each."""
    from auditor.intake import contracts

    root = contracts.schema("submission")
    out: dict = {}
    for defname, known in KNOWN.items():
        makers = {}
        for name, prop in root["$defs"][defname].get("properties", {}).items():
            if name in known:
                continue
            node = contracts.resolve(prop, root)
            kind, lo, hi = node.get("type"), node.get("minimum", 0), node.get("maximum")
            if kind == "boolean":
                makers[name] = lambda rng: rng.random() >= SLIP
            elif kind == "integer":
                top = lo + 100 if hi is None else min(hi, lo + 100)
                makers[name] = lambda rng, lo=lo, top=top: rng.randint(lo, top)
            elif kind == "number":
                makers[name] = (lambda rng: round(rng.uniform(0.9, 1.0), 3)) if hi == 1 else (lambda rng, lo=lo: round(rng.uniform(lo, lo + 100), 2))
            elif "enum" in node:
                makers[name] = lambda rng, choices=tuple(node["enum"]): rng.choice(choices)
            elif node.get("format") == "date":
                makers[name] = lambda rng: f"2020-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        out[defname] = makers
    return out


def _fill(rng: random.Random, makers: dict, row: dict) -> dict:
    for name, make in makers.items():
        row[name] = make(rng)
    return row


def _size(rng: random.Random, grade: int, rural: bool) -> int:
    limit = 45 if grade <= 6 else 50
    if rng.random() < 0.015:  # a tail above the limits: 46..60
        return rng.randint(limit + 1, 60)
    mean = (30 if rural else 38) if grade <= 6 else (36 if rural else 44)
    return max(8, min(limit, int(rng.gauss(mean, 5))))


def _homework(rng: random.Random, grade: int) -> int:
    """Daily written homework in minutes: none in grades 1–2, about 40 in 3–6, about 70 in 7–9, with a few over the limits."""
    if grade <= 2:
        return rng.choice((10, 20, 30)) if rng.random() < 0.01 else 0
    limit, mean = (60, 40) if grade <= 6 else (90, 70)
    if rng.random() < 0.01:
        return rng.randint(limit + 1, limit + 40)
    return max(0, min(limit, int(rng.gauss(mean, 10))))


def submission(name: str, classes: int, seed: int = 0) -> dict:
    """One district's submission with exactly ``classes`` class records."""
    rng = random.Random(f"{seed}/{name}")
    fillers = _fillers()
    schools = []
    made = 0
    number = 0
    while made < classes:
        number += 1
        stage = rng.choice(STAGES)
        rural = rng.random() < 0.25
        per_grade = rng.randint(1, 2) if rural else rng.randint(2, 6)
        rows = []
        for grade in GRADES[stage]:
            for k in range(1, per_grade + 1):
                if made + len(rows) >= classes:
                    break
                rows.append(_fill(rng, fillers["class"], {"id": f"{grade}-{k}", "grade": grade, "size": _size(rng, grade, rural),
                                                              "homework_minutes": _homework(rng, grade)}))
        made += len(rows)
        school = {"id": f"S{number:05d}", "name": f"{name}第{number}{STAGE_ZH[stage]}", "stage": stage, "rural": rural,
                  "pupils": sum(r["size"] for r in rows) + (rng.randint(400, 900) if rng.random() < 0.01 else 0),
                  "has_practice_room": rng.random() < 0.75, "classes_declared": len(rows), "classes": rows}
        school.update(_school_fields(rng, school))
        if rows:  # the national standard's resources, about 1% of schools short on one indicator
            school.update(national_school_fields(rng, school, rural))
            if rng.random() < SLIP:
                short = rng.choice(("sports_area", "teaching_area", "equipment_value", "backbone_teachers", "multimedia_rooms"))
                school[short] = int(school[short] * rng.uniform(0.6, 0.95))
        _fill(rng, fillers["school"], school)
        if rng.random() < 0.003:
            del school["pupils"]
        if rng.random() < 0.003:
            del school["has_practice_room"]
        schools.append(school)
    pupils = sum(s.get("pupils", 0) for s in schools)
    figures = {"disabled_enrolment_rate": round(rng.uniform(0.95, 0.999), 3), "demo_schools_created": rng.randint(0, 8),
               "pupils_total": pupils, "pupils_quality_covered": pupils - (rng.randint(0, 300) if rng.random() < 0.3 else 0),
               **_figure_fields(rng, pupils), "schools_declared": len(schools),
               **disabled_counts(rng.randint(50, 500), round(rng.uniform(0.95, 0.999), 3)),
               **national_figures(rng, schools, set())}
    _fill(rng, fillers["figures"], figures)
    if rng.random() < 0.05:
        del figures["disabled_enrolment_rate"]
    filed = f"2019-12-{rng.randint(10, 28)}" if rng.random() < 0.9 else "2020-01-15"
    documents = [
        {"kind": "layout_plan", "title": f"{name}城乡学校布局规划（2019—2022年）", "ref": f"{name}政发〔2019〕{rng.randint(10, 40)}号",
         "filed_on": f"2019-08-{rng.randint(10, 28)}", "filed_with": "市教育局", "has_timetable": rng.random() < 0.95},
        {"kind": "action_plan", "title": f"{name}推进义务教育一体化优质均衡发展行动计划", "ref": f"{name}政办发〔{filed[:4]}〕{rng.randint(1, 60)}号",
         "filed_on": filed, "filed_with": "市教育局"},
    ]
    documents += extra_documents(rng, name, f"X{sum(map(ord, name)) % 1000:03d}", any(x["rural"] for x in schools), set())
    return {"district": name, "sample_data": True, "reported_on": "2023-01-10", "figures": figures,
            "documents": documents, "schools": schools}


def split(total: int, parts: int) -> list[int]:
    """``total`` records over ``parts`` districts, as evenly as possible."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]
