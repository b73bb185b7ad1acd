"""JSON text -> a :class:`Document` by a C parser, with positions found only when needed.

orjson reads the text first, with no Python call per value (:func:`_plain`); when it refuses the text (NaN,
Infinity, an integer beyond 64 bits, a lone surrogate, any syntax error) or when the text may hide something the
rules refuse (a key given twice, nesting beyond MAX_DEPTH), the standard library's parser reads it again with
hooks, and its words and positions are what the problem says. The same rules as for YAML then apply (duplicate
keys, depth, text and numbers: see ``values``). Finding every value's position costs ten times the parse, so a
clean file is read without them: :attr:`Document.locate` finds them (by composing the text as YAML, which JSON
is close enough to) the first time a problem needs one.
"""
from __future__ import annotations

import json
import math
import re
from itertools import chain, compress

import orjson

from auditor.errors import AuditorError, Collector, excerpt
from auditor.intake import contracts
from auditor.intake.document import Document, path_text
from auditor.intake.textfile import BOM, decode_bytes
from auditor.intake.values import BIDI_CONTROLS, MAX_DEPTH, MAX_SAFE_INT, number_problem, text_problem
from auditor.intake.yaml_reader import MAX_DIGITS, estimated_values, parse_yaml
from auditor.texts import Both, Msg, msg

# the json module's own words for what is wrong, by the message id that says it in every language
_JSON_PROBLEMS = [("Expecting value", "json.value"), ("Expecting property name", "json.key"),
                  ("Expecting ':'", "json.colon"), ("Expecting ','", "json.comma"), ("Unterminated string", "json.string"),
                  ("Invalid control character", "json.control"), ("Invalid \\u", "json.escape"),
                  ("Invalid \\escape", "json.escape"), ("Extra data", "json.extra"), ("trailing comma", "json.trailing")]


def json_syntax(text: str, truncated: bool) -> Msg:
    """A json complaint: its own words in English, a plain description in Chinese."""
    kind = next((key for pattern, key in _JSON_PROBLEMS if pattern in text), "json.malformed")
    return msg("syntax.json", problem=Both(text, msg(kind)), end=msg("syntax.truncated") if truncated else "")


class _Huge(float):
    """An integer too long to convert: infinite, with its number of digits for the message."""

    def __new__(cls, digits: str):
        value = super().__new__(cls, "-inf" if digits.startswith("-") else "inf")
        value.digits = len(digits.lstrip("-"))
        return value


def _json_depth_position(text: str) -> tuple[int, int]:
    """Where JSON nesting first goes deeper than MAX_DEPTH (strings skipped)."""
    depth = 0
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                offset = match.start()
                return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1
        elif token in "]}":
            depth -= 1
    return 0, 0


_JSON_CONSTANTS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


# A raw character _check_json_values would refuse. The parser refuses raw U+0000-U+001F
# inside strings, and UTF-8 decoding never yields a lone surrogate: those can only be
# written as \\u escapes, which parse_json looks for separately.
_JSON_RAW_CONTROL = re.compile(f"[\x7f-\x9f{BIDI_CONTROLS}]")


MAX_LOCATED_VALUES = 1_000_000  # a larger JSON file's problems are reported by path, without line and column


def _json_positions(text: str, file: str) -> dict:
    """Every value's position, from the YAML composer (JSON is close enough to YAML for its marks); {} for a
    file of more than MAX_LOCATED_VALUES values (composing 10 million took minutes and gigabytes)."""
    if estimated_values(text) > MAX_LOCATED_VALUES:
        return {}
    try:
        return parse_yaml(text, file, Collector(file, AuditorError)).positions
    except Exception:  # positions are a convenience; the JSON parse is authoritative
        return {}


_IS_DICT, _IS_LIST, _IS_NUMBER = {dict: True}.get, {list: True}.get, {int: True, float: True}.get
_NUMBERS = frozenset((int, float))


