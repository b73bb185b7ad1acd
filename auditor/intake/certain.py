"""Certainly valid? A JSON Schema compiled into closures that only say yes when jsonschema would find nothing.

jsonschema walks a million class records at ~70 µs each, with positions and words for every error; most
submissions are valid, so :mod:`contracts` asks these first and calls jsonschema only when they do not say yes.
Two compilations of the same schema:

- :func:`compile_one`: a closure per schema node, called per value (any shape of data);
- :func:`compile_many`: a check over a *column* of values (every class's ``size``, every school's ``id``): the
  set of the column's types once, then ``min``/``max``/``len``/``set`` over the whole column in C instead of a
  Python call per value. An object column is grouped by key set (the records of one kind share a handful), and
  each key's values become the next column. A column it cannot judge that way (mixed types, floats, a general
  ``oneOf``, many key sets) is handed to the per-value closures, value by value.

Both implement every keyword the schemas use (a keyword they do not know disables the fast path for that
schema) and are stricter than jsonschema where that is simpler (an integer must be an int, not 3.0; a float
is never judged by min/max over the column, where NaN would hide). Neither locates anything: a "no" sends the
document to jsonschema, whose errors are the ones reported.
"""
from __future__ import annotations

import re
from functools import partial
from itertools import chain, repeat
from operator import is_not, itemgetter

# ----------------------------------------------------------------------------- one value at a time
_ANNOTATIONS = {"title", "description", "$schema", "$id", "$comment", "examples", "default", "format", "$defs"}
_JSON_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


class _Unsupported(Exception):
    pass


def _compile_node(node: dict, root: dict, cache: dict):
    if not isinstance(node, dict):
        raise _Unsupported(node)
    unknown = {k for k in node if k not in _ANNOTATIONS and not k.startswith("x-")} - {
        "$ref", "type", "enum", "minimum", "exclusiveMinimum", "maximum", "minLength", "maxLength", "pattern",
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
    if "exclusiveMinimum" in node:
        x = node["exclusiveMinimum"]
        tests.append((lambda v: v > x) if numeric else (lambda v: not number(v) or v > x))
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


def compile_one(root: dict):
    """A closure ``data -> True`` when ``data`` certainly matches schema ``root``; None if unsupported."""
    try:
        return _compile_node({k: v for k, v in root.items() if k != "$defs"}, root, {})
    except _Unsupported:
        return None




# ----------------------------------------------------------------------------- a column at a time
_ABSENT = object()
_PRESENT = partial(is_not, _ABSENT)
MAX_KEY_SETS = 32  # an object column with more distinct key sets is judged value by value
_KEYWORDS = {"type", "enum", "minimum", "exclusiveMinimum", "maximum", "minLength", "maxLength", "pattern", "properties",
             "additionalProperties", "required", "items", "oneOf", "minItems", "minProperties"}
_TYPES = {"integer": {int}, "number": {int}, "string": {str}, "boolean": {bool}, "object": {dict}, "array": {list}}


def compile_many(root: dict):
    """A closure ``values -> True`` when every value of the list ``values`` certainly matches schema ``root``
    (call it with ``[data]`` for one document); None if unsupported."""
    try:
        return _Column(root).many({k: v for k, v in root.items() if k != "$defs"})
    except _Unsupported:
        return None


class _Column:
    def __init__(self, root: dict):
        self.root, self.one_cache, self.refs = root, {}, {}

    def one(self, node: dict):
        return _compile_node(node, self.root, self.one_cache)

    def many(self, node: dict):
        """The column check of ``node``; its per-value closure is compiled too (the fallback, and it refuses
        what the schemas do not use)."""
        one = self.one(node)
        by_value = lambda values: all(map(one, values))  # noqa: E731
        own = {k: v for k, v in node.items() if k in _KEYWORDS}
        ref = node.get("$ref")
        parts = []
        if ref is not None:
            name = ref.split("/")[-1]
            if name not in self.refs:
                self.refs[name] = None  # the schemas are not recursive (the per-value compiler has said so)
                self.refs[name] = self.many(self.root["$defs"][name])
            parts.append(self.refs[name])
        one_of = own.pop("oneOf", None)
        keysets = None
        if one_of is not None:
            if not all(isinstance(b, dict) and set(b) == {"required"} for b in one_of):
                return by_value  # a general oneOf: value by value
            keysets = tuple(frozenset(b["required"]) for b in one_of)
        if own or keysets:
            parts.append(self._own(own, keysets, by_value))
        if not parts:
            return lambda values: True
        if len(parts) == 1:
            return parts[0]
        first, second = parts
        return lambda values: first(values) and second(values)

    def _own(self, node: dict, keysets, by_value):
        kind = node.get("type")
        if isinstance(kind, list):
            return by_value
        allowed_types = _TYPES[kind] if kind is not None else None
        choices = frozenset(node["enum"]) if "enum" in node else None
        low, high, above = node.get("minimum"), node.get("maximum"), node.get("exclusiveMinimum")
        shortest, longest = node.get("minLength"), node.get("maxLength")
        search = re.compile(node["pattern"]).search if "pattern" in node else None
        least_items, least_keys = node.get("minItems"), node.get("minProperties")
        objectish = "properties" in node or "required" in node or "additionalProperties" in node or keysets
        obj = self._object(node, keysets, by_value) if objectish else None
        items = self.many(node["items"]) if "items" in node else None

        def check(values):
            if not values:
                return True
            types = set(map(type, values))
            if len(types) != 1:
                return by_value(values)
            (t,) = types
            if allowed_types is not None and t not in allowed_types:
                return by_value(values)  # a number column of floats, say: value by value
            if choices is not None and (t is not str or not choices.issuperset(values)):
                return False
            if t is int:
                return ((low is None or min(values) >= low) and (high is None or max(values) <= high)
                        and (above is None or min(values) > above))
            if t is str:
                if shortest is not None or longest is not None:
                    lengths = list(map(len, values))
                    if shortest is not None and min(lengths) < shortest or longest is not None and max(lengths) > longest:
                        return False
                return search is None or all(map(search, values))
            if t is dict:
                return (least_keys is None or min(map(len, values)) >= least_keys) and (obj is None or obj(values))
            if t is list:
                if least_items is not None and min(map(len, values)) < least_items:
                    return False
                return items is None or items(list(chain.from_iterable(values)))
            if t is bool:
                return True
            return by_value(values)

        return check

    def _object(self, node: dict, keysets, by_value):
        extra = node.get("additionalProperties", True)
        others = None if extra in (True, False) else self.many(extra)
        props = {k: self.many(p) for k, p in node.get("properties", {}).items()}
        allowed = frozenset(props)
        required = frozenset(node.get("required", ()))
        closed = extra is False

        def check(values):
            shapes = set(map(tuple, values))  # each mapping's keys, in order: a handful per record kind
            if len(shapes) > MAX_KEY_SETS:
                return by_value(values)
            present = [frozenset(shape) for shape in shapes]
            for keys in present:
                if closed and not allowed.issuperset(keys) or not required <= keys:
                    return False
                if keysets is not None and sum(branch <= keys for branch in keysets) != 1:
                    return False
            everywhere = frozenset.intersection(*present)
            for key in frozenset.union(*present):
                test = props.get(key, others)
                if test is None:
                    continue
                if key in everywhere:
                    column = list(map(itemgetter(key), values))
                else:
                    column = list(filter(_PRESENT, map(dict.get, values, repeat(key), repeat(_ABSENT))))
                if not test(column):
                    return False
            return True

        return check
