"""The audit history in the documents, from the store's plain dicts (``auditor/store/views.py``).

The command computes the views from the audit history and passes them to :func:`auditor.output.report.render`;
this module never opens the store. It turns them into what the templates show, in one language:

* :func:`district_history` — the district report's 复查情况 (each item of the previous notice and its state)
  and 与上次督导比较 (counts and lists by lifecycle state), and the on-track projections of the not-yet-due
  section;
* :func:`carry_over` — a rectification notice's items, those carried over from an earlier notice first, each
  saying which notice named it, with its deadline (逾期未整改 once that deadline has passed);
* :func:`city_history` — the city summary's overdue list, trend charts across rounds and comparison table.

Documents for districts name checks by their titles and records by school, class or document: never a check id.
"""
from __future__ import annotations

from auditor.output.charts import projection_chart, trend_chart
from auditor.output.formatter import Formatter, number
from auditor.output.labels import labels
from auditor.output.palette import BAR_COLOURS
from auditor.output.views import OPS

OPEN = ("fail", "missing")
# the order of the comparison's lists: what needs action first, what went well last
SHOWN_STATES = ("overdue", "persisting", "reopened", "new", "rule_changed", "waived", "unknown", "rectified")
NOTICE_STATES = ("not_rectified", "partly_rectified", "waived", "unknown", "rule_changed", "rectified")
OBJECTS_LISTED = 5  # records named in one cell before "等n处"
COMPARE_ROWS = 20  # findings listed per state in a district report's comparison (a province's districts have hundreds)
OVERDUE_ROWS = 200  # overdue items listed on the city summary
FAILING = "failing_records"  # the measure of a class or school check: its failing records (auditor/store/projection.py)


def words(fmt: Formatter) -> dict:
    return labels(fmt.lang)["history"]


def _date(iso: str | None, fmt: Formatter) -> str:
    return fmt.date(iso) if iso else ""


def item_label(f: dict, fmt: Formatter) -> str:
    """How a finding's record is named on a document: school and class, a document by its title, the district's
    figures. A reference that is a check id (a review record naming the check it reviews) is left out."""
    item = f["item"]
    label = (f.get("label") or {}).get(fmt.lang) or (f.get("label") or {}).get("zh") or item
    if item.startswith("document:") and item != "document:*":
        kind = item.split(":", 1)[1].split("/", 1)[0].split("#", 1)[0]
        en = (f.get("label") or {}).get("en", "")
        ref = en[len(kind) + 2:-1] if en.startswith(kind + " (") and en.endswith(")") else ""
        title = fmt.value("kind", kind)
        title = title[:1].upper() + title[1:]  # English kinds are lower case (a document's name starts a cell)
        if not ref or ref in fmt.checks:
            return title
        return f"{title}（{ref}）" if fmt.lang == "zh" else f"{title} ({ref})"
    for check in fmt.checks:
        label = label.replace(f"（{check}）", "").replace(f" ({check})", "")
    return label


def supplied_label(f: dict, fmt: Formatter) -> str:
    """A finding named on a notice or the city's overdue list: its record, and for a placeholder for missing data
    that was supplied while the check is open on the records it stood for, those records too
    (班级台账（补报后仍未达标：大东区第1九年一贯制学校 2年级2-1班）)."""
    label = item_label(f, fmt)
    records = f.get("instead") or []
    if not records:
        return label
    status = fmt.words["status"]
    said = words(fmt)["text"]["or"].join(status[s] for s in OPEN if any(r["now"] == s for r in records))
    return words(fmt)["text"]["supplied_object"].format(object=label, status=said, records=_objects(records, fmt))


def _objects(findings: list[dict], fmt: Formatter, name=None) -> str:
    w = words(fmt)["text"]
    names = [(name or item_label)(f, fmt) for f in findings]
    shown = fmt.t["list_sep"].join(names[:OBJECTS_LISTED])
    return w["and_more"].format(objects=shown, n=len(names)) if len(names) > OBJECTS_LISTED else shown


def _notice_ref(n: dict, fmt: Formatter) -> str:
    """沈教督〔2020〕3号（限2020年4月14日前整改）"""
    return words(fmt)["text"]["notice_ref"].format(number=n["number"], deadline=_date(n["deadline"], fmt))


def _waiver_ref(waiver: dict | None, fmt: Formatter) -> str:
    """沈教发〔2022〕31号，有效期至2023年3月31日"""
    waiver = waiver or {}
    ref = (waiver.get("document") or {}).get("ref") or waiver.get("id", "")
    return words(fmt)["text"]["waiver_ref"].format(ref=ref, until=_date(waiver.get("valid_until"), fmt))


