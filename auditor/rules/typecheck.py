"""Type-check loaded policies: every field a rule reads exists for its record kind, types agree, and
durable_rules can take every check (one side of each comparison a single field, numbers it can read).

Run by :func:`auditor.rules.policies.load_policies` once every file is built, so that measures of one
policy can be read by checks of another.
"""
from __future__ import annotations

import math

from auditor.errors import Problem, excerpt, hint
from auditor.intake import contracts
from auditor.intake.document import Document, path_text
from auditor.model import Policy
from auditor.rules import expr, outcomes
from auditor.rules.expr.types import kind as type_name
from auditor.rules.fields import field_types_for
from auditor.texts import Msg, msg


def _no_field(kind: str, name: str, table) -> Msg:
    return msg("expr.no-field", kind=kind, name=name, hint=hint(name, table))


def check_types(policies: list[Policy], documents: dict[str, Document], problems: list[Problem]) -> None:
    """Fields exist for the record kind, types agree, and the engine can compile every check."""
    types = field_types_for([m for p in policies for m in p.measures], [c for p in policies for c in p.computed],
                            [c for p in policies for c in p.checks])
    submitted = field_types_for([])

    def report(policy, path, code, message):
        doc = documents[policy.source.file]
        line, column = doc.where(path)
        problems.append(Problem(policy.source.file, line, column, code, message, path_text(path)))

    def typecheck(policy, path, node, kind, params, want_bool=True):
        table = dict(types[kind])
        for name, value in params.items():
            table[name] = contracts.NUMBER if isinstance(value, (int, float)) and not isinstance(value, bool) else contracts.BOOL if isinstance(value, bool) else contracts.STRING
        try:
            t = expr.infer_type(node, table)
        except expr.ExprError as exc:
            message = _no_field(kind, exc.field, table) if exc.code == "P-FIELD" else exc.text
            report(policy, path, exc.code, message)
            return False
        if want_bool and t != contracts.BOOL:
            report(policy, path, "P-TYPE", msg("expr.need-condition", kind=type_name(t)))
            return False
        return True

    for policy in policies:
        for i, c in enumerate(policy.computed):
            if c.id in submitted[c.of]:
                report(policy, ("computed", i, "id"), "P-DUPLICATE-ID", msg("computed.is-field", id=c.id, kind=c.of))
                continue
            try:  # a computed field reads the record's submitted fields only (no order among computed fields)
                t = expr.infer_type(c.value, submitted[c.of])
            except expr.ExprError as exc:
                message = _no_field(c.of, exc.field, submitted[c.of]) if exc.code == "P-FIELD" else exc.text
                report(policy, ("computed", i, "value"), exc.code, message)
                continue
            if t != contracts.NUMBER:
                report(policy, ("computed", i, "value"), "P-TYPE", msg("computed.not-number", kind=type_name(t)))
        for i, m in enumerate(policy.measures):
            kind = m.of
            for key, node in (("where", m.where), ("that", m.that)):
                if node is not None:
                    typecheck(policy, ("measures", i, key), node, kind, {})
            for key in ("value", "per", "weight"):
                name = getattr(m, key)
                if name is not None:
                    if name not in types[kind]:
                        report(policy, ("measures", i, key), "P-FIELD", _no_field(kind, name, types[kind]))
                    elif types[kind][name] != contracts.NUMBER and m.agg != "distinct":  # distinct counts any values
                        report(policy, ("measures", i, key), "P-TYPE", msg("expr.not-a-number", name=name, kind=type_name(types[kind][name])))
        for i, c in enumerate(policy.checks):
            params = c.steps[0].params
            ok = True
            if c.where is not None:
                ok &= typecheck(policy, ("checks", i, "where"), c.where, c.over, {})
            if c.k_of_n is not None:
                for j, (name, _) in enumerate(c.k_of_n.items):
                    path = ("checks", i, "require_k_of_n", "items", j, "field")
                    if name not in types[c.over] or name in (c.k_of_n.met, c.k_of_n.lowest):
                        report(policy, path, "P-FIELD", _no_field(c.over, name, types[c.over]))
                        ok = False
                    elif types[c.over][name] != contracts.NUMBER:
                        report(policy, path, "P-TYPE", msg("expr.not-a-number", name=name, kind=type_name(types[c.over][name])))
                        ok = False
                if not ok:
                    continue
            ok &= typecheck(policy, ("checks", i, "require"), c.require, c.over, params)
            if not ok:
                continue
            for step in c.steps:
                for key, node in (("where", c.where), ("require", expr.substitute(c.require, step.params))):
                    if node is None:
                        continue
                    try:
                        outcomes.divisors(node)  # a divisor the engine could not be kept from dividing by zero
                        number = unreadable_number(expr.to_engine(node))
                    except expr.ExprError as exc:
                        report(policy, ("checks", i, key), exc.code, exc.text)
                        continue
                    if number is not None:
                        where = msg("engine.number-step", due=step.due) if c.scheduled else ""
                        report(policy, ("checks", i, key), "P-ENGINE",
                               msg("engine.number", number=excerpt(repr(number), 40), where=where))


def unreadable_number(condition):
    """A number in a compiled condition that durable_rules would refuse (error 202/204), or None."""
    stack = [condition]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            if isinstance(item, int) and abs(item) >= 2**53:  # before float(): a 309-digit int overflows it
                return item
            if not math.isfinite(item) or abs(item) >= 2**53 or "e" in repr(float(item)) and item != 0:
                return item
    return None