def _shape(value) -> tuple[int, int, bool]:
    """(depth as :func:`_json_depth` counts it, key-value pairs in every object, whether a number is 2**53 or more
    in size), level by level with map() over C functions: no Python call per value. orjson keeps an integer up to
    64 bits exactly and reads a longer one as a float, so a number the hooked parse must read (its digits kept for
    the message) is one whose size is 2**53 or more, found here after the parse instead of in the text before it.
    A level's values are picked out by type only for the types it holds (the last level, most of the values,
    holds no container: it is typed once and its numbers picked out once)."""
    values, depth, pairs, large = [value], 0, 0, False
    while True:
        types = list(map(type, values))
        kinds = set(types)
        mixed = len(kinds) > 1
        if not kinds.isdisjoint(_NUMBERS):
            numbers = list(compress(values, map(_IS_NUMBER, types))) if mixed else values
            if max(numbers) >= MAX_SAFE_INT or min(numbers) <= -MAX_SAFE_INT:
                large = True
        dicts = (list(compress(values, map(_IS_DICT, types))) if mixed else values) if dict in kinds else ()
        lists = (list(compress(values, map(_IS_LIST, types))) if mixed else values) if list in kinds else ()
        if not dicts and not lists:
            return depth, pairs, large
        pairs += sum(map(len, dicts))
        values = list(chain(chain.from_iterable(map(dict.values, dicts)), chain.from_iterable(lists)))
        depth += bool(values)


