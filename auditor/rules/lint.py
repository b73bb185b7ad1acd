"""Static checks of a loaded policy set: what `auditor check` can see without running an audit.

Loading (``policies.py``) already refuses what makes a policy unusable
(duplicate ids, unknown clauses, unknown fields with a "did you mean", wrong
types). This module looks at the *logic* of the rules that did load:

| code          | finding |
|---------------|---------|
| L-NEVER       | a ``where:`` filter that no record can satisfy |
| L-IMPOSSIBLE  | a ``require:`` that no applicable record can satisfy |
| L-TAUTOLOGY   | a ``require:`` that every applicable record satisfies (not with ``if_none: missing``) |
| L-CONFLICT    | two checks on the same records and period whose requirements cannot both hold |
| L-LOOSER      | a dated schedule whose later step lets through a record an earlier step refused |
| L-PERIOD      | a deadline outside the period of its document (its pack.yaml) |

The reasoning is interval arithmetic over the expression tree
(:mod:`auditor.rules.expr.analysis`: disjunctive normal form, satisfiability
field by field); this module gives it each field's domain, taken from the
submission schema (types, enums, minimum/maximum, integers) and the measures,
and turns its answers into findings. A finding is only reported when the
answer is certain — so a finding is always real, while some problems across
two fields go unseen.
"""
from __future__ import annotations

import datetime as _dt
import math

from auditor.errors import PolicyError, Problem
from auditor.intake import contracts
from auditor.intake.document import Document, path_text
from auditor.intake.loader import load_document
from auditor.model import Check, PolicySet
from auditor.rules import expr
from auditor.rules.conflicts import conflicts
from auditor.rules.expr.analysis import Domain, directions, dnf, satisfiable
from auditor.rules.fields import field_types_for
from auditor.texts import Msg, msg

# ``directions`` and ``dnf`` belong to the expression analysis; tests/strategies.py and tests/test_properties.py
# still import them from here.
__all__ = ["directions", "dnf", "field_domains", "lint"]


# --------------------------------------------------------------------------- domains
def _schema_domain(node: dict, type_: str) -> Domain:
    if type_ == contracts.BOOL:
        return Domain(type_, choices=frozenset({True, False}))
    if "enum" in node:
        return Domain(type_, choices=frozenset(node["enum"]))
    if type_ == contracts.NUMBER:
        return Domain(type_, node.get("minimum", -math.inf), node.get("maximum", math.inf), node.get("type") == "integer")
    if type_ == contracts.DATE:
        return Domain(type_, integer=True)
    return Domain(type_)


_MEASURE_DOMAINS = {"share": Domain(contracts.NUMBER, 0, 1), "count": Domain(contracts.NUMBER, 0, math.inf, True),
                    "distinct": Domain(contracts.NUMBER, 0, math.inf, True)}


def field_domains(policy_set: PolicySet) -> dict[str, dict[str, Domain]]:
    """Per record kind, the domain of every field a check may read (schema + measures)."""
    types = field_types_for(policy_set.measures, policy_set.computed, policy_set.checks)
    defs = {"class": "class", "school": "school", "document": "document", "district": "figures"}
    out: dict[str, dict[str, Domain]] = {}
    for kind, table in types.items():
        props = contracts.scalar_fields(defs[kind]) if kind in defs else {}
        school = contracts.scalar_fields("school")
        domains = {}
        for path, type_ in table.items():
            if path in props:
                domains[path] = _schema_domain(props[path], type_)
            elif kind == "class" and path.startswith("school.") and path[7:] in school:
                domains[path] = _schema_domain(school[path[7:]], type_)
            else:
                domains[path] = Domain(type_ or contracts.STRING)
        if kind == "class":  # derived from the grade
            domains["stage"] = Domain(contracts.STRING, choices=frozenset({"primary", "junior"}))
        for m in policy_set.measures:
            if (m.level == "city") == (kind == "city") and m.id in domains:
                domains[m.id] = _MEASURE_DOMAINS.get(m.agg, Domain(contracts.NUMBER))
        out[kind] = domains
    return out


# --------------------------------------------------------------------------- the checks
def _requires(check: Check) -> list[expr.Node]:
    return [expr.substitute(check.require, step.params) for step in check.steps]