def _title(f: dict, fmt: Formatter) -> str:
    return f["title"].get(fmt.lang) or f["title"].get("zh") or ""


# ----------------------------------------------------------------------------- the district report
def _review(view: dict, fmt: Formatter, anchors: set[str]) -> dict | None:
    """复查情况: the previous notice and the state of each of its items now."""
    notice = view.get("previous_notice")
    if not notice:
        return None
    w = words(fmt)
    t = w["text"]
    rows = []
    for i, item in enumerate(notice["items"]):
        # a placeholder for missing data whose data came in failing: named by the records it stood for
        replaced = [f for f in item["findings"] if f.get("instead")]
        still = [f for f in item["findings"] if f["now"] in OPEN and not f.get("instead")]
        waived = [f for f in item["findings"] if f["now"] == "waived"]
        unknown = [f for f in item["findings"] if f["now"] not in OPEN and f["now"] not in ("clear", "waived")]
        listed = {"n": len(still), "objects": _objects(still, fmt)}
        by_rule = item.get("by_rule", 0)
        parts = []
        if item["state"] == "rectified":
            parts.append(t["review_all_fixed"].format(total=item["total"]))
        elif item["state"] == "not_rectified" and not (unknown or replaced or waived):
            parts.append(t["review_none_fixed"].format(total=item["total"], **listed))
        else:
            if item["state"] == "partly_rectified":
                parts.append(t["review_partly"].format(total=item["total"], fixed=item["fixed"]))
            elif item["state"] == "rule_changed":
                parts.append(t["review_rule_changed"].format(total=item["total"], fixed=by_rule))
            if by_rule and item["state"] != "rule_changed":
                parts.append(t["review_by_rule"].format(n=by_rule))
            if still:
                parts.append(t["review_still"].format(**listed))
            if replaced:
                records = list({r["item"]: r for f in replaced for r in f["instead"]}.values())
                status = t["or"].join(fmt.words["status"][s] for s in OPEN if any(r["now"] == s for r in records))
                parts.append(t["review_supplied"].format(n=len(replaced), m=len(records), status=status,
                                                         objects=_objects(records, fmt)))
            if waived:
                refs = fmt.t["list_sep"].join(dict.fromkeys(_waiver_ref(f.get("waiver"), fmt) for f in waived))
                parts.append(t["review_waived"].format(n=len(waived), waivers=refs, objects=_objects(waived, fmt)))
        note = fmt.t["comma"].join(parts)
        if unknown:
            why = fmt.t["list_sep"].join(sorted({w["why"].get(f["why"], w["why"]["not_audited"]) for f in unknown}))
            note = t["sentence_sep"].join(x for x in (note, t["review_unknown"].format(n=len(unknown), why=why)) if x)
        rows.append({"n": i + 1, "clause": item["clause"], "title": _title(item, fmt), "state": item["state"],
                     "state_text": w["notice_state"][item["state"]], "total": item["total"], "fixed": item["fixed"],
                     "note": note + t["full_stop"],
                     "href": f"#v-{item['check']}" if item["check"] in anchors else ""})
    counts = [t["count_items"].format(state=w["notice_state"][s], n=n)
              for s in NOTICE_STATES if (n := sum(1 for r in rows if r["state"] == s))]
    intro = t["review_intro"].format(number=notice["number"], issued=_date(notice["issued"], fmt),
                                     deadline=_date(notice["deadline"], fmt), n=len(rows), counts=fmt.t["comma"].join(counts))
    # the deadline had not passed at this audit's base date, and something named is still open: not yet overdue
    pending = notice["deadline"] >= view["audit"]["as_of"] and any(
        f["now"] in OPEN for item in notice["items"] for f in item["findings"])
    return {"number": notice["number"], "intro": intro, "rows": rows,
            "pending": t["review_pending"].format(as_of=_date(view["audit"]["as_of"], fmt)) if pending else ""}


