"""Load one YAML or JSON data file (a policy, a submission, a case file) safely, with positions.

:func:`load_document` and :func:`load_partial` choose the parser by the file's
suffix (``.json``: ``json_reader``; anything else: ``yaml_reader``) after
``textfile`` has read and decoded the bytes. Only plain data is accepted:
mappings, sequences, strings, numbers, booleans, null and dates. Object tags,
alias bombs, duplicate keys, deep nesting, oversized files, NaN/infinite numbers
and undecodable bytes are refused with located problems. Files are opened
read-only and never modified.
"""
from __future__ import annotations

from auditor.errors import AuditorError, Collector, Problem
from auditor.intake.document import Document
from auditor.intake.json_reader import parse_json_bytes
from auditor.intake.textfile import read_bytes, read_text
from auditor.intake.yaml_reader import parse_yaml


def load_document(file: str, error_class: type[AuditorError]) -> Document:
    """Load one YAML or JSON file; raise ``error_class`` with every problem found."""
    document, problems = load_partial(file, error_class)
    if problems:
        raise error_class(problems)
    return document


def load_partial(file: str, error_class: type[AuditorError], schema: str | None = None) -> tuple[Document, list[Problem]]:
    """Like :func:`load_document`, but value-level problems (a bad number or date, a
    duplicate key, a tag) do not stop loading: the offending value is left out (None)
    and the problems are returned, so that the caller can validate the rest of the file
    and report every problem of the file together. Problems that leave no usable data
    (unreadable, undecodable, malformed, alias bomb, too deep) are raised at once.
    ``schema``: the schema the file is meant for; a JSON file valid against it is read with fewer looks
    (``json_reader._plain``) and its document says so.
    """
    collector = Collector(file, error_class)
    document = Document(file, None)
    if file.lower().endswith(".json"):  # the bytes go to orjson as they are (see json_reader)
        raw = read_bytes(file, collector)
        if raw is not None:
            document = parse_json_bytes(raw, file, collector, schema)
    else:
        text = read_text(file, collector)
        if text is not None:
            document = parse_yaml(text, file, collector)
    if document.data is None or any(not p.path for p in collector.problems):
        collector.raise_if_any()
    return document, list(collector.problems)
