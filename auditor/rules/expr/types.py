"""Static types of an expression, for loading policies and `auditor check`: number, string, boolean or date."""
from __future__ import annotations

from auditor.rules.expr.nodes import And, Arith, Compare, Const, Date, ExprError, Field, Member, Node, Not, Or
from auditor.rules.expr.syntax import to_text
from auditor.texts import Msg, msg

NUMBER, STRING, BOOL, DATE = "number", "string", "boolean", "date"


def kind(t: str) -> Msg:
    """A type's name in a message ("number", 数字)."""
    return msg(f"expr.type-{t}")


def infer_type(node: Node, field_types: dict[str, str]) -> str:
    """The type of an expression, or ExprError(code P-TYPE/P-FIELD)."""
    if isinstance(node, Const):
        v = node.value
        return BOOL if isinstance(v, bool) else STRING if isinstance(v, str) else NUMBER
    if isinstance(node, Date):
        return DATE
    if isinstance(node, Field):
        if node.path not in field_types:
            raise ExprError(msg("expr.unknown-field", name=node.path), node.offset, "P-FIELD", field=node.path)
        return field_types[node.path]
    if isinstance(node, Arith):
        lt, rt = infer_type(node.left, field_types), infer_type(node.right, field_types)
        if lt != NUMBER or rt != NUMBER:
            raise ExprError(msg("expr.arithmetic-types", op=node.op, left=kind(lt), right=kind(rt)), node.offset, "P-TYPE")
        return NUMBER
    if isinstance(node, Compare):
        lt, rt = infer_type(node.left, field_types), infer_type(node.right, field_types)
        if lt != rt:
            raise ExprError(msg("expr.compare-types", left=kind(lt), right=kind(rt), text=to_text(node)), node.offset, "P-TYPE")
        if node.op not in ("==", "!=") and lt not in (NUMBER, DATE):
            raise ExprError(msg("expr.order-types", op=node.op, kind=kind(lt)), node.offset, "P-TYPE")
        return BOOL
    if isinstance(node, Member):
        it = infer_type(node.item, field_types)
        for choice in node.choices:
            ct = infer_type(choice, field_types)
            if ct != it:
                raise ExprError(msg("expr.list-item-type", item=to_text(choice), kind=kind(ct), tested=kind(it)), choice.offset, "P-TYPE")
        return BOOL
    if isinstance(node, (And, Or)):
        for item in node.items:
            t = infer_type(item, field_types)
            if t != BOOL:
                raise ExprError(msg("expr.and-or-types", text=to_text(item), kind=kind(t)), item.offset, "P-TYPE")
        return BOOL
    if isinstance(node, Not):
        t = infer_type(node.item, field_types)
        if t != BOOL:
            raise ExprError(msg("expr.not-types", text=to_text(node.item), kind=kind(t)), node.offset, "P-TYPE")
        return BOOL
    raise TypeError(node)  # pragma: no cover


