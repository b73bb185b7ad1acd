"""Engine hits + reference judgements + the audit date -> one verdict per (district, check).

| status          | when |
|-----------------|------|
| not_due         | the audit date is before the check's first deadline (progress is still shown) |
| fail            | some applicable record with all its data violates the requirement |
| missing         | no violation, but some applicable record (or the ledger itself) lacks data |
| not_applicable  | records exist but none is subject to the check |
| pass            | every applicable record has the data and meets the requirement |
| waived          | reserved for approved exceptions |

Missing data is never ``pass``: a record that lacks a field the rule reads is
``missing``; a kind of record that was not submitted at all is ``missing``.
"""
from __future__ import annotations

import datetime as _dt
import os

from auditor.dates import real_date, zh_date
from auditor.rules import expr
from auditor.rules.compiler import Rule
from auditor.intake.contracts import DATE
from auditor.rules.messages import Share, render_message
from auditor.output.formatter import percent
from auditor.model import Check, Facts, Policy, Record
from auditor.evaluate.reference import FAIL, MISSING, NA, PASS, Judged
from auditor.evaluate.records import mark
from auditor.evaluate.derive import compiled

MAX_EVIDENCE = 100_000


def source_text(source) -> str:
    """A policy's place as "policies/file.yaml:line", whatever folder path the audit was given."""
    folder = os.path.basename(os.path.dirname(os.path.abspath(source.file)))
    return f"{folder}/{os.path.basename(source.file)}:{source.line}"


def display(value, path: str, types: dict[str, str]):
    if types.get(path) == DATE and isinstance(value, int):
        return _dt.date.fromordinal(value).isoformat()
    return value


def _values(record: Record, rule: Rule, types: dict[str, str]) -> dict:
    out = {}
    for path in sorted(rule.fields):
        value = expr.lookup(record.data, path)
        out[path] = None if value is expr.MISSING else display(value, path, types)
    return out


def _message(check: Check, values: dict, dates: frozenset = frozenset(), shares: frozenset = frozenset()) -> dict:
    """The check's message per language; in Chinese, dates read as in an official document (2020年3月2日); in both,
    a share as a percentage (35.7%, as the reports show it), never the raw fraction."""
    if shares:
        values = {k: Share(v, percent(v)) if k in shares and isinstance(v, (int, float)) and not isinstance(v, bool) else v
                  for k, v in values.items()}
    zh = {k: zh_date(v) if k in dates and isinstance(v, str) and real_date(v) else v for k, v in values.items()}
    return {"zh": render_message(check.message["zh"], zh, "zh"), "en": render_message(check.message["en"], values, "en")}


def judge_check(check: Check, rules: list[Rule], facts: Facts, as_of: _dt.date, policy: Policy,
                types: dict[str, str], outcomes: dict[str, Judged], document: str = "", explain=None,
                shares: frozenset = frozenset()) -> dict:
    """The verdict of one check for one district (or the city), from each rule's judged records.

    ``document``: the reference number (文号) of the document whose clause the check cites. ``explain``: the
    derived fields a record lacks -> the submitted fields behind them (``records.explainer``)."""
    current = check.step_for(as_of)
    due = current is None
    index = 0 if current is None else current[0]
    rule = rules[index]
    step = check.steps[index]
    records = facts.of(check.over)
    judged = outcomes[rule.name]

    evidence: list[dict] = []
    counts = dict(judged.counts)
    requirement = rule.requirement_text
    gap_reasons = facts.gap_reasons() if facts.gaps else {}
    for record, outcome, lacking in judged.entries:  # the failing and missing records only
        if outcome == FAIL:
            values = _values(record, rule, types)
            context = {**record.ident, **values, **step.params, "district": facts.district,
                       "requirement": requirement}
            item = {"problem": "fail", "record": record.key, **record.ident, "values": values,
                    "requirement": requirement,
                    "message": _message(check, context, frozenset(k for k in values if types.get(k) == DATE), shares)}
            evidence.append(item)
        elif outcome == MISSING:
            shown = lacking
            if explain is not None:
                shown = sorted(set(explain(record, [f for f in lacking if f not in facts.notes]))
                               | {f for f in lacking if f in facts.notes})
            item = {"problem": "missing", "record": record.key, **record.ident, "missing": shown,
                    "owed_by": facts.district}
            if record.key in gap_reasons:  # records declared (or implied) by their parent but not submitted
                item["reason"] = gap_reasons[record.key]
            notes = [facts.notes[f] for f in lacking if f in facts.notes]
            for note in notes:
                item.setdefault("because", []).append({k: v for k, v in note.items() if k != "contributions"})
            evidence.append(item)

    if not records:
        status = MISSING
        evidence.append({"problem": "missing", "record": f"{check.over}:*", "missing": [f"{check.over} records"],
                         "owed_by": facts.district, "reason": {"code": "no_records", "kind": check.over}})
    elif counts[FAIL]:
        status = FAIL
    elif counts[MISSING]:
        status = MISSING
    elif counts[PASS]:
        status = PASS
    else:
        status = MISSING if check.if_none == "missing" else NA
        if status == MISSING:
            reason = ({"code": "no_match", "kind": check.over, "filter": check.where_text} if check.where_text
                      else {"code": "no_applicable_records", "kind": check.over})
            evidence.append({"problem": "missing", "record": f"{check.over}:*", "missing": [check.where_text or check.over],
                             "owed_by": facts.district, "reason": reason})
    # measures read by the rule, with their inputs (numerator, denominator, contributions)
    measures = {name: facts.notes[name] for name in sorted(rule.fields) if name in facts.notes}
    verdict = {
        "district": facts.district,
        "document": document,
        "clause": check.clause,
        "policy": check.policy,
        "check": check.id,
        "title": check.title,
        "method": check.method,
        "status": "not_due" if due else status,
        "severity": check.severity,
        "due": step.due.isoformat(),
        "final_due": check.final_due.isoformat(),
        "schedule": [{"due": s.due.isoformat(), "params": s.params, **({"cite": s.cite} if s.cite else {})} for s in check.steps] if check.scheduled else [],
        "requirement": requirement,
        "applies_to": check.where_text,
        "over": check.over,
        "responsible": list(policy.responsible),
        **_units(policy, check),
        "counts": {"checked": len(records), "pass": counts[PASS], "fail": counts[FAIL],
                   "missing": counts[MISSING], "not_applicable": counts[NA]},
        "evidence": evidence[:MAX_EVIDENCE],
        "measures": measures,
        "source": source_text(check.source),
    }
    if check.over in ("district", "city") and records:
        # the one record's figures the rule reads, whatever the outcome: reports show them against the target
        verdict["observed"] = _values(records[0], rule, types)
    if due:
        verdict["progress"] = progress(check, status, counts, len(records), evidence)
    if check.remedy:
        verdict["remedy"] = check.remedy
    if check.k_of_n is not None:
        verdict["indicators"] = k_of_n_table(check, rule, records, judged)
    return verdict


