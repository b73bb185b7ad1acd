"""Read YAML and JSON safely, keeping the line and column of every value.

Only plain data is accepted: mappings, sequences, strings, numbers, booleans,
null and dates. Object tags, alias bombs, duplicate keys, deep nesting,
oversized files, NaN/infinite numbers and undecodable bytes are refused with
located problems. Files are opened read-only and never modified.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import AuditorError, Collector, Problem

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIAS_NODES = 10_000  # nodes reached again through aliases, in one file
MAX_SAFE_INT = 2**53  # beyond this, floats (and the engine) lose exactness

Path = tuple  # a path into a document: ("schools", 3, "classes", 0, "size")

_STR_TAG = "tag:yaml.org,2002:str"
_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


def path_text(path: Path) -> str:
    """("checks", 1, "require") -> 'checks[1].require'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass
class Document:
    """Parsed data plus where each value stood in the file."""

    file: str
    data: Any
    positions: dict = field(default_factory=dict)  # Path -> (line, column), 1-based

    def where(self, path: Path) -> tuple[int, int]:
        """The position of ``path`` or of its nearest ancestor that has one."""
        path = tuple(path)
        while True:
            if path in self.positions:
                return self.positions[path]
            if not path:
                return (0, 0)
            path = path[:-1]


def read_text(file: str, collector: Collector, encodings=("utf-8",)) -> str | None:
    """Read a file as text. UTF-8 with or without BOM; other encodings only if listed."""
    try:
        if os.path.isdir(file):
            collector.add("E-READ", "is a folder, not a file")
            return None
        size = os.path.getsize(file)
        if size > MAX_FILE_BYTES:
            collector.add("E-SIZE", f"file is {size} bytes; at most {MAX_FILE_BYTES} bytes are allowed")
            return None
        with open(file, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        collector.add("E-READ", f"cannot read the file: {exc.strerror or exc}")
        return None
    return decode_bytes(raw, collector, encodings)


def decode_bytes(raw: bytes, collector: Collector, encodings=("utf-8",)) -> str | None:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        collector.add("E-ENCODING", "file is UTF-16; save it as UTF-8")
        return None
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        collector.add("E-ENCODING", "file contains NUL bytes: it is binary, not text", line=line)
        return None
    first_error = None
    for encoding in encodings:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError as exc:
            if first_error is None:
                first_error = exc
    exc = first_error
    line = raw[: exc.start].count(b"\n") + 1
    column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
    accepted = " or ".join(e.upper() for e in encodings)
    collector.add(
        "E-ENCODING",
        f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not valid {accepted}; save the file as UTF-8",
        line=line,
        column=column,
    )
    return None


def check_number(value: Any, collector: Collector, line: int, column: int, path: Path) -> None:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        collector.add("E-NUMBER", f"{value} is not a number that can be audited", line, column, path_text(path))
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= MAX_SAFE_INT:
        collector.add("E-NUMBER", f"{value} is too large; numbers must be below 2**53", line, column, path_text(path))


class _Walker:
    def __init__(self, loader: yaml.SafeLoader, collector: Collector):
        self.loader = loader
        self.collector = collector
        self.positions: dict = {}
        self.seen: set[int] = set()
        self.alias_nodes = 0

    def walk(self, node: yaml.Node, path: Path, depth: int) -> Any:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        self.positions.setdefault(path, (line, column))
        if id(node) in self.seen and not isinstance(node, yaml.ScalarNode):
            self.alias_nodes += 1
        self.seen.add(id(node))
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise _Stop("E-ALIAS", f"more than {MAX_ALIAS_NODES} nodes reached through YAML aliases", line, column)
        if depth > MAX_DEPTH:
            raise _Stop("E-DEPTH", f"nesting is deeper than {MAX_DEPTH} levels", line, column)
        if node.tag not in _ALLOWED_TAGS:
            self.collector.add("E-YAML-TAG", f"tag {node.tag} is not allowed; only plain data (mappings, lists, text, numbers, dates)", line, column, path_text(path))
            return None
        if isinstance(node, yaml.MappingNode):
            result: dict = {}
            first: dict = {}
            self.loader.flatten_mapping(node)
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.collector.add("E-SYNTAX", "mapping keys must be plain text", key_node.start_mark.line + 1, key_node.start_mark.column + 1, path_text(path))
                    continue
                key = self.walk(key_node, path + ("<key>",), depth + 1)
                if not isinstance(key, str):
                    key = str(key)  # keys like 2019 or true are read as text
                kline = key_node.start_mark.line + 1
                if key in first:
                    self.collector.add("E-DUPLICATE-KEY", f'key "{key}" appears twice (first at line {first[key]})', kline, key_node.start_mark.column + 1, path_text(path + (key,)))
                    continue
                first[key] = kline
                self.positions[path + (key,)] = (kline, key_node.start_mark.column + 1)
                result[key] = self.walk(value_node, path + (key,), depth + 1)
                self.positions[path + (key,)] = (kline, key_node.start_mark.column + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        if node.tag == _STR_TAG:
            return node.value  # what construct_object returns for text (most keys and values), without its overhead
        try:
            value = self.loader.construct_object(node, deep=True)
        except ValueError as exc:  # e.g. 2019-02-30
            self.collector.add("E-DATE", f'"{node.value}" is not a real date ({exc})', line, column, path_text(path))
            return None
        except yaml.YAMLError as exc:
            self.collector.add("E-SYNTAX", str(exc).splitlines()[0], line, column, path_text(path))
            return None
        if isinstance(value, _dt.datetime):
            value = value.isoformat()
        elif isinstance(value, _dt.date):
            value = value.isoformat()
        check_number(value, self.collector, line, column, path)
        return value


class _Stop(Exception):
    def __init__(self, code, message, line, column):
        super().__init__(message)
        self.code, self.message, self.line, self.column = code, message, line, column


def _yaml_mark_problem(exc: yaml.MarkedYAMLError) -> tuple[int, int, str]:
    mark = exc.problem_mark or exc.context_mark
    text = exc.problem or exc.context or "malformed YAML"
    if exc.context and exc.problem:
        text = f"{exc.problem} ({exc.context})"
    if mark is None:
        return 0, 0, text
    return mark.line + 1, mark.column + 1, text


# libyaml composes about ten times faster than the pure-Python parser. Only
# composition is delegated to it: the walker below (tags, aliases, duplicate
# keys, depth, numbers, positions) is the same. Whatever libyaml refuses is
# parsed again by the pure-Python loader, so that errors read as they always do.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def parse_yaml(text: str, file: str, collector: Collector) -> Document:
    if _FAST_LOADER is not None:
        loader = _FAST_LOADER(text)
        try:
            node = loader.get_single_node()
        except (yaml.YAMLError, RecursionError, ValueError):
            node = False  # let the pure-Python loader say what is wrong
        if node is not False:
            try:
                return _walk(loader, node, file, collector)
            finally:
                loader.dispose()
        loader.dispose()
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            line, column, message = _yaml_mark_problem(exc)
            collector.add("E-SYNTAX", message, line, column)
            return Document(file, None)
        except yaml.YAMLError as exc:
            collector.add("E-SYNTAX", str(exc).splitlines()[0])
            return Document(file, None)
        except RecursionError:
            collector.add("E-DEPTH", f"nesting is deeper than {MAX_DEPTH} levels")
            return Document(file, None)
        return _walk(loader, node, file, collector)
    finally:
        loader.dispose()


def _walk(loader, node, file: str, collector: Collector) -> Document:
    if node is None:
        return Document(file, None)
    walker = _Walker(loader, collector)
    try:
        data = walker.walk(node, (), 0)
    except _Stop as stop:
        collector.add(stop.code, stop.message, stop.line, stop.column)
        return Document(file, None)
    except RecursionError:
        collector.add("E-DEPTH", f"nesting is deeper than {MAX_DEPTH} levels")
        return Document(file, None)
    return Document(file, data, walker.positions)


def parse_json(text: str, file: str, collector: Collector) -> Document:
    def pairs(items):
        out = {}
        for key, value in items:
            if key in out:
                collector.add("E-DUPLICATE-KEY", f'key "{key}" appears twice in one object')
                continue
            out[key] = value
        return out

    def constant(name):
        raise ValueError(f"{name} is not a number that can be audited")

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        collector.add("E-SYNTAX", exc.msg, exc.lineno, exc.colno)
        return Document(file, None)
    except ValueError as exc:
        collector.add("E-NUMBER", str(exc))
        return Document(file, None)
    except RecursionError:
        collector.add("E-DEPTH", f"nesting is deeper than {MAX_DEPTH} levels")
        return Document(file, None)
    # Positions: JSON is close enough to YAML for the composer to give us marks.
    positions: dict = {}
    shadow = Collector(file, AuditorError)
    try:
        located = parse_yaml(text, file, shadow)
        positions = located.positions
    except Exception:  # positions are a convenience; the JSON parse above is authoritative
        positions = {}
    _check_json_values(data, (), 0, collector, positions)
    return Document(file, data, positions)


def _check_json_values(value, path, depth, collector, positions):
    if depth > MAX_DEPTH:
        collector.add("E-DEPTH", f"nesting is deeper than {MAX_DEPTH} levels", *positions.get(path, (0, 0)))
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _check_json_values(item, path + (key,), depth + 1, collector, positions)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_json_values(item, path + (i,), depth + 1, collector, positions)
    else:
        line, column = positions.get(path, (0, 0))
        check_number(value, collector, line, column, path)


def load_document(file: str, error_class: type[AuditorError]) -> Document:
    """Load one YAML or JSON file; raise ``error_class`` with every problem found."""
    collector = Collector(file, error_class)
    text = read_text(file, collector)
    document = Document(file, None)
    if text is not None:
        if file.lower().endswith(".json"):
            document = parse_json(text, file, collector)
        else:
            document = parse_yaml(text, file, collector)
    collector.raise_if_any()
    return document