def _conjoin(*nodes: expr.Node | None) -> expr.Node | None:
    items = tuple(n for n in nodes if n is not None)
    if not items:
        return None
    return items[0] if len(items) == 1 else expr.And(items)


class _Linter:
    def __init__(self, policy_set: PolicySet):
        self.policy_set = policy_set
        self.domains = field_domains(policy_set)
        self.documents: dict[str, Document] = {}
        self.problems: list[Problem] = []
        self.index: dict[str, tuple] = {}  # check id -> (file, index in its policy)
        for policy in policy_set.policies:
            for i, check in enumerate(policy.checks):
                self.index[check.id] = (policy.source.file, i)

    def document(self, file: str) -> Document:
        if file not in self.documents:
            try:
                self.documents[file] = load_document(file, PolicyError)
            except PolicyError:  # pragma: no cover - it loaded a moment ago
                self.documents[file] = Document(file, None)
        return self.documents[file]

    def report(self, check: Check, path: tuple, code: str, message: Msg) -> None:
        file, index = self.index[check.id]
        full = ("checks", index) + path
        line, column = self.document(file).where(full)
        self.problems.append(Problem(file, line, column, code, message, path_text(full)))

    def where(self, check: Check) -> Msg | str:
        return msg("lint.where", filter=check.where_text) if check.where_text else ""

    def run(self) -> list[Problem]:
        for check in self.policy_set.checks:
            self.period(check)
            self.logic(check)
        self.conflicts()  # pairs through an index (auditor/rules/conflicts.py), not every pair
        return sorted(set(self.problems), key=lambda p: (p.file, p.line, p.column, p.code, p.message))

    def period(self, check: Check) -> None:
        """A deadline within the period of the check's document (its pack.yaml); a standing standard has no end."""
        packs = {p.id: p for p in self.policy_set.packs}
        pack = packs.get(check.document)
        if pack is None:
            return
        start, end = pack.start, pack.end
        for j, step in enumerate(check.steps):
            if step.due < start or (end is not None and step.due > end):
                path = ("schedule", j, "due") if check.scheduled else ("due",)
                self.report(check, path, "L-PERIOD",
                            msg("lint.period", due=step.due, start=start, end=end or "", ref=pack.ref))

    def logic(self, check: Check) -> None:
        domains = self.domains[check.over]
        if check.where is not None and satisfiable([check.where], domains) is False:
            self.report(check, ("where",), "L-NEVER",
                        msg("lint.never", filter=check.where_text, kind=check.over))
            return
        requires = _requires(check)
        for j, require in enumerate(requires):
            step = msg("lint.step", due=check.steps[j].due) if check.scheduled else ""
            text = expr.to_text(require)
            if satisfiable([check.where, require], domains) is False:
                self.report(check, ("require",), "L-IMPOSSIBLE",
                            msg("lint.impossible", text=text, step=step, kind=check.over, where=self.where(check)))
            elif check.if_none != "missing" and satisfiable([check.where, require], domains, negate_last=True) is False:
                # (with if_none: missing a requirement that always holds is the way to say "this must exist")
                self.report(check, ("require",), "L-TAUTOLOGY",
                            msg("lint.tautology", text=text, step=step, kind=check.over, where=self.where(check)))
        for j in range(1, len(requires)):
            earlier, later = requires[j - 1], requires[j]
            if satisfiable([check.where, later, expr.Not(earlier)], domains) is True:
                self.report(check, ("schedule", j, "params"), "L-LOOSER",
                            msg("lint.looser", due=check.steps[j].due, later=expr.to_text(later), earlier=expr.to_text(earlier),
                                since=check.steps[j - 1].due))

    def conflicts(self) -> None:
        for a, b, (since, ra, rb) in conflicts(list(self.policy_set.checks), self.domains):
            both = _conjoin(a.where, b.where)
            scope = msg("lint.where", filter=expr.to_text(both)) if both is not None else ""
            self.report(b, ("require",), "L-CONFLICT",
                        msg("lint.conflict", text=expr.to_text(rb), other=expr.to_text(ra), check=a.id, source=a.source,
                            kind=a.over, where=scope, since=since))


def lint(policy_set: PolicySet) -> list[Problem]:
    """Every static finding for a loaded policy set, sorted by file and line."""
    return _Linter(policy_set).run()