def _state_note(f: dict, fmt: Formatter) -> str:
    w = words(fmt)
    t = w["text"]
    state = f["state"]
    status = fmt.words["status"]
    if f.get("instead") and state in ("persisting", "overdue"):
        # a placeholder for missing data: supplied, and the check is open on the records it stood for (as the 复查 says)
        records = f["instead"]
        said = t["or"].join(status[s] for s in OPEN if any(r["now"] == s for r in records))
        note = t["note_supplied"].format(since=_date(f["since"], fmt), m=len(records), status=said,
                                         objects=_objects(records, fmt))
        if state == "overdue":
            late = fmt.t["list_sep"].join(_notice_ref(n, fmt) for n in f.get("overdue_notices") or [])
            note += t["sentence_sep"] + t["overdue_tail"].format(notices=late)
        return note
    if state == "overdue":
        late = fmt.t["list_sep"].join(_notice_ref(n, fmt) for n in f.get("overdue_notices") or [])
        return t["note_overdue"].format(since=_date(f["since"], fmt), n=f["rounds_open"], notices=late)
    if state == "persisting":
        return t["note_persisting"].format(since=_date(f["since"], fmt), n=f["rounds_open"])
    if state == "rectified":
        return t["note_rectified"].format(was=status.get(f.get("was") or "fail", ""))
    if state == "reopened":
        return t["note_reopened"].format(now=status.get(f["now"], ""))
    if state == "rule_changed":
        if f["now"] in OPEN:
            return t["note_rule_failing"].format(now=status.get(f["now"], ""))
        return t["note_rule_clear"].format(was=status.get(f.get("was") or "fail", ""))
    if state == "waived":
        return t["note_waived"].format(waiver=_waiver_ref(f.get("waiver"), fmt))
    if state == "unknown":
        return t["note_unknown"].format(why=w["why"].get(f.get("why") or "", w["why"]["not_audited"]))
    return t["note_new"].format(now=status.get(f["now"], ""))


def _comparison(view: dict, fmt: Formatter, anchors: set[str]) -> dict | None:
    """与上次督导比较: how many findings are new, persisting (since when, how many rounds), overdue, rectified,
    reopened, rule changed, and which."""
    previous = view.get("previous")
    if not previous:
        return None
    w = words(fmt)
    t = w["text"]
    counts = view["comparison"]["counts"]
    rows = []
    for state in SHOWN_STATES:
        found = view["comparison"]["findings"].get(state, [])
        for f in found[:COMPARE_ROWS]:
            rows.append({"state": state, "state_text": w["state"][state], "clause": f["clause"], "title": _title(f, fmt),
                         "object": item_label(f, fmt), "note": _state_note(f, fmt),
                         "href": f"#v-{f['check']}" if f["check"] in anchors else ""})
        if len(found) > COMPARE_ROWS:
            rows.append({"state": state, "more": t["more_rows"].format(n=len(found) - COMPARE_ROWS, state=w["state"][state])})
    parts = [t["count_findings"].format(state=w["state"][s], n=counts[s]) for s in SHOWN_STATES if counts.get(s)]
    if parts:
        intro = t["compare_intro"].format(as_of=_date(previous["as_of"], fmt), counts=fmt.t["comma"].join(parts))
    else:
        intro = t["compare_nothing"].format(as_of=_date(previous["as_of"], fmt))
    return {"as_of": previous["as_of"], "intro": intro, "rows": rows,
            "counts": [{"state": s, "text": w["state"][s], "n": counts.get(s, 0)} for s in SHOWN_STATES]}


def measure_value(name: str, value, fmt: Formatter) -> str:
    """A projection's figure: a count of failing records with its unit, any other measure as its field shows it."""
    if name == FAILING:
        return words(fmt)["text"]["records_unit"].format(n=number(round(value, 1)))
    return fmt.value(name, round(value, 4) if isinstance(value, float) else value)


def _change(name: str, per_year: float, fmt: Formatter) -> str:
    """The line's change per year: records (一年少2处), a rate in percentage points, any other figure as it shows."""
    sign = "+" if per_year > 0 else "−" if per_year < 0 else ""
    if name in fmt.percent:
        return sign + words(fmt)["text"]["points"].format(n=number(round(abs(per_year) * 100, 2)))
    return sign + measure_value(name, abs(per_year), fmt)


