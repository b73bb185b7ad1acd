"""The JSON Schemas in ``auditor/schemas/`` and readable, located errors from them."""
from __future__ import annotations

import itertools
import json
import re
from functools import lru_cache
from importlib import resources

import jsonschema
from jsonschema import Draft202012Validator

from auditor.errors import Collector, did_you_mean, excerpt
from auditor.intake.document import Document, path_text

NUMBER, STRING, BOOL, DATE = "number", "string", "boolean", "date"
MAX_SCHEMA_ERRORS = 200  # schema errors looked for in one file; a file wrong everywhere stops there


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
        return (f'unknown key "{excerpt(extra)}"{did_you_mean(extra, allowed)}; allowed keys are {", ".join(allowed)}', path + (extra,))
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f'required key "{excerpt(missing)}" is missing', path
    if v == "type":
        expected = error.validator_value
        if isinstance(expected, list):
            words = " or ".join(_TYPE_WORDS.get(t, t) for t in expected)
        else:
            words = _TYPE_WORDS.get(expected, expected)
        if not path:  # the whole file is one value: perhaps not a submission at all (a key file, /etc/passwd)
            size = f" of {len(error.instance)} characters" if isinstance(error.instance, str) else ""
            return f"expected {words}, found {_describe(error.instance)}{size} starting {_shown(error.instance, 12)}: is this a submission file?", path
        return f"expected {words}, found {_describe(error.instance)} {_shown(error.instance)}", path
    if v == "enum":
        allowed = [str(x) for x in error.validator_value]
        return (f'"{excerpt(error.instance)}" is not allowed{did_you_mean(error.instance, allowed)}; allowed values are {", ".join(allowed)}', path)
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than", "exclusiveMaximum": "less than"}[v]
        return f"{excerpt(error.instance)} is out of range: must be {words} {error.validator_value}", path
    if v == "pattern":
        if "[0-9]{4}-[0-9]{2}-[0-9]{2}" in error.validator_value:
            return f'"{excerpt(error.instance)}" is not a date in YYYY-MM-DD form', path
        if error.validator_value == "^[^\\s/\\\\]+$":
            return f'"{excerpt(error.instance)}" is not allowed: an id must not contain spaces, "/" or "\\"', path
        return f'"{excerpt(error.instance)}" does not have the required form ({error.validator_value})', path
    if v == "oneOf" and isinstance(error.instance, dict) and "due" in str(error.schema):
        has = [k for k in ("due", "schedule") if k in error.instance]
        if len(has) == 2:
            return "a check has either due or schedule, not both", path
        return "a check needs a deadline: due (a date) or schedule (dated thresholds)", path
    if v in ("minItems", "minLength", "minProperties"):
        return "must not be empty", path
    if v == "maxLength":
        return f"is longer than {error.validator_value} characters", path
    return excerpt(error.message, 200), path


def _shown(value, limit: int = 60) -> str:
    """A value as JSON, cut short before it is written out (a list of a million items is not dumped)."""
    if isinstance(value, (dict, list)):
        return "{…}" if isinstance(value, dict) else "[…]"
    if isinstance(value, str) and len(value) > limit:
        return json.dumps(value[:limit], ensure_ascii=False)[:-1] + "…"
    return excerpt(json.dumps(value, ensure_ascii=False, default=str), limit)


# ----------------------------------------------------------------------------- fast path
# jsonschema walks a million class records at ~70 µs each. Most submissions are
# valid, so a schema is also compiled into plain closures that answer one
# question: "certainly valid?". They implement every keyword the schema uses
# (a keyword they do not know disables the fast path for that schema) and are
# stricter than jsonschema where that is simpler (an integer must be an int, not
# 3.0). Anything they do not accept goes to jsonschema, which reports the errors.
_ANNOTATIONS = {"title", "description", "$schema", "$id", "$comment", "examples", "default", "format", "$defs"}
_JSON_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


class _Unsupported(Exception):
    pass


