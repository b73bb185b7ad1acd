"""The JSON Schemas in ``auditor/schemas/`` and readable, located errors from them."""
from __future__ import annotations

import itertools
import json
from functools import lru_cache
from importlib import resources
from itertools import chain, repeat

import jsonschema
import jsonschema_rs
from jsonschema import Draft202012Validator

from auditor.errors import Collector, excerpt, hint
from auditor.intake.document import Document, path_text
from auditor.intake.values import MAX_DEPTH, MAX_SAFE_INT
from auditor.texts import Both, Msg, msg

NUMBER, STRING, BOOL, DATE = "number", "string", "boolean", "date"
MAX_SCHEMA_ERRORS = 200  # schema errors looked for in one file; a file wrong everywhere stops there


@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    text = resources.files("auditor").joinpath(f"schemas/{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=None)
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name))


def _describe(value) -> Msg:
    """What kind of value ``value`` is, worded per language (the type.* messages)."""
    if isinstance(value, bool):
        return msg("found.bool")
    if isinstance(value, int):
        return msg("type.integer")
    if isinstance(value, float):
        return msg("type.number")
    if isinstance(value, str):
        return msg("type.string")
    if isinstance(value, list):
        return msg("type.array")
    if isinstance(value, dict):
        return msg("type.object")
    if value is None:
        return msg("found.null")
    return msg("found.other", kind=type(value).__name__)


_JSON_TYPES_WORDED = ("integer", "number", "string", "boolean", "array", "object", "null")


def _type_words(expected, schema_node: dict):
    """The expected JSON type(s) of a schema node, worded per language (a date is 日期 in Chinese)."""
    names = expected if isinstance(expected, list) else [expected]
    words = [msg(f"type.{t}") if t in _JSON_TYPES_WORDED else t for t in names]
    if names == ["string"] and schema_node.get("format") == "date":
        words = [Both(msg("type.string"), msg("type.date"))]
    out = words[0]
    for word in words[1:]:
        out = msg("type.or", a=out, b=word)
    return out


_BOUNDS = {"minimum": "bound.at-least", "maximum": "bound.at-most", "exclusiveMinimum": "bound.more-than",
           "exclusiveMaximum": "bound.less-than"}


def _message(error: jsonschema.ValidationError) -> tuple[Msg, tuple]:
    """A message that says what is allowed, and the path it belongs to. jsonschema's own English is used
    only where no message id says it (schema.other), and then in English alone."""
    path = tuple(error.absolute_path)
    v = error.validator
    if v == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extras = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        extra = extras[0] if extras else "?"
        return msg("schema.unknown-key", key=excerpt(extra), hint=hint(extra, allowed), allowed=allowed), path + (extra,)
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return msg("schema.required", key=excerpt(missing)), path
    if v == "type":
        words = _type_words(error.validator_value, error.schema)
        if not path:  # the whole file is one value: perhaps not a submission at all (a key file, /etc/passwd)
            size = msg("schema.chars", n=len(error.instance)) if isinstance(error.instance, str) else ""
            return msg("schema.type-root", expected=words, found=_describe(error.instance), size=size,
                       start=_shown(error.instance, 12)), path
        return msg("schema.type", expected=words, found=_describe(error.instance), value=_shown(error.instance)), path
    if v == "enum":
        allowed = [str(x) for x in error.validator_value]
        return msg("schema.enum", value=excerpt(error.instance), hint=hint(error.instance, allowed), allowed=allowed), path
    if v in _BOUNDS:
        return msg("schema.range", value=excerpt(error.instance), bound=msg(_BOUNDS[v]), limit=error.validator_value), path
    if v == "pattern":
        if "[0-9]{4}-[0-9]{2}-[0-9]{2}" in error.validator_value:
            return msg("schema.date-form", value=excerpt(error.instance)), path
        if error.validator_value == scalar_fields("school")["id"]["pattern"]:
            return msg("schema.id-form", value=excerpt(error.instance)), path
        if error.validator_value == "^[a-z0-9][a-z0-9-]*$":
            return msg("schema.pack-id-form", value=excerpt(error.instance)), path
        if error.validator_value == "^[^/\\\\.][^/\\\\]{0,40}$":
            return msg("schema.file-name-form", value=excerpt(error.instance)), path
        return msg("schema.pattern", value=excerpt(error.instance), pattern=error.validator_value), path
    if v == "oneOf" and isinstance(error.instance, dict) and "due" in str(error.schema):
        has = [k for k in ("due", "schedule") if k in error.instance]
        return msg("schema.due-both" if len(has) == 2 else "schema.due-none"), path
    if v == "uniqueItems" and isinstance(error.instance, list):
        seen, twice = set(), None
        for i, item in enumerate(error.instance):
            key = json.dumps(item, ensure_ascii=False, sort_keys=True, default=str)
            if key in seen:
                twice = (i, item)
                break
            seen.add(key)
        if twice:
            return msg("schema.listed-twice", value=excerpt(twice[1])), path + (twice[0],)
    if v in ("minItems", "minLength", "minProperties"):
        return msg("schema.empty"), path
    if v == "maxLength":
        return msg("schema.too-long", limit=error.validator_value), path
    return msg("schema.other", text=Both(excerpt(error.message, 200), msg("schema.generic", keyword=v))), path