def _plain(raw: bytes, file: str, collector: Collector, schema: str | None = None) -> Document | None:
    """The document by orjson from the file's UTF-8 bytes when nothing in it needs the standard library's hooks;
    None when it does (then :func:`parse_json` reads the decoded text again, and its problems are located as
    before): a number of 2**53 or more in size, anything orjson refuses (bytes that are not UTF-8 among
    them), nesting beyond MAX_DEPTH, a key given twice. A key given twice is ruled out by counting: every
    key-value pair has one colon after its key's closing quote, so when the objects hold as many pairs as the
    text has colons (or quote-colons) no key was dropped. The text is decoded only if a position is asked for.

    ``schema``: the schema the document is meant for (a submission's). When the data is valid against it and the
    schema bounds nesting and numbers (``contracts.valid_pairs``), no value needs looking at for depth or size:
    the pairs are counted along the schema's map of containers, and the document says it was found valid."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    walk = b"\\u" in raw or _raw_control(raw)  # an escape or a raw control character: every value is looked at
    pairs = contracts.valid_pairs(schema, data) if schema is not None and not walk else None
    if pairs is not None:  # valid against a schema that bounds nesting and numbers: only keys given twice to rule out
        valid_for = schema
    else:
        valid_for = None
        depth, pairs, large = _shape(data)
        if large or depth > MAX_DEPTH:  # a number of 2**53 or more: the hooks keep its digits for the message
            return None
    if pairs != raw.count(b":") and pairs != len(_KEY_END_BYTES.findall(raw)):
        return None
    document = Document(file, data, locate=lambda: _json_positions(raw.decode("utf-8", "surrogatepass"), file),
                        valid_for=valid_for)
    if walk:
        _check_json_values(data, (), 0, collector, document)
    return document


# _JSON_RAW_CONTROL in UTF-8 bytes: U+007F, U+0080-U+009F (c2 80-9f), U+202A-U+202E (e2 80 aa-ae), U+2066-U+2069
# (e2 81 a6-a9). A byte search (memchr) rules out the first two in a text that has no 7f or c2 byte at all; the
# last two share one pattern, searched from its leading byte.
_C2_CONTROL = re.compile(rb"\xc2[\x80-\x9f]")
_E2_CONTROL = re.compile(rb"\xe2(?:\x80[\xaa-\xae]|\x81[\xa6-\xa9])")
_KEY_END_BYTES = re.compile(rb'"[ \t\r\n]*:')


def _raw_control(raw: bytes) -> bool:
    return (b"\x7f" in raw or b"\xc2" in raw and _C2_CONTROL.search(raw) is not None
            or _E2_CONTROL.search(raw) is not None)


def parse_json_bytes(raw: bytes, file: str, collector: Collector, schema: str | None = None) -> Document:
    """A JSON file's bytes: by orjson straight from them when that is safe (:func:`_plain`); else decoded (with
    ``textfile``'s located encoding problems) and read by :func:`parse_json`. A text orjson accepts is UTF-8 with
    no NUL byte, so decoding first would have found nothing."""
    plain = _plain(raw[len(BOM):] if raw.startswith(BOM) else raw, file, collector, schema)
    if plain is not None:
        return plain
    text = decode_bytes(raw, collector)
    return Document(file, None) if text is None else parse_json(text, file, collector, tried=True)


def parse_json(text: str, file: str, collector: Collector, tried: bool = False) -> Document:
    """JSON by a C parser; positions only when a problem needs one (finding them costs ten times the parse).
    ``tried``: orjson has already refused the text (:func:`parse_json_bytes`)."""
    if not text.strip():
        return Document(file, None)  # empty: the caller says what the file should hold
    plain = None if tried else _plain(text.encode("utf-8", "surrogatepass"), file, collector)
    if plain is not None:
        return plain
    duplicates: list[str] = []

    def pairs(items):
        out = dict(items)
        if len(out) == len(items):
            return out
        out = {}
        for key, value in items:  # the first value counts
            if key in out:
                duplicates.append(key)
            else:
                out[key] = value
        return out

    # Numbers that _check_json_values could refuse: NaN, Infinity, 16 digits or more, an exponent.
    suspect: list[str] = []

    def constant(name):
        suspect.append(name)
        return _JSON_CONSTANTS[name]

    def whole(digits):
        if len(digits) > 15:
            suspect.append(digits)
            if len(digits.lstrip("-")) > MAX_DIGITS:  # never converted: int() of 4,300+ digits raises
                return _Huge(digits)
        return int(digits)

    def decimal(digits):
        if len(digits) > 15 or "e" in digits or "E" in digits:
            suspect.append(digits)
        return float(digits)

    try:
        # NaN/Infinity become floats here and are refused, with their position, below
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_int=whole, parse_float=decimal)
    except json.JSONDecodeError as exc:
        collector.add("E-SYNTAX", json_syntax(exc.msg, exc.pos >= len(text.rstrip())), exc.lineno, exc.colno)
        return Document(file, None)
    except RecursionError:
        collector.add("E-DEPTH", msg("depth", limit=MAX_DEPTH), *_json_depth_position(text))
        return Document(file, None)
    document = Document(file, data, locate=lambda: _json_positions(text, file))
    if duplicates and estimated_values(text) > MAX_LOCATED_VALUES:
        for key in duplicates:
            collector.add("E-DUPLICATE-KEY", msg("key.twice-object", key=excerpt(key)))
    elif duplicates:
        shadow = Collector(file, AuditorError)
        document = Document(file, data, parse_yaml(text, file, shadow).positions)
        found = [p for p in shadow.problems if p.code == "E-DUPLICATE-KEY"]  # at most MAX_PER_KIND and a summary
        if shadow.count("E-DUPLICATE-KEY") == len(duplicates):
            collector.problems.extend(found)
        else:
            for key in duplicates:
                collector.add("E-DUPLICATE-KEY", msg("key.twice-object", key=excerpt(key)))
    if _json_depth(data) > MAX_DEPTH:
        collector.add("E-DEPTH", msg("depth", limit=MAX_DEPTH), *_json_depth_position(text))
        return Document(file, None)
    # A text with no suspect number, no escape and no raw control character cannot hold
    # a value the walk would refuse: the walk over every value is skipped.
    if suspect or "\\u" in text or _JSON_RAW_CONTROL.search(text):
        _check_json_values(data, (), 0, collector, document)
    return document


def _json_depth(value) -> int:
    depth, level = 0, [value]
    while level:
        depth += 1
        nxt = []
        for item in level:
            if isinstance(item, dict):
                nxt.extend(item.values())
            elif isinstance(item, list):
                nxt.extend(item)
        level = nxt
    return depth - 1


def _check_json_values(value, path, depth, collector, document):
    """Text and numbers as in YAML; a value's position is looked up only for a problem."""
    if depth > MAX_DEPTH:
        collector.add("E-DEPTH", msg("depth", limit=MAX_DEPTH), *document.where(path))
        return
    if isinstance(value, dict):
        for key, item in list(value.items()):
            problem = text_problem(key)
            if problem:
                collector.add("E-ENCODING", problem, *document.where(path + (key,)), path_text(path))
                del value[key]
                continue
            _check_json_values(item, path + (key,), depth + 1, collector, document)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_json_values(item, path + (i,), depth + 1, collector, document)
    else:
        problem = text_problem(value) if isinstance(value, str) else None
        if problem:
            collector.add("E-ENCODING", problem, *document.where(path), path_text(path))
        problem = number_problem(value)
        if isinstance(value, _Huge):
            problem = msg("number.digits", digits=value.digits)
        if problem:
            collector.add("E-NUMBER", problem, *document.where(path), path_text(path))
