"""A finding's stable identity across audits, and a check's definition.

A finding is ``(district, check, item)``; the item names the offending or
missing record in terms that stay the same from one year's submission to the
next:

| the evidence is about           | item                                   |
|---------------------------------|----------------------------------------|
| a class                         | ``class:<school code>/<class id>``     |
| a school                        | ``school:<school code>``               |
| a school in one of its stages   | ``school_stage:<school code>/<stage>`` (``school_stage:DD001/primary``) |
| a filed document                | ``document:<kind>`` (two of one kind in one check: ``document:<kind>/<ref, else title, else date>``) |
| a document the check requires and that is absent | ``document:<kind>`` (the kind the check's filter names) |
| the district's figures / the city's | ``district`` / ``city``            |
| a kind of record not submitted at all | ``class:*``, ``school:*``, ``document:*`` |
| a school's list found short of what it declares (class sizes adding up to fewer than its pupils) | ``class:<school code>/*`` |
| a district that sent nothing    | ``submission``                         |

A document is never identified by its place in the list (the evidence's
``record: document:3``): the list changes every year. So the layout plan that
was missing in 2019 and filed late in 2020 is one finding, and the same
oversized class next year is the same finding.

A check's *definition* is the sha256 of what decides its verdicts — the
record kind, the filter, the requirement (as parsed, so spacing does not
count), the deadlines and schedule parameters, ``if_none``, the method, and
the definitions of the measures it reads. Titles, messages, remedies,
severities and notes are not part of it: editing them is not a rule change.
"""
from __future__ import annotations

import hashlib
import json

from auditor.rules import expr

WHOLE = ("class:*", "school:*", "document:*")


def _doc_key(entry: dict) -> str:
    for key in ("ref", "title", "filed_on"):
        if entry.get(key):
            return str(entry[key])
    return ""


def pinned_kind(applies_to: str | None) -> str | None:
    """The document kind a check's filter requires (``kind == "layout_plan"``, alone or in an ``and``), or None."""
    if not applies_to:
        return None
    try:
        node = expr.parse(applies_to)
    except expr.ExprError:
        return None
    parts = node.items if isinstance(node, expr.And) else (node,)
    for part in parts:
        if isinstance(part, expr.Compare) and part.op == "==":
            for one, other in ((part.left, part.right), (part.right, part.left)):
                if isinstance(one, expr.Field) and one.path == "kind" and isinstance(other, expr.Const) \
                        and isinstance(other.value, str):
                    return other.value
    return None


def base_item(verdict: dict, entry: dict) -> str:
    record = str(entry.get("record", ""))
    if record == "document:*":
        kind = pinned_kind(verdict.get("applies_to"))
        return f"document:{kind}" if kind else record
    if record.startswith("document:") and entry.get("document"):
        return f"document:{entry['document']}"
    return record


def verdict_items(verdict: dict) -> list[tuple[str, dict]]:
    """(item, evidence entry) for each evidence entry of a verdict; items are unique within the verdict."""
    bases = [base_item(verdict, e) for e in verdict.get("evidence", [])]
    counts: dict[str, int] = {}
    for b in bases:
        counts[b] = counts.get(b, 0) + 1
    out, used = [], set()
    for base, entry in zip(bases, verdict.get("evidence", [])):
        item = base
        if counts[base] > 1 and base.startswith("document:") and base != "document:*":
            item = f"{base}/{_doc_key(entry)}"
        candidate, n = item, 2
        while candidate in used:  # the same document twice, word for word
            candidate, n = f"{item}#{n}", n + 1
        used.add(candidate)
        out.append((candidate, entry))
    return out


def inventory(facts) -> list[str]:
    """The items a district's submission holds (what a finding needs to be told fixed, not just absent)."""
    items: set[str] = set()
    for kind in ("class", "school", "school_stage"):
        records = facts.of(kind)
        items.update(r.key for r in records)
        # a school whose classes are on file: its list's shortfall, if any, is judged again (``class:DD001/*``)
        items.update(r.key.rsplit("/", 1)[0] + "/*" for r in records if "/" in r.key)
        if records:
            items.add(f"{kind}:*")
    documents = facts.of("document")
    for r in documents:
        kind = r.ident.get("document")
        items.add(f"document:{kind}")
        items.add(f"document:{kind}/{_doc_key(r.ident)}")
    if documents:
        items.add("document:*")
    for kind in ("district", "city"):
        if facts.of(kind):
            items.add(kind)
    return sorted(items)


def placeholder(item: str) -> bool:
    """An item that stands for records not on file: a kind of record not submitted at all (``class:*``), a
    school's list short of what it declares (``class:DD001/*``), a district that sent nothing (``submission``)."""
    return item == "submission" or item.endswith("/*") or item.endswith(":*")