def _shown(value, limit: int = 60) -> str:
    """A value as JSON, cut short before it is written out (a list of a million items is not dumped)."""
    if isinstance(value, (dict, list)):
        return "{…}" if isinstance(value, dict) else "[…]"
    if isinstance(value, str) and len(value) > limit:
        return json.dumps(value[:limit], ensure_ascii=False)[:-1] + "…"
    return excerpt(json.dumps(value, ensure_ascii=False, default=str), limit)


@lru_cache(maxsize=None)
def quick_validator(name: str) -> jsonschema_rs.Draft202012Validator:
    """Schema ``name`` compiled by jsonschema-rs (Rust): it says valid or not, nothing more."""
    return jsonschema_rs.Draft202012Validator(schema(name))


def certainly_valid(name: str, data) -> bool:
    """True when ``data`` matches schema ``name``, by jsonschema-rs, with no Python call per value (about four
    times faster than the column-wise checks this replaced, and the standard's own semantics rather than a
    rewrite of them). A value JSON has no word for (a date, a key that is not text, a lone surrogate) makes
    it raise: then the answer is "not certainly", and the Python validator says what is wrong. The schemas'
    patterns are written so that Python's re and jsonschema-rs (ECMA-262 regular expressions) read them
    alike (no \\s: its sets differ; tests/intake/test_contracts_fast.py holds them to that)."""
    try:
        return quick_validator(name).is_valid(data)
    except Exception:  # noqa: BLE001 - any refusal only sends the document to the authoritative validator
        return False


# ----------------------------------------------------------------------------- the shape of a valid document
class _Unbounded(Exception):
    """The schema lets a valid document hold something of any shape or size there."""


_SCALAR_TYPES = {"string", "boolean", "null"}
_LOWER, _UPPER = ("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")
# what a node that refers to a definition may add and still be planned from the two merged: bounds and words
_BESIDE_A_REF = frozenset(_LOWER + _UPPER + ("title", "description", "examples", "$comment"))


def _plan(node: dict, root: dict, seen: tuple, depth: int):
    """The containers a value valid against ``node`` can hold, as a plan for :func:`_pairs`: None for a scalar,
    ("object", ((key, plan), ...)) with the keys whose values are containers, ("array", plan of the items).
    Raises _Unbounded where a valid value could be of any shape or size (an untyped value, an object open to
    other keys, several types, a number not bounded within 2**53, a recursive definition, nesting beyond
    MAX_DEPTH)."""
    if depth > MAX_DEPTH:
        raise _Unbounded
    own = {k: v for k, v in node.items() if k != "$ref"}
    if "$ref" in node:
        name = node["$ref"].split("/")[-1]
        if name in seen or not _BESIDE_A_REF.issuperset(k for k in own if not k.startswith("x-")):
            raise _Unbounded  # recursion, or keywords that would shape the value beside its definition's
        # the referring node's bounds over the definition's: where both bound a number, both bounds apply, so the
        # one kept bounds it too
        return _plan({**root["$defs"][name], **own}, root, seen + (name,), depth)
    if set(node) & {"oneOf", "anyOf", "allOf", "not", "if", "patternProperties", "prefixItems", "const"}:
        raise _Unbounded
    if "enum" in node and "type" not in node:
        if all(isinstance(v, str) or v is None or isinstance(v, bool) for v in node["enum"]):
            return None
        raise _Unbounded
    kind = node.get("type")
    if not isinstance(kind, str):  # several types, or none named
        raise _Unbounded
    if kind in _SCALAR_TYPES:
        return None
    if kind in ("integer", "number"):
        low = next((node[k] for k in _LOWER if k in node), None)
        high = next((node[k] for k in _UPPER if k in node), None)
        if low is None or high is None or low <= -MAX_SAFE_INT or high >= MAX_SAFE_INT:
            raise _Unbounded
        return None
    if kind == "object":
        if node.get("additionalProperties", True) is not False:
            raise _Unbounded
        inner = ((key, _plan(sub, root, seen, depth + 1)) for key, sub in node.get("properties", {}).items())
        return ("object", tuple((key, plan) for key, plan in inner if plan is not None))
    if kind == "array":
        if "items" not in node:
            raise _Unbounded
        return ("array", _plan(node["items"], root, seen, depth + 1))
    raise _Unbounded


@lru_cache(maxsize=None)
def shape_plan(name: str):
    """How a document valid against schema ``name`` holds its containers (see :func:`_plan`); None when the schema
    does not bound a valid document's shape (then nothing is assumed about it)."""
    root = schema(name)
    try:
        return _plan({k: v for k, v in root.items() if k != "$defs"}, root, (), 0)
    except _Unbounded:
        return None


def _pairs(plan, values: list) -> int:
    """The key-value pairs in ``values`` (all valid against the plan's node) and in everything they hold."""
    if plan[0] == "array":
        return _pairs(plan[1], list(chain.from_iterable(values))) if plan[1] is not None else 0
    total = sum(map(len, values))
    for key, inner in plan[1]:
        held = list(filter(None, map(dict.get, values, repeat(key))))  # absent (and empty, which holds no pair): left out
        if held:
            total += _pairs(inner, held)
    return total


