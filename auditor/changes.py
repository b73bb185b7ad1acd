"""`auditor diff OLD NEW`: what changed between two rule sets, and whose verdicts it changes.

OLD and NEW are what ``--policies`` takes — a pack (a folder with a ``pack.yaml``) or a folder of packs — or a
git revision of one (``HEAD~1:policies``: :mod:`auditor.rules.revisions`, the work tree untouched);
each is read by the one policy loader (:func:`auditor.rules.policies.load_policies`, packs by
:mod:`auditor.rules.packs`). The rule sets are compared pack by pack (a document: the plan, a national standard,
matched by the pack's id), policy by policy (a clause), check by check (by id), and measure and computed field
by id. Each change is plain data — what changed, the old and the new value — with ``judgement`` true when it can
change a verdict: exactly when a check's definition hash changes (the audit history's notion,
:func:`auditor.store.identity.definition`: the record kind, filter, requirement, k-of-n items, deadlines and
schedule parameters, ``if_none``, the method and the measures and computed fields it reads), or a check comes or
goes. Titles, messages, remedies, readings, severities, notes, examples, the policies' own texts and the pack's
description of its document are wording.

The words are :mod:`auditor.output.changes`; with submissions, :func:`verdict_changes` audits them under both
rule sets (the reference evaluator) and lists each district's verdicts that differ, before and after.
"""
from __future__ import annotations

import datetime as _dt
import os

from auditor.audit import Auditor
from auditor.errors import Problem, UsageError
from auditor.model import LEVELS, PolicySet, clause_order, district_order, plan
from auditor.rules import expr
from auditor.rules.policies import load_policies
from auditor.store.identity import definition
from auditor.texts import msg

FORMAT = "auditor-diff/1"
CHECK_WORDING = ("title", "message", "remedy", "reading", "notes", "undated")
POLICY_WORDING = ("title", "text", "responsible", "notes", "references")
MEASURE_FIELDS = ("level", "agg", "of", "where", "that", "value", "per", "weight")
COMPUTED_FIELDS = ("of", "value", "unit")
PACK_WORDING = ("ref", "title", "short", "issuer", "level", "issued", "period", "clauses", "notes", "assessment")


# ----------------------------------------------------------------------------- reading OLD and NEW
def load(folder: str) -> PolicySet:
    """A rule set as ``--policies`` reads it (one pack or a folder of packs)."""
    if not os.path.isdir(folder):
        raise UsageError(Problem(folder, 0, 0, "U-ARGS", msg("diff.neither")))
    return load_policies(folder)


def by_pack(policy_set: PolicySet) -> dict:
    """Pack id -> (its Pack, its policies), in the set's order (city, province, national)."""
    out = {p.id: (p, []) for p in policy_set.packs}
    for policy in policy_set.policies:
        out[policy.document][1].append(policy)
    return out


# ----------------------------------------------------------------------------- comparing
def _text(node) -> str | None:
    return expr.to_text(node) if node is not None else None


def _change(what: str, pack: str, policy, check=None, measure: str | None = None, old=None, new=None,
            judgement: bool = False, **more) -> dict:
    out = {"pack": pack, "clause": policy.clause if policy is not None else None,
           "policy": policy.id if policy is not None else None, "check": check.id if check is not None else None,
           "measure": measure, "what": what, "old": old, "new": new, "judgement": judgement}
    out.update(more)
    return out


def _steps(check) -> list[dict]:
    return [{"due": s.due.isoformat(), "params": dict(s.params)} for s in check.steps]


def _check_summary(check) -> dict:
    return {"title": check.title, "over": check.over, "where": check.where_text and _text(check.where),
            "require": _text(check.require), "steps": _steps(check), "scheduled": check.scheduled,
            "severity": check.severity, "method": check.method}


def _schedule_changes(pack, policy, old, new) -> list[dict]:
    """Deadlines and schedule steps: a moved date, a step added or removed, a parameter changed."""
    a, b = _steps(old), _steps(new)
    texts = {"require_old": _text(old.require), "require_new": _text(new.require)}
    if not old.scheduled and not new.scheduled:
        if a[0]["due"] != b[0]["due"]:
            return [_change("due", pack, policy, new, old=a[0]["due"], new=b[0]["due"], judgement=True)]
        return []
    out = []
    if len(a) == len(b):  # the same steps, perhaps moved or retuned
        for index, (x, y) in enumerate(zip(a, b), start=1):
            if x["due"] != y["due"]:
                out.append(_change("step_due", pack, policy, new, old=x["due"], new=y["due"], judgement=True, step=index))
            if x["params"] != y["params"]:
                out.append(_change("step_params", pack, policy, new, old=x, new=y, judgement=True, step=index, **texts))
        return out
    old_dates, new_dates = {x["due"]: x for x in a}, {y["due"]: y for y in b}
    for due in sorted(set(old_dates) - set(new_dates)):
        out.append(_change("step_removed", pack, policy, new, old=old_dates[due], judgement=True, **texts))
    for due in sorted(set(new_dates) - set(old_dates)):
        out.append(_change("step_added", pack, policy, new, new=new_dates[due], judgement=True, **texts))
    for due in sorted(set(old_dates) & set(new_dates)):
        if old_dates[due]["params"] != new_dates[due]["params"]:
            out.append(_change("step_params", pack, policy, new, old=old_dates[due], new=new_dates[due], judgement=True,
                               step=[y["due"] for y in b].index(due) + 1, **texts))
    return out


