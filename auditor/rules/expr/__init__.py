"""The safe expression language of ``where:``, ``require:`` and ``that:``.

One module per responsibility, each importing only the ones above it:

* :mod:`.nodes` — the node classes, :class:`ExprError`, and walks over the
  tree (``fields``, ``substitute``, ``as_condition``);
* :mod:`.syntax` — the grammar: text to tree (:func:`parse`, never ``eval``)
  and tree to canonical text (:func:`to_text`);
* :mod:`.evaluation` — three-valued evaluation: a missing field makes the
  result ``MISSING`` (unknown), never true or false; :func:`evaluate` walks the
  tree, :func:`compile_expr` builds closures with the same semantics;
* :mod:`.types` — static types (:func:`infer_type`) for loading and ``auditor check``;
* :mod:`.lowering` — durable_rules condition dicts (:func:`to_engine`), built
  only from the operators we verified work;
* :mod:`.analysis` — static reading of a condition: satisfiability over field
  domains (:func:`satisfiable`, for ``auditor check``) and the direction in
  which each field helps it hold (:func:`directions`).

Everything is importable from here: ``from auditor.rules.expr import parse``.
"""
from auditor.rules.expr.nodes import (And, Arith, Compare, Const, Date, ExprError, Field, Member, Node, Not, Or,
                                      as_condition, children, fields, rebuild, substitute)
from auditor.rules.expr.syntax import KEYWORDS, MAX_NESTING, parse, to_text, tokenize
from auditor.rules.expr.evaluation import MISSING, compile_expr, evaluate, getter, lookup
from auditor.rules.expr.types import BOOL, DATE, NUMBER, STRING, infer_type
from auditor.rules.expr.lowering import NEGATE, fold, isolate, to_engine
from auditor.rules.expr.analysis import Domain, directions, dnf, satisfiable, value_directions

__all__ = [
    "And", "Arith", "Compare", "Const", "Date", "ExprError", "Field", "Member", "Node", "Not", "Or",
    "as_condition", "children", "fields", "rebuild", "substitute",
    "KEYWORDS", "MAX_NESTING", "parse", "to_text", "tokenize",
    "MISSING", "compile_expr", "evaluate", "getter", "lookup",
    "BOOL", "DATE", "NUMBER", "STRING", "infer_type",
    "NEGATE", "fold", "isolate", "to_engine",
    "Domain", "directions", "dnf", "satisfiable", "value_directions",
]
