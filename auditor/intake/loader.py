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
import re
import stat
from dataclasses import dataclass, field
from typing import Any, Callable

import yaml

from auditor.errors import AuditorError, Collector, Problem

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
    locate: Callable[[], dict] | None = None  # finds the positions when first asked (a JSON file is read without them)

    def where(self, path: Path) -> tuple[int, int]:
        """The position of ``path`` or of its nearest ancestor that has one."""
        if self.locate is not None:
            self.positions, self.locate = self.locate(), None
        path = tuple(path)
        while True:
            if path in self.positions:
                return self.positions[path]
            if not path:
                return (0, 0)
            path = path[:-1]


def read_text(file: str, collector: Collector, encodings=("utf-8",)) -> str | None:
    """Read a file as text. UTF-8 with or without BOM; other encodings only if listed."""
    raw = read_bytes(file, collector)
    return None if raw is None else decode_bytes(raw, collector, encodings)


def read_bytes(file: str, collector: Collector) -> bytes | None:
    """A file's bytes, or None with E-READ/E-SIZE in ``collector``. Opened read-only."""
    try:
        if os.path.isdir(file):
            collector.add("E-READ", "is a folder, not a file")
            return None
        if not stat.S_ISREG(os.stat(file).st_mode):  # a device or pipe could block or never end
            collector.add("E-READ", "is not a regular file")
            return None
        size = os.path.getsize(file)
        if size > MAX_FILE_BYTES:
            collector.add("E-SIZE", f"file is {size} bytes; at most {MAX_FILE_BYTES} bytes are allowed")
            return None
        with open(file, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # the file may grow while we read
        if len(raw) > MAX_FILE_BYTES:
            collector.add("E-SIZE", f"file is over {MAX_FILE_BYTES} bytes; at most {MAX_FILE_BYTES} bytes are allowed")
            return None
        return raw
    except OSError as exc:
        collector.add("E-READ", f"cannot read the file: {exc.strerror or exc}")
        return None


def _looks_utf16(raw: bytes) -> bool:
    sample = raw[:4000]
    even, odd = sample[0::2], sample[1::2]
    return len(sample) >= 4 and (even.count(0) > 0.4 * len(even) or odd.count(0) > 0.4 * len(odd))


def decode_bytes(raw: bytes, collector: Collector, encodings=("utf-8",)) -> str | None:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        collector.add("E-ENCODING", "file is UTF-16; save it as UTF-8")
        return None
    if raw.startswith((b"\x00\x00\xfe\xff",)):
        collector.add("E-ENCODING", "file is UTF-32; save it as UTF-8")
        return None
    if b"\x00" in raw and _looks_utf16(raw):
        collector.add("E-ENCODING", "file looks like UTF-16 without a byte-order mark (every other byte is 0); save it as UTF-8")
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
    hint = ""
    try:
        raw.decode("gb18030")
        hint = " (it reads as GBK/GB18030, the Chinese Windows encoding)"
    except UnicodeDecodeError:
        pass
    collector.add(
        "E-ENCODING",
        f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not valid {accepted}{hint}; save the file as UTF-8",
        line=line,
        column=column,
    )
    return None


_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")


def check_plain_number(node: yaml.ScalarNode, collector: Collector, line: int, column: int, path: Path) -> bool:
    """YAML 1.1 reads 045 as octal 37, 1:10 as 70, 1_000 as 1000, 0x1F as 31: refuse them all."""
    text = node.value.strip()
    if node.tag == "tag:yaml.org,2002:int" and not _PLAIN_INT.fullmatch(text):
        collector.add("E-NUMBER", f'"{text}" is not a plain decimal number (YAML would read it as octal, hex, base 60 or with separators); write it with the digits 0-9 only, or quote it if it is text', line, column, path_text(path))
        return False
    if node.tag == "tag:yaml.org,2002:float" and not _PLAIN_FLOAT.fullmatch(text) and text.lower().lstrip("+-") not in (".nan", ".inf"):
        collector.add("E-NUMBER", f'"{text}" is not a plain decimal number; write it like 0.97 or 12.5', line, column, path_text(path))
        return False
    return True


_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Text written with escapes ("\\u0000", "\\ud800") must still be text: no control
    characters (tab and newlines aside) and no lone surrogates, which cannot be written out."""
    bad = _BAD_TEXT.search(value)
    if bad is None:
        return None
    kind = "a lone surrogate, not a character" if 0xD800 <= ord(bad.group()) <= 0xDFFF else "a control character"
    return f"text contains U+{ord(bad.group()):04X}, {kind}"


def number_problem(value: Any) -> str | None:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return f"{value} is not a number that can be audited"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= MAX_SAFE_INT:
        return f"{value} is too large; numbers must be below 2**53"
    return None


def check_text(value: str, collector: Collector, line: int, column: int, path: Path) -> bool:
    problem = text_problem(value)
    if problem:
        collector.add("E-ENCODING", problem, line, column, path_text(path))
    return problem is None


def check_number(value: Any, collector: Collector, line: int, column: int, path: Path) -> None:
    problem = number_problem(value)
    if problem:
        collector.add("E-NUMBER", problem, line, column, path_text(path))


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
        if id(node) in self.seen:  # reached again through an alias (scalars count too)
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
            merges = []
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *base": filled in after the explicit keys
                    merges.append(value_node)
                    continue
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
            for merge in merges:
                self._merge(merge, result, path, depth)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        if node.tag == _STR_TAG:  # text: what construct_object returns, without its overhead
            value = node.value
            return value if check_text(value, self.collector, line, column, path) else None
        if not check_plain_number(node, self.collector, line, column, path):
            return None
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
        if isinstance(value, str) and not check_text(value, self.collector, line, column, path):
            return None
        check_number(value, self.collector, line, column, path)
        return value


    def _merge(self, merge: yaml.Node, result: dict, path: Path, depth: int) -> None:
        """YAML merge keys: explicit keys win, then earlier merged mappings over later ones."""
        sources = merge.value if isinstance(merge, yaml.SequenceNode) else [merge]
        for source in sources:
            line, column = source.start_mark.line + 1, source.start_mark.column + 1
            if not isinstance(source, yaml.MappingNode):
                self.collector.add("E-SYNTAX", "<< (merge) must name a mapping, such as *base", line, column, path_text(path))
                continue
            outer = self.positions
            self.positions = {}
            merged = self.walk(source, path, depth + 1)
            inner, self.positions = self.positions, outer
            added = {key for key in (merged or {}) if key not in result}
            for key in added:
                result[key] = merged[key]
            for where, position in inner.items():
                if len(where) > len(path) and where[len(path)] in added:
                    self.positions.setdefault(where, position)


class _Stop(Exception):
    def __init__(self, code, message, line, column):
        super().__init__(message)
        self.code, self.message, self.line, self.column = code, message, line, column


def _yaml_mark_problem(exc: yaml.MarkedYAMLError) -> tuple[int, int, str]:
    mark = exc.problem_mark or exc.context_mark
    text = exc.problem or exc.context or "malformed YAML"
    if exc.context and exc.problem:
        text = f"{exc.problem} ({exc.context})"
        if exc.context_mark is not None and mark is not None and exc.context_mark.line != mark.line:
            text += f" — it began at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}"
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
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # a control character: YAML checks the whole text up front
        offset = max(0, min(exc.position, len(text)))
        line, column = text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1
        collector.add("E-ENCODING", f"character U+{exc.character:04X} is a control character, not text: the file is not plain YAML text", line, column)
        return Document(file, None)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            line, column, message = _yaml_mark_problem(exc)
            if "end of stream" in message or "<stream end>" in message:
                message += "; the file ends here: is it truncated?"
            collector.add("E-SYNTAX", message, line, column)
            return Document(file, None)
        except yaml.YAMLError as exc:
            collector.add("E-SYNTAX", str(exc).splitlines()[0])
            return Document(file, None)
        except RecursionError:
            collector.add("E-DEPTH", f"nesting is deeper than {MAX_DEPTH} levels", loader.line + 1, loader.column + 1)
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
_JSON_RAW_CONTROL = re.compile("[\x7f-\x9f]")


def _json_positions(text: str, file: str) -> dict:
    """Every value's position, from the YAML composer (JSON is close enough to YAML for its marks)."""
    try:
        return parse_yaml(text, file, Collector(file, AuditorError)).positions
    except Exception:  # positions are a convenience; the JSON parse is authoritative
        return {}


def parse_json(text: str, file: str, collector: Collector) -> Document:
    """JSON by the C parser; positions only when a problem needs one (finding them costs ten times the parse)."""
    if not text.strip():
        return Document(file, None)  # empty: the caller says what the file should hold
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
        return int(digits)

    def decimal(digits):
        if len(digits) > 15 or "e" in digits or "E" in digits:
            suspect.append(digits)
        return float(digits)

    try:
        # NaN/Infinity become floats here and are refused, with their position, below
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_int=whole, parse_float=decimal)
    except json.JSONDecodeError as exc:
        message = exc.msg
        if exc.pos >= len(text.rstrip()):
            message += "; the file ends here: is it truncated?"
        collector.add("E-SYNTAX", message, exc.lineno, exc.colno)
        return Document(file, None)
    except RecursionError:
        collector.add("E-DEPTH", f"nesting is deeper than {MAX_DEPTH} levels", *_json_depth_position(text))
        return Document(file, None)
    document = Document(file, data, locate=lambda: _json_positions(text, file))
    if duplicates:
        shadow = Collector(file, AuditorError)
        document = Document(file, data, parse_yaml(text, file, shadow).positions)
        found = [p for p in shadow.problems if p.code == "E-DUPLICATE-KEY"]
        if len(found) == len(duplicates):
            collector.problems.extend(found)
        else:
            for key in duplicates:
                collector.add("E-DUPLICATE-KEY", f'key "{key}" appears twice in one object')
    if _json_depth(data) > MAX_DEPTH:
        collector.add("E-DEPTH", f"nesting is deeper than {MAX_DEPTH} levels", *_json_depth_position(text))
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
        collector.add("E-DEPTH", f"nesting is deeper than {MAX_DEPTH} levels", *document.where(path))
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
        if problem:
            collector.add("E-NUMBER", problem, *document.where(path), path_text(path))