def projections(view: dict, fmt: Formatter) -> list[dict]:
    """The not-yet-due checks with earlier rounds: values per round, the straight line to the deadline, the label.

    A count is projected as the store judges it: to a whole number (约5处)."""
    out = []
    t = words(fmt)["text"]
    for p in view.get("projections") or []:
        name = p["measure"]
        label = t["failing_records"] if name == FAILING else fmt.label(name)
        values = [{"as_of": v["as_of"], "date": _date(v["as_of"], fmt), "value": measure_value(name, v["value"], fmt)}
                  for v in p["values"]]
        if name == FAILING:
            projected = t["about"].format(value=measure_value(name, max(0, round(p["projected"])), fmt))
            target = measure_value(name, p["target"], fmt) if p["op"] == "<=" and p["target"] == 0 else \
                f"{OPS.get(p['op'], p['op'])} {measure_value(name, p['target'], fmt)}"
        else:
            projected = measure_value(name, p["projected"], fmt)
            target = f"{OPS.get(p['op'], p['op'])} {measure_value(name, p['target'], fmt)}"
        out.append({"check": p["check"], "clause": p["clause"], "title": _title(p, fmt), "measure": label,
                    "values": values, "deadline": p["deadline"], "target": target, "projected": projected,
                    "per_year": _change(name, p["per_year"], fmt), "on_track": p["on_track"], "label": p["label"][fmt.lang],
                    "chart": projection_chart(p, lambda v, name=name: measure_value(name, v, fmt), fmt.date,
                                              title=f"{_title(p, fmt)}{fmt.t['colon']}{label}")})
    return out


def district_history(view: dict | None, fmt: Formatter, anchors: set[str]) -> dict | None:
    """What a district report shows of the history (None without one: --no-db).

    ``anchors``: the checks the report has an entry for (links go there)."""
    if not view or not view.get("covered"):
        return None
    t = words(fmt)["text"]
    first = view.get("previous") is None and view.get("previous_notice") is None
    district = view["district"]
    return {"first": t["first_audit"].format(district=district) if first else "",
            "no_notice": (t["review_no_notice"].format(as_of=_date(view["previous"]["as_of"], fmt))
                          if view.get("previous") and not view.get("previous_notice") else ""),
            "review": _review(view, fmt, anchors), "compare": _comparison(view, fmt, anchors),
            "projections": projections(view, fmt), "method": t["projection_method"]}


# ----------------------------------------------------------------------------- the rectification notice
def carry_over(items: list[dict], view: dict | None, fmt: Formatter) -> tuple[list[dict], list[int]]:
    """A notice's items with those carried over from earlier notices first (the overdue ones before the others),
    renumbered; each carried item says which notice named which records and by when. Returns the items and the
    numbers of the overdue ones."""
    carried = (view or {}).get("carried_over") or []
    if not carried:
        return items, []
    t = words(fmt)["text"]
    by_check: dict[str, list[dict]] = {}
    for f in carried:
        by_check.setdefault(f["check"], []).append(f)
    out = []
    for it in items:
        found = by_check.get(it["check"], [])
        it = dict(it)
        if found:
            groups: dict[tuple, list[dict]] = {}
            for f in found:
                key = (f["overdue"], tuple(n["number"] for n in f["notices"]))
                groups.setdefault(key, []).append(f)
            lines = []
            for (overdue, _), fs in groups.items():
                f = fs[0]
                if overdue:
                    first = f["first_overdue"]
                    later = [n["number"] for n in f["notices"] if n["number"] != first["number"]
                             and n["as_of"] > first["as_of"]]
                    line = t["carried_overdue"].format(objects=_objects(fs, fmt, supplied_label), notice=_notice_ref(first, fmt),
                                                       since=_date(f["since"], fmt), n=f["rounds_open"])
                    if later:
                        line += t["carried_again"].format(notices=fmt.t["list_sep"].join(later))
                else:
                    last = f["notices"][-1]
                    line = t["carried_pending"].format(objects=_objects(fs, fmt, supplied_label), notice=_notice_ref(last, fmt),
                                                       as_of=_date(view["audit"]["as_of"], fmt))
                lines.append(line + t["full_stop"])
            it["carried"] = {"overdue": any(f["overdue"] for f in found), "lines": lines,
                             "badge": t["badge_overdue"] if any(f["overdue"] for f in found) else t["badge_carried"]}
        out.append(it)
    rank = {True: 0, False: 1}
    out.sort(key=lambda it: (rank[it["carried"]["overdue"]] if "carried" in it else 2))  # stable: plan order within
    for n, it in enumerate(out, 1):
        it["n"] = n
    return out, [it["n"] for it in out if it.get("carried", {}).get("overdue")]


def overdue_sentence(numbers: list[int], you: str, fmt: Formatter) -> str:
    """The notice's sentence on its overdue items: 其中第1、2项……请你区优先整改，并书面说明逾期未整改的原因。"""
    if not numbers:
        return ""
    t = words(fmt)["text"]
    return t["notice_overdue"].format(items=fmt.t["list_sep"].join(str(n) for n in numbers), n=len(numbers), you=you)