def _k_of_n_changes(pack, policy, old, new) -> list[dict]:
    """A k-of-n requirement's items: a threshold changed, an item added or removed (k and floor are in its
    ``require``, compared as the requirement)."""
    a = dict(old.k_of_n.items) if old.k_of_n else {}
    b = dict(new.k_of_n.items) if new.k_of_n else {}
    out = []
    for name in [f for f in a if f not in b]:
        out.append(_change("item_removed", pack, policy, new, old=a[name], judgement=True, field=name))
    for name in b:
        if name not in a:
            out.append(_change("item_added", pack, policy, new, new=b[name], judgement=True, field=name))
        elif a[name] != b[name]:
            out.append(_change("item", pack, policy, new, old=a[name], new=b[name], judgement=True, field=name))
    return out


def _check_changes(pack, policy, old, new, old_set: "_Side", new_set: "_Side") -> list[dict]:
    out = []
    for key, what in (("over", "over"), ("method", "method"), ("if_none", "if_none")):
        if getattr(old, key) != getattr(new, key):
            out.append(_change(what, pack, policy, new, old=getattr(old, key), new=getattr(new, key), judgement=True))
    if _text(old.where) != _text(new.where):
        out.append(_change("filter", pack, policy, new, old=_text(old.where), new=_text(new.where), judgement=True, over=new.over))
    if _text(old.require) != _text(new.require):
        out.append(_change("requirement", pack, policy, new, old=_text(old.require), new=_text(new.require), judgement=True,
                           over=new.over))
    out += _k_of_n_changes(pack, policy, old, new)
    out += _schedule_changes(pack, policy, old, new)
    judged = any(c["judgement"] for c in out)
    if not judged and old_set.definition(old) != new_set.definition(new):
        read = old_set.read(old) | new_set.read(new)
        moved = sorted(m for m in read if old_set.row(m) != new_set.row(m))
        out.append(_change("measures_read", pack, policy, new, old=None, new=moved, judgement=True))
    if old.severity != new.severity:
        out.append(_change("severity", pack, policy, new, old=old.severity, new=new.severity))
    for key in CHECK_WORDING:
        a, b = getattr(old, key), getattr(new, key)
        if isinstance(a, dict) or isinstance(b, dict):
            for lang in ("zh", "en"):
                if (a or {}).get(lang) != (b or {}).get(lang):
                    out.append(_change(key, pack, policy, new, old=(a or {}).get(lang), new=(b or {}).get(lang), lang=lang))
        elif a != b:
            out.append(_change(key, pack, policy, new, old=a, new=b))
    return out


def _measure_row(m) -> dict:
    return {"level": m.level, "agg": m.agg, "of": m.of, "where": _text(m.where), "that": _text(m.that),
            "value": m.value, "per": m.per, "weight": m.weight, "title": m.title}


def _computed_row(c) -> dict:
    return {"of": c.of, "value": c.value_text, "unit": c.unit, "title": c.title, "short": c.short}


class _Side:
    """One rule set's measures and computed fields by id, and what each check reads of them."""

    def __init__(self, policy_set: PolicySet | None):
        policies = policy_set.policies if policy_set is not None else ()
        self.measures = {m.id: m for p in policies for m in p.measures}
        self.computed = {c.id: c for p in policies for c in p.computed}
        self.checks = [c for p in policies for c in p.checks]

    def definition(self, check) -> str:
        return definition(check, self.measures, self.computed)

    def read(self, check) -> set[str]:
        """The measures and computed fields a check reads, and those they read in turn (as :func:`definition`)."""
        params = {p for step in check.steps for p in step.params}
        todo = list(expr.fields(check.require) | (expr.fields(check.where) if check.where is not None else set()))
        todo += list(check.k_of_n.fields) if check.k_of_n else []
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen or name in params:
                continue
            if name in self.computed:
                seen.add(name)
                todo += list(expr.fields(self.computed[name].value))
            elif name in self.measures:
                seen.add(name)
                m = self.measures[name]
                todo += [n for node in (m.where, m.that) if node is not None for n in expr.fields(node)]
                todo += [n for n in (m.value, m.per, m.weight) if n]
        return seen

    def row(self, name: str) -> dict | None:
        """What of a measure or computed field decides verdicts (its title does not)."""
        if name in self.measures:
            return {k: v for k, v in _measure_row(self.measures[name]).items() if k != "title"}
        if name in self.computed:
            return {k: v for k, v in _computed_row(self.computed[name]).items() if k not in ("title", "short", "unit")}
        return None

    def read_by_any(self) -> set[str]:
        out: set[str] = set()
        for check in self.checks:
            out |= self.read(check)
        return out


