"""findings.json: the canonical serialisation of an audit's findings (contract: auditor/schemas/findings.schema.json)."""
from __future__ import annotations

import json


def findings_json(findings: dict) -> str:
    """Sorted keys, UTF-8, stable: byte-identical for the same findings."""
    return json.dumps(findings, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def write_findings_json(findings: dict, handle) -> None:
    """The same bytes as :func:`findings_json`, written to the binary ``handle`` piece by piece (a national
    audit's findings.json is hundreds of megabytes: it is never one string in memory)."""
    encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True, indent=1)
    pieces: list[str] = []
    size = 0
    for piece in encoder.iterencode(findings):
        pieces.append(piece)
        size += len(piece)
        if size >= 1 << 20:
            handle.write("".join(pieces).encode("utf-8"))
            pieces, size = [], 0
    pieces.append("\n")
    handle.write("".join(pieces).encode("utf-8"))
