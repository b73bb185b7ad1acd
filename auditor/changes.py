"""`auditor diff OLD NEW`: what changed between two rule sets, and whose verdicts it changes.

OLD and NEW are policy folders (a folder of policy files, a pack, or a folder of packs) or git revisions of one
(``HEAD~1:policies``: read with ``git show`` into a temporary folder, the work tree untouched). The rule sets are
compared pack by pack (a document: the plan, a national standard), policy by policy (a clause), check by check
(by id) and measure by measure. Each change is plain data — what changed, the old and the new value — with
``judgement`` true when it can change a verdict: exactly when a check's definition hash changes (the audit
history's notion, :func:`auditor.store.identity.definition`: the record kind, filter, requirement, deadlines and
schedule parameters, ``if_none``, the method and the measures it reads), or a check comes or goes. Titles,
messages, remedies, readings, severities, notes, examples and the policies' own texts are wording.

The words are :mod:`auditor.output.changes`; with submissions, :func:`verdict_changes` audits them under both
rule sets (the reference evaluator) and lists each district's verdicts that differ, before and after.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import subprocess
import tempfile
from contextlib import contextmanager

from auditor.audit import Auditor
from auditor.errors import AuditorError, PolicyError, Problem, UsageError
from auditor.model import PolicySet, clause_order, district_order, plan
from auditor.rules import expr
from auditor.rules.policies import load_policies
from auditor.store.identity import definition
from auditor.texts import msg

FORMAT = "auditor-diff/1"
PACK_FILE = "pack.yaml"
CHECK_WORDING = ("title", "message", "remedy", "reading", "notes", "undated")
POLICY_WORDING = ("title", "text", "responsible", "notes", "references")
MEASURE_FIELDS = ("level", "agg", "of", "where", "that", "value", "per")


# ----------------------------------------------------------------------------- reading OLD and NEW
def _is_policy_folder(folder: str) -> bool:
    return any(n.endswith((".yaml", ".yml")) and not n.startswith(".") for n in os.listdir(folder))


def packs(folder: str) -> dict[str, str]:
    """Pack name -> its folder: the folder itself when it holds policy files (or a pack file), else each subfolder
    that does (a folder of packs), by name."""
    if not os.path.isdir(folder):
        raise UsageError(Problem(folder, 0, 0, "U-ARGS", msg("diff.neither")))
    if _is_policy_folder(folder):
        return {"": folder}
    found = {name: os.path.join(folder, name) for name in sorted(os.listdir(folder))
             if not name.startswith(".") and os.path.isdir(os.path.join(folder, name))
             and _is_policy_folder(os.path.join(folder, name))}
    if not found:
        raise PolicyError(Problem(folder, 0, 0, "P-NONE", msg("diff.no-policies")))
    return found


def _git(args: list[str], what: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(Problem(what, 0, 0, "U-ARGS", msg("diff.git-missing", reason=str(exc)))) from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(Problem(what, 0, 0, "U-ARGS", msg("diff.git-failed", reason=message[-1] if message else "failed")))
    return done.stdout


def _checkout(spec: str, into: str) -> str:
    """The tree ``REV:path`` written under ``into`` from git's objects (the work tree and index untouched)."""
    rev, _, path = spec.partition(":")
    tree = f"{rev}:{path.strip('/')}" if path.strip("/") else f"{rev}:"
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", tree], spec).split(b"\0")
    root = os.path.join(into, "policies")
    os.makedirs(root)
    for entry in filter(None, listing):
        meta, name = entry.split(b"\t", 1)
        mode, kind, _ = meta.split(b" ")
        name_text = name.decode("utf-8", "replace")
        parts = name_text.split("/")
        if kind != b"blob" or mode == b"120000" or any(p in ("", ".", "..") for p in parts):
            continue  # links and anything that could point out of the folder are not written
        target = os.path.join(root, *parts)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(_git(["cat-file", "blob", meta.split(b" ")[2].decode()], spec))
    return root