def k_of_n_table(check: Check, rule: Rule, records: list[Record], judged: Judged) -> dict:
    """Every record the check applies to, with each item's value and mark (met, within the floor, below,
    missing) and the record's outcome: the school-by-indicator table of an assessment page."""
    spec = check.k_of_n
    outcome = {record.key: result for record, result, _ in judged.entries}
    rows = []
    where = compiled(rule.where) if rule.where is not None else None
    items = [(name, t, expr.getter(name)) for name, t in spec.items]
    for record in records:
        if record.key not in outcome and where is not None and where(record.data) is not True:
            continue  # not subject to the check
        values = {name: None if (v := get(record.data)) is expr.MISSING else v for name, _, get in items}
        rows.append({"record": record.key, **record.ident, "values": values,
                     "marks": {name: mark(values[name], t, spec.floor) for name, t, _ in items},
                     "met": record.data.get(spec.met), "lowest": record.data.get(spec.lowest),
                     "status": outcome.get(record.key, PASS)})
    return {"k": spec.k, "floor": spec.floor, "items": [{"field": f, "at_least": t} for f, t in spec.items],
            "met_field": spec.met, "lowest_field": spec.lowest, "records": rows}


def progress(check: Check, status: str, counts: dict, checked: int, evidence: list[dict]) -> dict:
    """A not-yet-due check's current state: what the verdict would be today, how many applicable records
    already comply (and the share), and what is missing — so an audit before the deadline informs.

    ``lacking``: per missing field (or "<kind> records" for records declared but absent), how many
    records lack it; ``reason``: why the check has nothing to judge (a document not yet filed)."""
    applicable = counts[PASS] + counts[FAIL] + counts[MISSING]
    lacking: dict[str, int] = {}
    reason = None
    for item in evidence:
        if item.get("problem") != "missing":
            continue
        if str(item.get("record", "")).endswith(":*") and "reason" in item and item["reason"]["code"] in ("no_records", "no_match", "no_applicable_records"):
            reason = item["reason"]
            continue
        for name in item.get("missing", []):
            lacking[name] = lacking.get(name, 0) + 1
    out = {"status_if_due_now": status, "failing": counts[FAIL], "checked": checked,
           "complying": counts[PASS], "missing": counts[MISSING], "applicable": applicable,
           "share": round(counts[PASS] / applicable, 4) if applicable else None,
           "lacking": [{"field": name, "records": n} for name, n in sorted(lacking.items())],
           "undated": check.undated}
    if reason is not None:
        out["reason"] = reason
    return out


def _units(policy: Policy, check: Check) -> dict:
    """The responsible units by level, and the check's reading of the plan where it has one."""
    units = policy.units or {"district": tuple(policy.responsible), "city": ()}
    out = {"responsible_units": {"district": list(units["district"]), "city": list(units["city"])}}
    if check.reading:
        out["reading"] = dict(check.reading)
    return out


def not_submitted(check: Check, district: str, as_of: _dt.date, policy: Policy, document: str = "") -> dict:
    """The verdict for a district that sent no submission at all."""
    current = check.step_for(as_of)
    step = check.steps[0 if current is None else current[0]]
    return {
        "district": district, "document": document, "clause": check.clause, "policy": check.policy, "check": check.id,
        "title": check.title, "method": check.method,
        "status": "not_due" if current is None else MISSING,
        "severity": check.severity, "due": step.due.isoformat(), "final_due": check.final_due.isoformat(),
        "schedule": [], "requirement": expr.to_text(expr.substitute(check.require, step.params)),
        "applies_to": check.where_text, "over": check.over, "responsible": list(policy.responsible),
        **_units(policy, check),
        "counts": {"checked": 0, "pass": 0, "fail": 0, "missing": 0, "not_applicable": 0},
        "evidence": [{"problem": "missing", "record": "submission", "missing": ["submission"], "owed_by": district,
                      "reason": {"code": "no_submission"}}],
        "measures": {}, "source": source_text(check.source),
        **({"progress": {"status_if_due_now": MISSING, "failing": 0, "checked": 0, "complying": 0, "missing": 0,
                         "applicable": 0, "share": None, "lacking": [], "undated": check.undated,
                         "reason": {"code": "no_submission"}}} if current is None else {}),
    }
