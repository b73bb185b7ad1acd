"""Static types of an expression, for loading policies and `auditor check`: number, string, boolean or date."""
from __future__ import annotations

from auditor.rules.expr.nodes import And, Arith, Compare, Const, Date, ExprError, Field, Member, Node, Not, Or
from auditor.rules.expr.syntax import to_text

NUMBER, STRING, BOOL, DATE = "number", "string", "boolean", "date"


def infer_type(node: Node, field_types: dict[str, str]) -> str:
    """The type of an expression, or ExprError(code P-TYPE/P-FIELD)."""
    if isinstance(node, Const):
        v = node.value
        return BOOL if isinstance(v, bool) else STRING if isinstance(v, str) else NUMBER
    if isinstance(node, Date):
        return DATE
    if isinstance(node, Field):
        if node.path not in field_types:
            raise ExprError(f'unknown field "{node.path}"', node.offset, "P-FIELD", field=node.path)
        return field_types[node.path]
    if isinstance(node, Arith):
        lt, rt = infer_type(node.left, field_types), infer_type(node.right, field_types)
        if lt != NUMBER or rt != NUMBER:
            raise ExprError(f'"{node.op}" needs numbers on both sides, not {lt} and {rt}', node.offset, "P-TYPE")
        return NUMBER
    if isinstance(node, Compare):
        lt, rt = infer_type(node.left, field_types), infer_type(node.right, field_types)
        if lt != rt:
            raise ExprError(f'cannot compare {lt} with {rt} ("{to_text(node)}")', node.offset, "P-TYPE")
        if node.op not in ("==", "!=") and lt not in (NUMBER, DATE):
            raise ExprError(f'"{node.op}" orders numbers and dates only, not {lt}', node.offset, "P-TYPE")
        return BOOL
    if isinstance(node, Member):
        it = infer_type(node.item, field_types)
        for choice in node.choices:
            ct = infer_type(choice, field_types)
            if ct != it:
                raise ExprError(f'list item {to_text(choice)} is {ct} but the value tested is {it}', choice.offset, "P-TYPE")
        return BOOL
    if isinstance(node, (And, Or)):
        for item in node.items:
            t = infer_type(item, field_types)
            if t != BOOL:
                raise ExprError(f'"and"/"or" join conditions, but "{to_text(item)}" is {t}', item.offset, "P-TYPE")
        return BOOL
    if isinstance(node, Not):
        t = infer_type(node.item, field_types)
        if t != BOOL:
            raise ExprError(f'"not" needs a condition, but "{to_text(node.item)}" is {t}', node.offset, "P-TYPE")
        return BOOL
    raise TypeError(node)  # pragma: no cover


