"""A loaded data file: its plain data, and the line and column each value stood at.

Paths into a document are tuples (``("schools", 3, "classes", 0, "size")``),
written for people as ``schools[3].classes[0].size`` by :func:`path_text`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from auditor.errors import Problem

Path = tuple  # a path into a document: ("schools", 3, "classes", 0, "size")


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
    valid_for: str | None = None  # the schema the data was found valid against as it was read (not asked again)

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


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")


def unshadowed(loader_problems: list[Problem], later: list[Problem]) -> list[Problem]:
    """``later`` problems, minus those about a value the loader already refused."""
    refused = [p.path for p in loader_problems if p.path and p.code != "E-DUPLICATE-KEY"]  # a duplicate keeps its first value
    return [p for p in later if not any(_under(p.path, r) for r in refused)]