def covers(stand_in: str, item: str) -> bool:
    """Whether the placeholder ``stand_in`` stood for ``item``: ``class:*`` for every class (a school's short list
    included), ``class:DD001/*`` for the classes of DD001, ``submission`` for everything."""
    if stand_in == item or not placeholder(stand_in):
        return False
    return stand_in == "submission" or item.startswith(stand_in[:-1])


def present(item: str, items: set[str]) -> bool:
    return item.split("#", 1)[0] in items


def _measure_definition(m) -> dict:
    out = {"id": m.id, "level": m.level, "agg": m.agg, "of": m.of, "value": m.value, "per": m.per,
           "where": expr.to_text(m.where) if m.where is not None else None,
           "that": expr.to_text(m.that) if m.that is not None else None}
    if m.weight:
        out["weight"] = m.weight
    return out


def definition(check, measures: dict, computed: dict | None = None) -> str:
    """sha256 of what decides a check's verdicts (see the module docstring). ``computed``: the computed fields by
    id (their expressions, and a k-of-n check's items and thresholds, are part of the definition)."""
    computed = computed or {}
    params = {p for step in check.steps for p in step.params}
    read: list[dict] = []
    figures: list[dict] = []
    seen: set[str] = set()
    todo = sorted((expr.fields(check.where) if check.where is not None else set()) | expr.fields(check.require))
    if check.k_of_n is not None:
        todo += sorted(check.k_of_n.fields)
    while todo:
        name = todo.pop(0)
        if name in seen or name in params:
            continue
        if name in computed and name not in seen:
            seen.add(name)
            c = computed[name]
            figures.append({"id": c.id, "of": c.of, "value": expr.to_text(c.value)})
            todo.extend(sorted(expr.fields(c.value)))
            continue
        if name not in measures:
            continue
        seen.add(name)
        m = measures[name]
        read.append(_measure_definition(m))
        more = set()
        for node in (m.where, m.that):
            if node is not None:
                more |= expr.fields(node)
        more |= {n for n in (m.value, m.per, m.weight) if n}
        todo.extend(sorted(more))
    body = {
        "over": check.over,
        "where": expr.to_text(check.where) if check.where is not None else None,
        "require": expr.to_text(check.require),
        "steps": [{"due": s.due.isoformat(), "params": s.params} for s in check.steps],
        "if_none": check.if_none,
        "method": check.method,
        "measures": sorted(read, key=lambda d: d["id"]),
        **({"computed": sorted(figures, key=lambda d: d["id"])} if figures else {}),
        **({"k_of_n": {"k": check.k_of_n.k, "floor": check.k_of_n.floor, "items": [list(i) for i in check.k_of_n.items]}}
           if check.k_of_n is not None else {}),
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def label(item: str, entry: dict | None, kinds_zh: dict | None = None) -> dict:
    """How a person names the item: {"zh": ..., "en": ...}, from the latest evidence about it."""
    entry = entry or {}
    kinds_zh = kinds_zh or {}
    if item.startswith("class:") and item.endswith("/*") and item != "class:*":
        school = entry.get("school_name") or entry.get("school", "") or item[len("class:"):-2]
        return {"zh": f"{school} 班级台账（不全）", "en": f"{school} class ledger (incomplete)"}
    if item.startswith("class:") and item != "class:*":
        school, klass = entry.get("school_name") or entry.get("school", ""), entry.get("class", item.split("/", 1)[-1])
        grade = entry.get("grade")
        if grade is not None:
            return {"zh": f"{school} {grade}年级{klass}班", "en": f"{school} grade {grade} class {klass}"}
        return {"zh": f"{school} {klass}班", "en": f"{school} class {klass}"}
    if item.startswith("school:") and item != "school:*":
        name = entry.get("school_name") or item.split(":", 1)[1]
        return {"zh": name, "en": name}
    if item.startswith("school_stage:") and item != "school_stage:*":
        code, _, stage = item.split(":", 1)[1].partition("/")
        name = entry.get("school_name") or code
        zh = {"primary": "小学", "junior": "初中"}.get(stage, stage)
        return {"zh": f"{name}（{zh}段）", "en": f"{name} ({stage})"}
    if item.startswith("document:") and item != "document:*":
        kind = item.split(":", 1)[1].split("/", 1)[0].split("#", 1)[0]
        extra = entry.get("ref") or ""
        zh = kinds_zh.get(kind, kind)
        return {"zh": f"{zh}（{extra}）" if extra else zh, "en": f"{kind} ({extra})" if extra else kind}
    names = {"district": ("区级指标", "district figures"), "city": ("全市指标", "city figures"),
             "submission": ("报送材料", "submission"), "class:*": ("班级台账", "class ledger"),
             "school:*": ("学校台账", "school ledger"), "school_stage:*": ("学校台账（分学段）", "school ledger by stage"),
             "document:*": ("报备文件", "filed documents")}
    zh, en = names.get(item, (item, item))
    return {"zh": zh, "en": en}
