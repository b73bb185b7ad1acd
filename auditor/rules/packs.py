"""Policy packs: one folder per document (the city's plan, the national standard), named by its pack.yaml.

``--policies`` takes one or more paths; each is a pack (a folder holding ``pack.yaml`` and the policy files that
encode the document) or a folder of packs (its sub-folders that hold a ``pack.yaml``). ``pack.yaml`` says which
document the policies encode — its reference number (文号), title, level, date of issue, period and its clauses
in its own order — and is validated against ``auditor/schemas/pack.schema.json`` with located errors.

Packs are listed city first, then province, then national (then by id), whatever order they were given in, so the
same packs always give the same findings.
"""
from __future__ import annotations

import os
import stat

from auditor.dates import real_date
from auditor.errors import Collector, PolicyError, Problem
from auditor.intake import contracts
from auditor.intake.document import path_text, unshadowed
from auditor.intake.loader import load_partial
from auditor.intake.textfile import folder_names, link_outside
from auditor.model import LEVELS, Pack, Source
from auditor.texts import msg, os_reason

PACK_FILE = "pack.yaml"


def _is_pack(folder: str) -> bool:
    """Whether ``folder`` holds a pack.yaml; a folder that cannot be looked into (no permission) is E-READ there,
    not taken for a folder without one (its pack was left out of the audit without a word)."""
    try:
        return stat.S_ISREG(os.stat(os.path.join(folder, PACK_FILE)).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        raise PolicyError(Problem(folder, 0, 0, "E-READ", msg("read.folder-cannot", reason=os_reason(exc)))) from None


def pack_folders(paths) -> list[str]:
    """The pack folders that ``paths`` (``--policies``) name: packs, or folders of packs. Raises P-NONE / P-PACK."""
    out: list[str] = []
    problems: list[Problem] = []
    for path in paths:
        if not os.path.isdir(path):
            problems.append(Problem(path, 0, 0, "P-NONE", msg("policy.not-folder" if os.path.exists(path) else "policy.no-folder")))
            continue
        if _is_pack(path):
            out.append(path)
            continue
        names = sorted(n for n in folder_names(path, PolicyError) if not n.startswith("."))
        packs = [os.path.join(path, n) for n in names if os.path.isdir(os.path.join(path, n)) and _is_pack(os.path.join(path, n))]
        if packs:
            out.extend(packs)
            continue
        if any(n.endswith((".yaml", ".yml")) for n in names):
            problems.append(Problem(path, 0, 0, "P-PACK", msg("pack.loose-files", pack_file=PACK_FILE, installed="policies/")))
        else:
            problems.append(Problem(path, 0, 0, "P-NONE", msg("pack.neither", pack_file=PACK_FILE)))
    if problems:
        raise PolicyError(problems)
    seen: dict[str, str] = {}
    unique = []
    for folder in out:  # the same pack named twice (a pack and its parent folder) is read once
        real = os.path.realpath(folder)
        if real not in seen:
            seen[real] = folder
            unique.append(folder)
    return unique


def policy_files(folder: str) -> list[str]:
    """The policy files of one pack (every ``.yaml``/``.yml`` but ``pack.yaml``), by name."""
    names = sorted(n for n in folder_names(folder, PolicyError)
                   if n.endswith((".yaml", ".yml")) and not n.startswith(".") and n != PACK_FILE)
    if not names:
        raise PolicyError(Problem(folder, 0, 0, "P-NONE", msg("pack.no-files")))
    outside = [n for n in names if link_outside(folder, n) is not None]
    if outside:
        raise PolicyError([Problem(os.path.join(folder, n), 0, 0, "E-READ", msg("read.link-policy")) for n in outside])
    return [os.path.join(folder, n) for n in names]


def read_pack(folder: str) -> Pack:
    """``folder/pack.yaml`` as a :class:`Pack`; every problem of the file raised together (P-SCHEMA, E-DATE, P-PACK)."""
    file = os.path.join(folder, PACK_FILE)
    if link_outside(folder, PACK_FILE) is not None:
        raise PolicyError(Problem(file, 0, 0, "E-READ", msg("read.link-policy")))
    collector = Collector(file, PolicyError)
    document, loaded = load_partial(file, PolicyError)
    if document.data is None:
        collector.add("P-SCHEMA", msg("pack.empty", pack_file=PACK_FILE, keys=["id", "ref", "title", "level", "issued", "period", "clauses"]))
        collector.raise_if_any()
    schema = Collector(file, PolicyError)
    valid = contracts.validate(document, "pack", schema, "P-SCHEMA")
    collector.problems.extend(loaded + unshadowed(loaded, schema.problems))
    if loaded or not valid:
        collector.raise_if_any()
    data = document.data

    def date(path: tuple):
        value = data
        for key in path:
            value = value[key]
        day = real_date(value)
        if day is None:
            line, column = document.where(path)
            collector.add("E-DATE", msg("content.date", value=value), line, column, path_text(path))
        return day

    issued, start = date(("issued",)), date(("period", "start"))
    end = date(("period", "end")) if "end" in data["period"] else None
    if start and end and end < start:
        line, column = document.where(("period", "end"))
        collector.add("P-PACK", msg("pack.period", end=end, start=start), line, column, "period.end")
    for i, part in enumerate((data.get("assessment") or {}).get("parts", [])):
        for j, clause in enumerate(part["clauses"]):
            if clause not in data["clauses"]:
                path = ("assessment", "parts", i, "clauses", j)
                line, column = document.where(path)
                collector.add("P-PACK", msg("pack.assessment-clause", clause=clause), line, column, path_text(path))
    collector.raise_if_any()
    line, _ = document.where(())
    return Pack(data["id"], data["ref"], dict(data["title"]), dict(data.get("short") or data["title"]),
                dict(data["issuer"]) if "issuer" in data else None, data["level"], issued, start, end,
                tuple(data["clauses"]), data.get("notes", ""), folder, Source(file, line), data.get("assessment"))


def order(packs: list[Pack]) -> list[Pack]:
    """City first, then province, then national; then by id."""
    return sorted(packs, key=lambda p: (LEVELS.index(p.level), p.id))


def relative_name(pack: Pack, file: str) -> str:
    """A pack file's name as the audit history keeps it: ``<pack folder>/<file>``."""
    return f"{os.path.basename(os.path.normpath(pack.folder))}/{os.path.basename(file)}"
