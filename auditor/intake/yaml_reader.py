"""YAML text -> a :class:`Document` of plain data with the line and column of every value.

Composition is libyaml's (or PyYAML's pure-Python composer, see below); the walk
over the composed nodes is ours and decides what is accepted: only plain data
(mappings, sequences, text, numbers, booleans, null and dates). Object tags
(E-YAML-TAG), alias bombs (E-ALIAS), duplicate keys (E-DUPLICATE-KEY), deep
nesting (E-DEPTH), numbers YAML 1.1 reads surprisingly such as 045 or 1:10
(E-NUMBER), NaN/infinite numbers, control characters in text and impossible
dates (E-DATE) are refused with located problems. Merge keys (``<<: *base``)
are honoured, explicit keys first.
"""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import yaml

from auditor.errors import Collector, excerpt
from auditor.intake.document import Document, Path, path_text
from auditor.intake.values import MAX_DEPTH, number_problem, text_problem
from auditor.texts import Both, Msg, msg

MAX_ALIAS_NODES = 10_000  # nodes reached again through aliases, in one file
MAX_ALIAS_CHARS = 1_000_000  # characters of text (keys and values) that aliases bring again, in one file
MAX_DIGITS = 30  # an integer longer than this is refused before it is converted (it is beyond 2**53 anyway)
REPARSE_LIMIT = 1024 * 1024  # texts libyaml refuses are parsed again by pure-Python PyYAML up to this size, for its wording
MAX_VALUES = 3_000_000  # values (keys, scalars, lists, mappings) composed from one file, estimated before composing


def estimated_values(text: str) -> int:
    """About how many nodes composing ``text`` would make (each costs ~650 bytes while the file is read): a
    value follows a line break, a comma or a colon. The fixtures hold one value per 8.4 bytes (20 MiB: 2.5
    million); 20 MiB of ``1,`` is 10 million, which took 82 s and more than 4 GB before failing."""
    breaks = text.count("\n") + text.count(",") + text.count(":")
    if "\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text:  # YAML's other line breaks
        breaks += text.count("\r") + text.count("\x85") + text.count("\u2028") + text.count("\u2029")
    return breaks

_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_SHORT_DECIMAL = re.compile(r"-?(0|[1-9][0-9]{0,14})")  # below 10**15: never refused by number_problem
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

_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")