def _figure_changes(pack, old_policy, new_policy, read: set) -> list[dict]:
    """A policy's measures and computed fields: added, removed, changed (judgement when a check reads them)."""
    out = []
    for kind, rows, fields in (("measure", _measure_row, MEASURE_FIELDS), ("computed", _computed_row, COMPUTED_FIELDS)):
        a = {m.id: m for m in getattr(old_policy, "measures" if kind == "measure" else "computed")}
        b = {m.id: m for m in getattr(new_policy, "measures" if kind == "measure" else "computed")}
        for mid in sorted(set(a) - set(b)):
            out.append(_change(f"{kind}_removed", pack, new_policy, measure=mid, old=rows(a[mid]), judgement=mid in read))
        for mid in sorted(set(b) - set(a)):
            out.append(_change(f"{kind}_added", pack, new_policy, measure=mid, new=rows(b[mid]), judgement=mid in read))
        for mid in sorted(set(a) & set(b)):
            x, y = rows(a[mid]), rows(b[mid])
            for key in fields:
                if x[key] != y[key]:
                    out.append(_change(kind, pack, new_policy, measure=mid, old=x[key], new=y[key],
                                       judgement=mid in read and key != "unit", field=key))
            if x["title"] != y["title"]:
                out.append(_change(f"{kind}_title", pack, new_policy, measure=mid, old=x["title"], new=y["title"]))
    return out


def _policy_changes(pack: str, old, new, sides: tuple, read: set) -> list[dict]:
    out = []
    if old.clause != new.clause:
        out.append(_change("clause", pack, new, old=old.clause, new=new.clause))
    for key in POLICY_WORDING:
        a, b = getattr(old, key), getattr(new, key)
        if key == "responsible":
            a, b = old.units, new.units
        if a != b:
            out.append(_change(f"policy_{key}", pack, new, old=a, new=b))
    out += _figure_changes(pack, old, new, read)
    checks_a, checks_b = {c.id: c for c in old.checks}, {c.id: c for c in new.checks}
    for cid in [c.id for c in old.checks if c.id not in checks_b]:
        out.append(_change("check_removed", pack, old, checks_a[cid], old=_check_summary(checks_a[cid]), judgement=True))
    for check in new.checks:
        if check.id not in checks_a:
            out.append(_change("check_added", pack, new, check, new=_check_summary(check), judgement=True))
        else:
            out += _check_changes(pack, new, checks_a[check.id], check, *sides)
    if [e.name for e in old.examples] != [e.name for e in new.examples] or \
            [(e.as_of, e.submissions, e.districts, e.expect) for e in old.examples] != \
            [(e.as_of, e.submissions, e.districts, e.expect) for e in new.examples]:
        out.append(_change("examples", pack, new, old=len(old.examples), new=len(new.examples)))
    return out


def _pack_row(pack) -> dict:
    info = pack.info()
    return {"ref": pack.ref, "title": pack.title, "short": pack.short, "issuer": pack.issuer, "level": pack.level,
            "issued": info["issued"], "period": info["period"], "clauses": list(pack.clauses), "notes": pack.notes,
            "assessment": pack.assessment}


def _pack_changes(pack_id: str, old, new) -> list[dict]:
    """The pack's description of its document: wording (a clause list or period changed is caught, where it
    matters, by auditor check: P-CLAUSE, L-PERIOD)."""
    if old is None or new is None:
        return []
    a, b = _pack_row(old), _pack_row(new)
    return [_change("pack", pack_id, None, old=a[key], new=b[key], field=key) for key in PACK_WORDING if a[key] != b[key]]


def _pack_order(old: dict, new: dict) -> list[str]:
    packs = {**{k: v[0] for k, v in old.items()}, **{k: v[0] for k, v in new.items()}}
    return sorted(packs, key=lambda k: (LEVELS.index(packs[k].level), k))


