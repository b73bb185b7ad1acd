"""findings.json: the canonical serialisation of an audit's findings (contract: auditor/schemas/findings.schema.json)."""
from __future__ import annotations

import json


def findings_json(findings: dict) -> str:
    """Sorted keys, UTF-8, stable: byte-identical for the same findings."""
    return json.dumps(findings, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