def check_plain_number(node: yaml.ScalarNode, collector: Collector, line: int, column: int, path: Path) -> bool:
    """YAML 1.1 reads 045 as octal 37, 1:10 as 70, 1_000 as 1000, 0x1F as 31: refuse them all."""
    text = node.value.strip()
    if node.tag == "tag:yaml.org,2002:int" and not _PLAIN_INT.fullmatch(text):
        collector.add("E-NUMBER", msg("number.not-plain-int", value=excerpt(text)), line, column, path_text(path))
        return False
    if node.tag == "tag:yaml.org,2002:int" and len(text.lstrip("+-")) > MAX_DIGITS:  # never converted: int() of 5,000 digits fails
        collector.add("E-NUMBER", msg("number.digits", digits=len(text.lstrip('+-'))), line, column, path_text(path))
        return False
    if node.tag == "tag:yaml.org,2002:float" and not _PLAIN_FLOAT.fullmatch(text) and text.lower().lstrip("+-") not in (".nan", ".inf"):
        collector.add("E-NUMBER", msg("number.not-plain-float", value=excerpt(text)), line, column, path_text(path))
        return False
    return True


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
    """Turns composed nodes into plain data, noting positions and refusing what is not plain data."""

    def __init__(self, loader: yaml.SafeLoader, collector: Collector):
        self.loader = loader
        self.collector = collector
        self.positions: dict = {}
        self.seen: set[int] = set()
        self.alias_nodes = 0
        self.alias_chars = 0  # characters of text reached again through aliases

    def walk(self, node: yaml.Node, path: Path, depth: int) -> Any:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        self.positions.setdefault(path, (line, column))
        if id(node) in self.seen:  # reached again through an alias (scalars count too)
            self.alias_nodes += 1
            if isinstance(node, yaml.ScalarNode):  # what it brings is counted at each node it holds
                self.alias_chars += len(node.value) + 1
        self.seen.add(id(node))
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise _Stop("E-ALIAS", msg("alias.nodes", limit=MAX_ALIAS_NODES), line, column)
        if self.alias_chars > MAX_ALIAS_CHARS:
            raise _Stop("E-ALIAS", msg("alias.chars", limit=MAX_ALIAS_CHARS), line, column)
        if depth > MAX_DEPTH:
            raise _Stop("E-DEPTH", msg("depth", limit=MAX_DEPTH), line, column)
        if node.tag not in _ALLOWED_TAGS:
            self.collector.add("E-YAML-TAG", msg("yaml.tag", tag=excerpt(node.tag)), line, column, path_text(path))
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
                    self.collector.add("E-SYNTAX", msg("yaml.key-not-text"), key_node.start_mark.line + 1, key_node.start_mark.column + 1, path_text(path))
                    continue
                key = self.walk(key_node, path + ("<key>",), depth + 1)
                if not isinstance(key, str):
                    key = str(key)  # keys like 2019 or true are read as text
                kline = key_node.start_mark.line + 1
                if key in first:
                    self.collector.add("E-DUPLICATE-KEY", msg("key.twice-line", key=excerpt(key), first=first[key]), kline, key_node.start_mark.column + 1, path_text(path + (key,)))
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
        if node.tag == _INT_TAG and _SHORT_DECIMAL.fullmatch(node.value):  # the common number: what construct_yaml_int gives
            return int(node.value)
        if not check_plain_number(node, self.collector, line, column, path):
            return None
        try:
            value = self.loader.construct_object(node, deep=True)
        except ValueError as exc:  # e.g. 2019-02-30
            self.collector.add("E-DATE", msg("date.not-real-why", value=excerpt(node.value), why=Both(f" ({excerpt(str(exc))})", "")), line, column, path_text(path))
            return None
        except yaml.YAMLError as exc:
            self.collector.add("E-SYNTAX", yaml_syntax(excerpt(str(exc).splitlines()[0], 200)), line, column, path_text(path))
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
                self.collector.add("E-SYNTAX", msg("yaml.merge"), line, column, path_text(path))
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


# PyYAML's own words for what is wrong, by the message id that says it in every language
_YAML_PROBLEMS = [
    ("mapping values are not allowed", "yaml.colon"), ("could not find expected ':'", "yaml.no-colon"),
    ("'\\t' that cannot start any token", "yaml.tab"),  # before the general case: say it is a tab
    ("cannot start any token", "yaml.bad-start"), ("expected <block end>", "yaml.indent"),
    ("did not find expected key", "yaml.indent-key"), ("did not find expected '-'", "yaml.indent-dash"),
    ("expected a single document", "yaml.documents"), ("undefined alias", "yaml.alias"),
    ("duplicate anchor", "yaml.anchor"), ("expected alphabetic or numeric", "yaml.name"),
    ("unknown escape", "yaml.escape"), ("tab character", "yaml.tab"), ("expected ',' or", "yaml.brackets"),
    ("end of stream", "yaml.end"), ("<stream end>", "yaml.end"), ("found unexpected ':'", "yaml.colon"),
    ("while scanning a quoted scalar", "yaml.quote"), ("while scanning a simple key", "yaml.no-colon"),
]


def yaml_syntax(text: str, began=None, truncated: bool = False, hint="") -> Msg:
    """A PyYAML complaint: its own words in English, a plain description in Chinese."""
    kind = next((key for pattern, key in _YAML_PROBLEMS if pattern in text), "yaml.malformed")
    return msg("syntax.yaml", problem=Both(text, msg(kind)), began=began or "",
               end=msg("syntax.truncated") if truncated else "", hint=hint)


_FULL_WIDTH = {"\uff1a": "yaml.full-width-colon", "\uff0c": "yaml.full-width-comma", "\u3000": "yaml.full-width-space"}