def load_document(file: str, error_class: type[AuditorError]) -> Document:
    """Load one YAML or JSON file; raise ``error_class`` with every problem found."""
    document, problems = load_partial(file, error_class)
    if problems:
        raise error_class(problems)
    return document


def load_partial(file: str, error_class: type[AuditorError]) -> tuple[Document, list[Problem]]:
    """Like :func:`load_document`, but value-level problems (a bad number or date, a
    duplicate key, a tag) do not stop loading: the offending value is left out (None)
    and the problems are returned, so that the caller can validate the rest of the file
    and report every problem of the file together. Problems that leave no usable data
    (unreadable, undecodable, malformed, alias bomb, too deep) are raised at once.
    """
    collector = Collector(file, error_class)
    text = read_text(file, collector)
    document = Document(file, None)
    if text is not None:
        if file.lower().endswith(".json"):
            document = parse_json(text, file, collector)
        else:
            document = parse_yaml(text, file, collector)
    if document.data is None or any(not p.path for p in collector.problems):
        collector.raise_if_any()
    return document, list(collector.problems)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")


def unshadowed(loader_problems: list[Problem], later: list[Problem]) -> list[Problem]:
    """``later`` problems, minus those about a value the loader already refused."""
    refused = [p.path for p in loader_problems if p.path and p.code != "E-DUPLICATE-KEY"]  # a duplicate keeps its first value
    return [p for p in later if not any(_under(p.path, r) for r in refused)]