def _compile_node(node: dict, root: dict, cache: dict):
    if not isinstance(node, dict):
        raise _Unsupported(node)
    unknown = {k for k in node if k not in _ANNOTATIONS and not k.startswith("x-")} - {
        "$ref", "type", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern",
        "properties", "additionalProperties", "required", "items", "oneOf", "minItems", "minProperties"}
    if unknown:
        raise _Unsupported(unknown)
    tests = []
    if "oneOf" in node:
        branches = node["oneOf"]
        if all(isinstance(b, dict) and set(b) == {"required"} for b in branches):  # a check's due or schedule
            keysets = tuple(tuple(b["required"]) for b in branches)
            tests.append(lambda v: type(v) is not dict or sum(all(k in v for k in keys) for keys in keysets) == 1)
        else:  # any other branches compiled alike: exactly one of them holds
            compiled = tuple(_compile_node(b, root, cache) for b in branches)
            tests.append(lambda v: sum(1 for test in compiled if test(v)) == 1)
    if "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/$defs/"):
            raise _Unsupported(ref)
        name = ref.split("/")[-1]
        if name not in cache:
            cache[name] = None  # recursion guard; the schemas are not recursive
            cache[name] = _compile_node(root["$defs"][name], root, cache)
        if cache[name] is None:
            raise _Unsupported(ref)
        tests.append(cache[name])
    kind = node.get("type")
    fused = _fused_leaf(node)
    if fused is not None:
        return fused
    if kind is not None:
        tests.append(_type_test(kind))
    if "enum" in node:
        choices = tuple(node["enum"])
        if not all(type(c) is str for c in choices):
            raise _Unsupported(choices)
        tests.append(lambda v, choices=frozenset(choices): type(v) is str and v in choices)

    # the type test comes first and the tests are joined with "and": after a
    # numeric (string) type test the range (length) tests need no guard
    numeric = kind in ("integer", "number")
    textual = kind == "string" or "enum" in node

    def number(v):
        return type(v) is int or type(v) is float

    if "minimum" in node:
        m = node["minimum"]
        tests.append((lambda v: v >= m) if numeric else (lambda v: not number(v) or v >= m))
    if "maximum" in node:
        n = node["maximum"]
        tests.append((lambda v: v <= n) if numeric else (lambda v: not number(v) or v <= n))
    if "minLength" in node:
        lo = node["minLength"]
        tests.append((lambda v: len(v) >= lo) if textual else (lambda v: type(v) is not str or len(v) >= lo))
    if "maxLength" in node:
        hi = node["maxLength"]
        tests.append((lambda v: len(v) <= hi) if textual else (lambda v: type(v) is not str or len(v) <= hi))
    if "pattern" in node:
        search = re.compile(node["pattern"]).search
        tests.append(lambda v: type(v) is not str or search(v) is not None)
    if "minProperties" in node:
        least_keys = node["minProperties"]
        tests.append(lambda v: type(v) is not dict or len(v) >= least_keys)
    if "minItems" in node:
        least = node["minItems"]
        tests.append(lambda v: type(v) is not list or len(v) >= least)
    if "items" in node:
        item = _compile_node(node["items"], root, cache)
        tests.append(lambda v: type(v) is not list or all(item(x) for x in v))
    if "properties" in node or "required" in node or "additionalProperties" in node:
        extra = node.get("additionalProperties", True)
        others = None if extra in (True, False) else _compile_node(extra, root, cache)  # a schema for the other keys
        props = {k: _compile_node(p, root, cache) for k, p in node.get("properties", {}).items()}
        allowed = frozenset(props)
        required = tuple(node.get("required", ()))
        closed = extra is False

        def obj(v):
            if type(v) is not dict:
                return True
            if closed and not allowed.issuperset(v):
                return False
            for key in required:
                if key not in v:
                    return False
            for key, value in v.items():
                test = props.get(key, others)
                if test is not None and not test(value):
                    return False
            return True

        tests.append(obj)
    return _all(tests)


def _type_test(kind):
    """``type``: one JSON type or a list of them (an integer must be an int, never a bool or 3.0)."""
    if isinstance(kind, list):
        each = [_type_test(k) for k in kind]
        return lambda v: any(t(v) for t in each)
    if kind == "integer":
        return lambda v: type(v) is int
    if kind == "number":
        return lambda v: type(v) is int or type(v) is float
    if kind in _JSON_TYPES:
        cls = _JSON_TYPES[kind]
        return lambda v: type(v) is cls
    raise _Unsupported(kind)


def _fused_leaf(node: dict):
    """One closure for the common leaves: a bounded integer, a bounded string (with a pattern)."""
    keys = {k for k in node if k not in _ANNOTATIONS and not k.startswith("x-")}
    kind = node.get("type")
    if kind == "integer" and keys <= {"type", "minimum", "maximum"}:
        lo, hi = node.get("minimum", float("-inf")), node.get("maximum", float("inf"))
        return lambda v: type(v) is int and lo <= v <= hi
    if kind == "string" and keys <= {"type", "minLength", "maxLength", "pattern"}:
        lo, hi = node.get("minLength", 0), node.get("maxLength", float("inf"))
        search = re.compile(node["pattern"]).search if "pattern" in node else None
        if search is None:
            return lambda v: type(v) is str and lo <= len(v) <= hi
        return lambda v: type(v) is str and lo <= len(v) <= hi and search(v) is not None
    return None


def _all(tests: list):
    if not tests:
        return lambda v: True
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        a, b = tests
        return lambda v: a(v) and b(v)
    if len(tests) == 3:
        a, b, c = tests
        return lambda v: a(v) and b(v) and c(v)
    head, rest = tests[0], _all(tests[1:])
    return lambda v: head(v) and rest(v)


@lru_cache(maxsize=None)
def fast_check(name: str):
    """A closure ``data -> True`` when ``data`` certainly matches schema ``name``; None if unsupported."""
    root = schema(name)
    try:
        return _compile_node({k: v for k, v in root.items() if k != "$defs"}, root, {})
    except _Unsupported:
        return None


def validate(document: Document, name: str, collector: Collector, code: str) -> bool:
    """Validate against schema ``name``; add one located problem per error. True when valid."""
    fast = fast_check(name)
    if fast is not None and fast(document.data):
        return True
    ok = True
    found = list(itertools.islice(validator(name).iter_errors(document.data), MAX_SCHEMA_ERRORS + 1))
    if len(found) > MAX_SCHEMA_ERRORS:  # a file wrong everywhere: no need to find every error
        found = found[:MAX_SCHEMA_ERRORS]
        collector.add(code, f"more than {MAX_SCHEMA_ERRORS} problems with the schema; the first are listed, fix them and run again")
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
    document = types("document")
    district = types("figures")
    for table in (school, klass, document, district):
        table["district"] = STRING
    return {"class": klass, "school": school, "document": document, "district": district, "city": {"city": STRING}}