def full_width_culprit(text: str, first: int, last: int) -> tuple[int, int, Msg] | None:
    """A Chinese full-width colon where a key ends, a full-width space after a key's colon, or a full-width comma
    between the items of a flow collection (``{a: 1， b: 2}``), on lines ``first``..``last`` (1-based) of ``text``: (line, column, hint).
    Typed with a Chinese input method these look right and make the parser fail a line or more later
    (``schools_declared： 18`` is read as text that runs on into the next line, refused there)."""
    lines = text.split("\n", last)[:last]
    for number in range(max(first, 1), len(lines) + 1):
        line = lines[number - 1]
        if not any(ch in line for ch in _FULL_WIDTH):
            continue
        quote, depth, segment = None, 0, 0  # segment: where the current key (or flow item) starts
        for i, ch in enumerate(line):
            if quote:
                quote = None if ch == quote else quote
            elif ch in "'\"" and not line[segment:i].strip(" -"):
                quote = ch
            elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
                break
            elif ch in "{[":
                depth, segment = depth + 1, i + 1
            elif ch in "}]":
                depth = max(0, depth - 1)
            elif ch == ",":
                segment = i + 1
            elif ch == "\uff1a" and ":" not in line[segment:i] and line[segment:i].strip(" -"):
                return number, i + 1, msg(_FULL_WIDTH[ch], line=number, column=i + 1)
            elif (ch == "\uff0c" and depth) or (ch == "\u3000" and i and line[i - 1] == ":"):
                return number, i + 1, msg(_FULL_WIDTH[ch], line=number, column=i + 1)
    return None


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, libyaml: bool = False) -> tuple[int, int, Msg]:
    """Where and what: PyYAML's mark and words (libyaml's, cut, for a file too large to parse again), or the
    full-width colon or comma that made it fail."""
    line, column, message, began = _yaml_mark_problem(exc)
    truncated = not libyaml and ("end of stream" in message or "<stream end>" in message)
    if libyaml:
        message = excerpt(message, 300)
    first = exc.context_mark.line + 1 if exc.context_mark is not None else line - 1
    culprit = full_width_culprit(text, min(first, line - 1), line) if line else None
    if culprit is None:
        return line, column, yaml_syntax(message, began, truncated)
    return culprit[0], culprit[1], yaml_syntax(message, began, truncated, hint=culprit[2])


def _yaml_mark_problem(exc: yaml.MarkedYAMLError) -> tuple[int, int, str, Msg | None]:
    mark = exc.problem_mark or exc.context_mark
    text = exc.problem or exc.context or "malformed YAML"
    began = None
    if exc.context and exc.problem:
        text = f"{exc.problem} ({exc.context})"
        if exc.context_mark is not None and mark is not None and exc.context_mark.line != mark.line:
            began = msg("syntax.began", line=exc.context_mark.line + 1, column=exc.context_mark.column + 1)
    if mark is None:
        return 0, 0, text, began
    return mark.line + 1, mark.column + 1, text, began


# libyaml composes about ten times faster than the pure-Python parser. Only
# composition is delegated to it: the walker above (tags, aliases, duplicate
# keys, depth, numbers, positions) is the same. Whatever libyaml refuses is
# parsed again by the pure-Python loader, so that errors read as they always do.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def parse_yaml(text: str, file: str, collector: Collector) -> Document:
    """One YAML document; its problems go to ``collector``. ``data`` is None when nothing usable was read."""
    values = estimated_values(text)
    if values > MAX_VALUES:
        collector.add("E-SIZE", msg("read.values", values=values, limit=MAX_VALUES))
        return Document(file, None)
    if _FAST_LOADER is not None:
        loader = _FAST_LOADER(text)
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            if len(text) > REPARSE_LIMIT:  # the pure-Python parser would take minutes on megabytes: libyaml's words
                loader.dispose()
                line, column, problem = _syntax_problem(exc, text, libyaml=True)
                collector.add("E-SYNTAX", problem, line, column)
                return Document(file, None)
            node = False  # let the pure-Python loader say what is wrong
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
        collector.add("E-ENCODING", msg("encoding.yaml-control", code=f"{exc.character:04X}"), line, column)
        return Document(file, None)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            line, column, problem = _syntax_problem(exc, text)
            collector.add("E-SYNTAX", problem, line, column)
            return Document(file, None)
        except yaml.YAMLError as exc:
            collector.add("E-SYNTAX", yaml_syntax(str(exc).splitlines()[0]))
            return Document(file, None)
        except RecursionError:
            collector.add("E-DEPTH", msg("depth", limit=MAX_DEPTH), loader.line + 1, loader.column + 1)
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
        collector.add("E-DEPTH", msg("depth", limit=MAX_DEPTH))
        return Document(file, None)
    return Document(file, data, walker.positions)