def compare(old: PolicySet, new: PolicySet) -> list[dict]:
    """Every change from ``old`` to ``new`` (packs by id, policies by id, checks by id), in pack and clause order."""
    out = []
    sides = (_Side(old), _Side(new))
    read = sides[0].read_by_any() | sides[1].read_by_any()  # a change to a figure some check reads can change a verdict
    old_packs, new_packs = by_pack(old), by_pack(new)
    for pack in _pack_order(old_packs, new_packs):
        a, b = old_packs.get(pack), new_packs.get(pack)
        if a is None:
            out.append(_change("pack_added", pack, None, new={**_pack_row(b[0]), "policies": len(b[1]),
                                                                "checks": sum(len(p.checks) for p in b[1])}, judgement=True))
        elif b is None:
            out.append(_change("pack_removed", pack, None, old={**_pack_row(a[0]), "policies": len(a[1]),
                                                                  "checks": sum(len(p.checks) for p in a[1])}, judgement=True))
        out += _pack_changes(pack, a and a[0], b and b[0])
        olds = {p.id: p for p in a[1]} if a else {}
        news = {p.id: p for p in b[1]} if b else {}
        for pid in sorted(set(olds) | set(news), key=lambda i: (clause_order((news.get(i) or olds[i]).clause), i)):
            if pid not in news:
                policy = olds[pid]
                out.append(_change("policy_removed", pack, policy, old={"title": policy.title, "checks": len(policy.checks)},
                                   judgement=True))
                out += [_change("check_removed", pack, policy, c, old=_check_summary(c), judgement=True) for c in policy.checks]
            elif pid not in olds:
                policy = news[pid]
                out.append(_change("policy_added", pack, policy, new={"title": policy.title, "checks": len(policy.checks)},
                                   judgement=True))
                out += [_change("check_added", pack, policy, c, new=_check_summary(c), judgement=True) for c in policy.checks]
            else:
                out += _policy_changes(pack, olds[pid], news[pid], sides, read)
    return out


def summary(old: PolicySet, new: PolicySet, found: list[dict]) -> list[dict]:
    """Per pack (in order): its document, checks before and after, checks added and removed, changes, and
    whether any can change a verdict."""
    old_packs, new_packs = by_pack(old), by_pack(new)
    out = []
    for pack in _pack_order(old_packs, new_packs):
        here = [c for c in found if c["pack"] == pack]
        a, b = old_packs.get(pack), new_packs.get(pack)
        out.append({"pack": pack, "ref": (b or a)[0].ref,
                    "checks_old": sum(len(p.checks) for p in a[1]) if a else 0,
                    "checks_new": sum(len(p.checks) for p in b[1]) if b else 0,
                    "checks_added": sum(1 for c in here if c["what"] == "check_added"),
                    "checks_removed": sum(1 for c in here if c["what"] == "check_removed"),
                    "changes": len(here), "judgement": any(c["judgement"] for c in here)})
    return out


# ----------------------------------------------------------------------------- verdicts on submissions
def _statuses(policy_set: PolicySet, units: list, as_of: _dt.date, jobs: int) -> tuple[dict, dict]:
    """(district, check) -> status under a rule set (every pack audited together), and check id -> (document's
    文号, clause, title)."""
    auditor = Auditor(policy_set, "reference")
    findings = auditor.audit_files(units, as_of, None, jobs)
    statuses = {(v["district"], v["check"]): v["status"] for v in findings["verdicts"]}
    return statuses, {c.id: (auditor.document(c), c.clause, c.title) for c in policy_set.checks}


def verdict_changes(old: PolicySet, new: PolicySet, units: list, as_of: _dt.date,
                    jobs: int = 1) -> dict:
    """Each district's verdicts that differ between the two rule sets on the same submissions, before and after
    (``None``: the check does not exist on that side)."""
    before, old_meta = _statuses(old, units, as_of, jobs)
    after, new_meta = _statuses(new, units, as_of, jobs)
    meta = {**old_meta, **new_meta}
    rows = []
    for key in set(before) | set(after):
        if before.get(key) != after.get(key):
            district, check = key
            document, clause, title = meta[check]
            rows.append({"district": district, "check": check, "document": document, "clause": clause, "title": title,
                         "before": before.get(key), "after": after.get(key)})
    packs = [p.ref for p in new.packs] + [p.ref for p in old.packs]
    rows.sort(key=lambda r: (district_order(r["district"]), r["district"], packs.index(r["document"]) if r["document"] in packs else len(packs),
                             clause_order(r["clause"]), r["check"]))
    districts = sorted(({d for d, _ in before} | {d for d, _ in after}) - {plan()["city"]}, key=lambda d: (district_order(d), d))
    changed = []
    for r in rows:
        if r["district"] not in changed:
            changed.append(r["district"])
    return {"as_of": as_of.isoformat(), "districts": districts, "changed": changed, "verdicts": rows}
