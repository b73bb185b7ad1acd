"""The JSON Schemas in ``auditor/schemas/`` and readable, located errors from them."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import jsonschema
from jsonschema import Draft202012Validator

from .errors import Collector, did_you_mean
from .loader import Document, path_text

NUMBER, STRING, BOOL, DATE = "number", "string", "boolean", "date"


@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    text = resources.files("auditor").joinpath(f"schemas/{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=None)
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name))


def _describe(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing (null)"
    return type(value).__name__


_TYPE_WORDS = {"integer": "a whole number", "number": "a number", "string": "text", "boolean": "true or false",
               "array": "a list", "object": "a mapping", "null": "null"}


def _message(error: jsonschema.ValidationError) -> tuple[str, tuple]:
    """A message that says what is allowed, and the path it belongs to."""
    path = tuple(error.absolute_path)
    v = error.validator
    if v == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extras = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        extra = extras[0] if extras else "?"
        return (f'unknown key "{extra}"{did_you_mean(extra, allowed)}; allowed keys are {", ".join(allowed)}', path + (extra,))
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f'required key "{missing}" is missing', path
    if v == "type":
        expected = error.validator_value
        if isinstance(expected, list):
            words = " or ".join(_TYPE_WORDS.get(t, t) for t in expected)
        else:
            words = _TYPE_WORDS.get(expected, expected)
        return f"expected {words}, found {_describe(error.instance)} {json.dumps(error.instance, ensure_ascii=False, default=str)[:60]}", path
    if v == "enum":
        allowed = [str(x) for x in error.validator_value]
        return (f'"{error.instance}" is not allowed{did_you_mean(error.instance, allowed)}; allowed values are {", ".join(allowed)}', path)
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than", "exclusiveMaximum": "less than"}[v]
        return f"{error.instance} is out of range: must be {words} {error.validator_value}", path
    if v == "pattern":
        if "[0-9]{4}-[0-9]{2}-[0-9]{2}" in error.validator_value:
            return f'"{error.instance}" is not a date in YYYY-MM-DD form', path
        return f'"{error.instance}" does not have the required form ({error.validator_value})', path
    if v == "oneOf" and isinstance(error.instance, dict) and "due" in str(error.schema):
        has = [k for k in ("due", "schedule") if k in error.instance]
        if len(has) == 2:
            return "a check has either due or schedule, not both", path
        return "a check needs a deadline: due (a date) or schedule (dated thresholds)", path
    if v in ("minItems", "minLength", "minProperties"):
        return "must not be empty", path
    if v == "maxLength":
        return f"is longer than {error.validator_value} characters", path
    return error.message, path


def validate(document: Document, name: str, collector: Collector, code: str) -> bool:
    """Validate against schema ``name``; add one located problem per error. True when valid."""
    ok = True
    for error in sorted(validator(name).iter_errors(document.data), key=lambda e: [str(p) for p in e.absolute_path]):
        # a oneOf failure whose branches fail on deeper errors: report those instead
        if error.validator in ("oneOf", "anyOf") and error.context and not (isinstance(error.instance, dict) and "due" in str(error.schema)):
            error = jsonschema.exceptions.best_match(error.context) or error
        message, path = _message(error)
        line, column = document.where(path)
        collector.add(code, message, line, column, path_text(path))
        ok = False
    return ok


# ----------------------------------------------------------------------------- field types
def _resolve(node: dict, root: dict) -> dict:
    while "$ref" in node:
        ref = node["$ref"].split("/")[-1]
        merged = dict(root["$defs"][ref])
        merged.update({k: v for k, v in node.items() if k != "$ref"})
        node = merged
    return node


def _type_of(node: dict, root: dict) -> str | None:
    node = _resolve(node, root)
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


def scalar_fields(defname: str) -> dict[str, dict]:
    """Scalar properties of a ``$defs`` entry: name -> resolved schema."""
    root = schema("submission")
    node = root["$defs"][defname]
    out = {}
    for name, prop in node.get("properties", {}).items():
        resolved = _resolve(prop, root)
        if _type_of(resolved, root):
            out[name] = resolved
    return out


@lru_cache(maxsize=None)
def base_field_types() -> dict[str, dict[str, str]]:
    """The fields each record kind can carry, with their types (before measures)."""
    root = schema("submission")

    def types(defname):
        return {n: _type_of(p, root) for n, p in scalar_fields(defname).items()}

    school = types("school")
    klass = types("class")
    klass["stage"] = STRING  # derived from grade: primary (1-6) or junior (7-9)
    for name, t in school.items():
        klass[f"school.{name}"] = t
    document = types("document")
    district = types("figures")
    for table in (school, klass, document, district):
        table["district"] = STRING
    return {"class": klass, "school": school, "document": document, "district": district, "city": {"city": STRING}}