# ----------------------------------------------------------------------------- the city summary
def _round_labels(rounds: list[str], fmt: Formatter) -> list[str]:
    """The rounds on a chart's axis: 2019年 for year-end audits one year apart, else 2023年6月 (the month)."""
    t = words(fmt)["text"]
    years = [r[:4] for r in rounds]
    if all(r.endswith("-12-31") for r in rounds) and len(set(years)) == len(years):
        return [t["year"].format(year=y) for y in years]
    return [t["month"].format(year=r[:4], month=int(r[5:7])) for r in rounds]


def _series_text(s: dict, fmt: Formatter) -> str:
    """未达标 3 → 1 → 3 → 8 (— for a round without a value)"""
    t = words(fmt)["text"]
    return f"{s['name']} " + t["arrow"].join("—" if v is None else str(v) for v in s["values"])


def city_history(view: dict | None, fmt: Formatter, pages: dict, notices: dict, clauses: dict,
                 numbers: dict | None = None) -> dict | None:
    """The city summary's overdue list, trend charts (per district; per clause) and comparison table; None without
    a history. ``notices``: district -> its notice's file; ``numbers``: district -> its notice's number."""
    if not view:
        return None
    w = words(fmt)
    t = w["text"]
    rounds = view["rounds"]
    ticks = _round_labels(rounds, fmt)
    overdue = []
    for f in view["overdue"][:OVERDUE_ROWS]:
        overdue.append({"district": f["district"], "href": pages.get(f["district"], ""), "clause": f["clause"],
                        "title": _title(f, fmt), "object": supplied_label(f, fmt), "since": f["since"],
                        "rounds": f["rounds_open"],
                        "notices": [_notice_ref(n, fmt) for n in f.get("overdue_notices") or []],
                        # this audit's notice, only when it names the item again (never claim it lists what it does not)
                        "notice_href": notices.get(f["district"], "") if f.get("in_notice", True) else "",
                        "notice_number": (numbers or {}).get(f["district"]) or fmt.t["notice_link"]})
    out = {"rounds": rounds, "overdue": overdue,
           "overdue_more": t["more_overdue"].format(n=len(view["overdue"]) - OVERDUE_ROWS) if len(view["overdue"]) > OVERDUE_ROWS else "",
           "intro": t["trends_intro"].format(n=len(rounds), rounds=fmt.t["list_sep"].join(fmt.date(r) for r in rounds))}
    if len(rounds) < 2:
        out["single"] = t["city_single_round"].format(as_of=fmt.date(rounds[-1]) if rounds else "")
        return out
    colours = {"fail": BAR_COLOURS["fail"], "missing": BAR_COLOURS["missing"]}
    high = max([v for d in view["districts"] for k in ("fail", "missing") for v in d[k] if v is not None] + [1])
    district_charts = []
    for d in view["districts"]:
        series = [{"key": k, "name": w["trend"][k], "colour": colours[k], "values": d[k]} for k in ("fail", "missing")]
        district_charts.append({"district": d["district"], "href": pages.get(d["district"], ""),
                                "numbers": t["series_sep"].join(_series_text(s, fmt) for s in series),
                                "chart": trend_chart(series, ticks, high, title=d["district"])})
    busiest = max([n for c in view["clauses"] for n in c["districts_failing"]] + [1])
    clause_charts, quiet = [], []
    for c in view["clauses"]:
        if not any(c["districts_failing"]):
            quiet.append(c["clause"])
            continue
        series = [{"key": "fail", "name": w["trend"]["districts_failing"], "colour": colours["fail"],
                   "values": c["districts_failing"]}]
        title = (clauses.get(c["clause"], {}).get("title") or {}).get(fmt.lang, "")
        clause_charts.append({"clause": c["clause"], "title": title, "numbers": _series_text(series[0], fmt),
                              "chart": trend_chart(series, ticks, busiest, title=f"{c['clause']} {title}")})
    comparison = [{"district": d, "href": pages.get(d, ""), "counts": [counts.get(s, 0) for s in SHOWN_STATES]}
                  for d, counts in view["comparison"].items()]
    out.update(district_charts=district_charts, clause_charts=clause_charts,
               quiet=t["clauses_quiet"].format(clauses=fmt.t["list_sep"].join(quiet)) if quiet else "",
               comparison=comparison, states=[w["state"][s] for s in SHOWN_STATES],
               previous=fmt.date(rounds[-2]),
               legend=[{"name": w["trend"][k], "colour": colours[k]} for k in ("fail", "missing")])
    return out