@contextmanager
def opened(spec: str):
    """(shown name, folder) for a folder or a git revision of one; a revision lives as long as the context."""
    if os.path.exists(spec) or ":" not in spec:
        yield spec, spec
        return
    with tempfile.TemporaryDirectory(prefix="auditor-diff-") as scratch:
        folder = _checkout(spec, scratch)
        try:
            yield spec, folder
        except AuditorError as exc:  # problems in the revision's files are named by the revision, not the scratch copy
            exc.problems = [dataclasses.replace(p, file=spec.rstrip("/") + p.file[len(folder):]) if p.file.startswith(folder)
                            else p for p in exc.problems]
            raise


def load(folder: str) -> dict[str, PolicySet]:
    return {name: load_policies(path) for name, path in packs(folder).items()}


# ----------------------------------------------------------------------------- comparing
def _text(node) -> str | None:
    return expr.to_text(node) if node is not None else None


def _change(what: str, pack: str, policy, check=None, measure: str | None = None, old=None, new=None,
            judgement: bool = False, **more) -> dict:
    out = {"pack": pack, "clause": policy.clause, "policy": policy.id, "check": check.id if check is not None else None,
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


def _check_changes(pack, policy, old, new, old_measures, new_measures) -> list[dict]:
    out = []
    for key, what in (("over", "over"), ("method", "method"), ("if_none", "if_none")):
        if getattr(old, key) != getattr(new, key):
            out.append(_change(what, pack, policy, new, old=getattr(old, key), new=getattr(new, key), judgement=True))
    if _text(old.where) != _text(new.where):
        out.append(_change("filter", pack, policy, new, old=_text(old.where), new=_text(new.where), judgement=True, over=new.over))
    if _text(old.require) != _text(new.require):
        out.append(_change("requirement", pack, policy, new, old=_text(old.require), new=_text(new.require), judgement=True,
                           over=new.over))
    out += _schedule_changes(pack, policy, old, new)
    judged = any(c["judgement"] for c in out)
    if not judged and definition(old, old_measures) != definition(new, new_measures):
        read = _measures_read(old, old_measures) | _measures_read(new, new_measures)
        moved = sorted(m for m in read if _definition_row(old_measures.get(m)) != _definition_row(new_measures.get(m)))
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


def _measures_read(check, measures: dict) -> set[str]:
    """The measures a check reads, and those they read in turn (as :func:`definition` walks them)."""
    params = {p for step in check.steps for p in step.params}
    todo = list(expr.fields(check.require) | (expr.fields(check.where) if check.where is not None else set()))
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name in params or name not in measures:
            continue
        seen.add(name)
        m = measures[name]
        todo += [n for node in (m.where, m.that) if node is not None for n in expr.fields(node)]
        todo += [n for n in (m.value, m.per) if n]
    return seen


def _definition_row(m) -> dict | None:
    return None if m is None else {k: v for k, v in _measure_row(m).items() if k != "title"}


def _measure_row(m) -> dict:
    return {"level": m.level, "agg": m.agg, "of": m.of, "where": _text(m.where), "that": _text(m.that),
            "value": m.value, "per": m.per, "title": m.title}


def _policy_changes(pack: str, old, new, old_measures: dict, new_measures: dict, read: set) -> list[dict]:
    out = []
    if old.clause != new.clause:
        out.append(_change("clause", pack, new, old=old.clause, new=new.clause))
    for key in POLICY_WORDING:
        a, b = getattr(old, key), getattr(new, key)
        if key == "responsible":
            a, b = old.units, new.units
        if a != b:
            out.append(_change(f"policy_{key}", pack, new, old=a, new=b))
    a, b = {m.id: m for m in old.measures}, {m.id: m for m in new.measures}
    for mid in sorted(set(a) - set(b)):
        out.append(_change("measure_removed", pack, new, measure=mid, old=_measure_row(a[mid]), judgement=mid in read))
    for mid in sorted(set(b) - set(a)):
        out.append(_change("measure_added", pack, new, measure=mid, new=_measure_row(b[mid]), judgement=mid in read))
    for mid in sorted(set(a) & set(b)):
        x, y = _measure_row(a[mid]), _measure_row(b[mid])
        for key in MEASURE_FIELDS:
            if x[key] != y[key]:
                out.append(_change("measure", pack, new, measure=mid, old=x[key], new=y[key], judgement=mid in read, field=key))
        if x["title"] != y["title"]:
            out.append(_change("measure_title", pack, new, measure=mid, old=x["title"], new=y["title"]))
    checks_a, checks_b = {c.id: c for c in old.checks}, {c.id: c for c in new.checks}
    for cid in [c.id for c in old.checks if c.id not in checks_b]:
        out.append(_change("check_removed", pack, old, checks_a[cid], old=_check_summary(checks_a[cid]), judgement=True))
    for check in new.checks:
        if check.id not in checks_a:
            out.append(_change("check_added", pack, new, check, new=_check_summary(check), judgement=True))
        else:
            out += _check_changes(pack, new, checks_a[check.id], check, old_measures, new_measures)
    if [e.name for e in old.examples] != [e.name for e in new.examples] or \
            [(e.as_of, e.submissions, e.districts, e.expect) for e in old.examples] != \
            [(e.as_of, e.submissions, e.districts, e.expect) for e in new.examples]:
        out.append(_change("examples", pack, new, old=len(old.examples), new=len(new.examples)))
    return out


def compare(old: dict[str, PolicySet], new: dict[str, PolicySet]) -> list[dict]:
    """Every change from ``old`` to ``new`` (packs by name, policies by id, checks by id), in plan order."""
    out = []
    for pack in sorted(set(old) | set(new)):
        a, b = old.get(pack), new.get(pack)
        olds = {p.id: p for p in a.policies} if a else {}
        news = {p.id: p for p in b.policies} if b else {}
        old_measures = {m.id: m for m in a.measures} if a else {}
        new_measures = {m.id: m for m in b.measures} if b else {}
        read = set()  # the measures some check reads: a change to one of them can change a verdict
        for s, measures in ((a, old_measures), (b, new_measures)):
            for check in (s.checks if s else ()):
                read |= _measures_read(check, measures)
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
                out += _policy_changes(pack, olds[pid], news[pid], old_measures, new_measures, read)
    return out


# ----------------------------------------------------------------------------- verdicts on submissions
def _statuses(sets: dict[str, PolicySet], units: list, as_of: _dt.date, jobs: int) -> tuple[dict, dict]:
    """(district, check) -> status under a rule set (each pack audited), and check id -> (clause, title)."""
    statuses, meta = {}, {}
    for policy_set in sets.values():
        findings = Auditor(policy_set, "reference").audit_files(units, as_of, None, jobs)
        for v in findings["verdicts"]:
            statuses[(v["district"], v["check"])] = v["status"]
        meta.update({c.id: (c.clause, c.title) for c in policy_set.checks})
    return statuses, meta


def verdict_changes(old: dict[str, PolicySet], new: dict[str, PolicySet], units: list, as_of: _dt.date,
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
            clause, title = meta[check]
            rows.append({"district": district, "check": check, "clause": clause, "title": title,
                         "before": before.get(key), "after": after.get(key)})
    rows.sort(key=lambda r: (district_order(r["district"]), r["district"], clause_order(r["clause"]), r["check"]))
    districts = sorted(({d for d, _ in before} | {d for d, _ in after}) - {plan()["city"]}, key=lambda d: (district_order(d), d))
    changed = []
    for r in rows:
        if r["district"] not in changed:
            changed.append(r["district"])
    return {"as_of": as_of.isoformat(), "districts": districts, "changed": changed, "verdicts": rows}