def valid_pairs(name: str, data) -> int | None:
    """The number of key-value pairs in ``data`` when it is valid against schema ``name`` and that schema bounds
    a valid document's shape: then its nesting is within MAX_DEPTH and its numbers within 2**53 by the schema's
    own bounds, and the pairs are counted by the schema's map of where containers are (no look at any scalar).
    None otherwise: the reader then looks at every value as before."""
    plan = shape_plan(name)
    if plan is None or not certainly_valid(name, data):
        return None
    return _pairs(plan, [data])


def validate(document: Document, name: str, collector: Collector, code: str) -> bool:
    """Validate against schema ``name``; add one located problem per error. True when valid. jsonschema-rs
    answers first (:func:`certainly_valid`); only a document it does not accept is walked by jsonschema, whose
    errors are located and worded."""
    if document.valid_for == name or certainly_valid(name, document.data):
        return True
    ok = True
    found = list(itertools.islice(validator(name).iter_errors(document.data), MAX_SCHEMA_ERRORS + 1))
    if len(found) > MAX_SCHEMA_ERRORS:  # a file wrong everywhere: no need to find every error
        found = found[:MAX_SCHEMA_ERRORS]
        collector.add(code, msg("schema.too-many", limit=MAX_SCHEMA_ERRORS))
    for error in sorted(found, key=lambda e: [str(p) for p in e.absolute_path]):
        # a oneOf failure whose branches fail on deeper errors: report those instead
        if error.validator in ("oneOf", "anyOf") and error.context and not (isinstance(error.instance, dict) and "due" in str(error.schema)):
            error = jsonschema.exceptions.best_match(error.context) or error
        message, path = _message(error)
        line, column = document.where(path)
        collector.add(code, message, line, column, path_text(path))
        ok = False
    return ok


# ----------------------------------------------------------------------------- field types
def resolve(node: dict, root: dict) -> dict:
    """A schema node with its ``$ref`` chain followed (the node's own keys win)."""
    while "$ref" in node:
        ref = node["$ref"].split("/")[-1]
        merged = dict(root["$defs"][ref])
        merged.update({k: v for k, v in node.items() if k != "$ref"})
        node = merged
    return node


def type_of(node: dict, root: dict) -> str | None:
    """DATE, NUMBER, BOOL or STRING for a scalar schema node; None for anything else."""
    node = resolve(node, root)
    if node.get("format") == "date":
        return DATE
    t = node.get("type")
    if t in ("integer", "number"):
        return NUMBER
    if t == "boolean":
        return BOOL
    if t == "string":
        return STRING
    if "enum" in node and all(isinstance(x, str) for x in node["enum"]):
        return STRING
    return None


def completeness_specs() -> list[dict]:
    """The submission schema's ``x-completeness`` declarations (which parent expects which child records,
    from which declared counts; see auditor/evaluate/completeness.py), in schema order."""
    root = schema("submission")
    nodes = [root] + [n for n in root["$defs"].values() if isinstance(n, dict)]
    return [prop["x-completeness"] for node in nodes for prop in node.get("properties", {}).values()
            if isinstance(prop, dict) and "x-completeness" in prop]


_resolve = resolve  # the old private name, still used by tests/strategies.py (owned elsewhere); drop when it is updated


def scalar_fields(defname: str) -> dict[str, dict]:
    """Scalar properties of a ``$defs`` entry: name -> resolved schema."""
    root = schema("submission")
    node = root["$defs"][defname]
    out = {}
    for name, prop in node.get("properties", {}).items():
        resolved = resolve(prop, root)
        if type_of(resolved, root):
            out[name] = resolved
    return out


@lru_cache(maxsize=None)
def base_field_types() -> dict[str, dict[str, str]]:
    """The fields each record kind can carry, with their types (before measures)."""
    root = schema("submission")

    def types(defname):
        return {n: type_of(p, root) for n, p in scalar_fields(defname).items()}

    school = types("school")
    klass = types("class")
    klass["stage"] = STRING  # derived from grade: primary (1-6) or junior (7-9)
    for name, t in school.items():
        klass[f"school.{name}"] = t
    # derived: one record per stage a school serves (auditor/evaluate/records.py), its resources split by stage
    stage = dict(school)
    school["class_count"] = NUMBER  # derived: classes_declared, or the classes listed if more (absent: neither)
    stage.update({"stage": STRING, "share": NUMBER, "combined": BOOL})
    document = types("document")
    district = types("figures")
    for table in (school, klass, stage, document, district):
        table["district"] = STRING
    return {"class": klass, "school": school, "school_stage": stage, "document": document, "district": district,
            "city": {"city": STRING}}


def stage_split_fields() -> tuple[str, ...]:
    """The school fields a combined school's stages share in proportion (``x-stage-split`` in the schema):
    teachers, floor areas, equipment, rooms."""
    return tuple(name for name, prop in scalar_fields("school").items() if prop.get("x-stage-split"))
