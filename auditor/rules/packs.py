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

from auditor.dates import real_date
from auditor.errors import Collector, PolicyError, Problem
from auditor.intake import contracts
from auditor.intake.document import path_text, unshadowed
from auditor.intake.loader import load_partial
from auditor.intake.textfile import folder_names, link_outside
from auditor.model import LEVELS, Pack, Source
from auditor.texts import msg, os_reason

PACK_FILE = "pack.yaml"


POLICY_SUFFIXES = (".yaml", ".yml")


def looks_like_policy(name: str) -> bool:
    """A name a policy file may be given by mistake as well as by rule: ``.yaml``/``.yml`` in any case
    (``.YAML``), or with ``.txt`` after it (Windows Notepad saves ``x.yaml`` as ``x.yaml.txt``)."""
    lower = name.lower()
    return lower.endswith(POLICY_SUFFIXES) or lower.endswith(tuple(s + ".txt" for s in POLICY_SUFFIXES))


def _is_pack(folder: str) -> bool:
    """A folder with a ``pack.yaml`` — whatever it is: a folder or an unreadable file there is read_pack's E-READ. A
    folder that cannot be looked into (no permission) is E-READ at once, not taken for a folder without one (its
    pack was left out of the audit without a word)."""
    try:
        os.stat(os.path.join(folder, PACK_FILE))
        return True
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        raise PolicyError(Problem(folder, 0, 0, "E-READ", msg("read.folder-cannot", reason=os_reason(exc)))) from None


def _listing(folder: str, problems: list[Problem]) -> list[str] | None:
    """``folder``'s visible names, sorted; None (and E-READ) when it cannot be listed."""
    try:
        return sorted(n for n in folder_names(folder, PolicyError) if not n.startswith("."))
    except PolicyError as exc:
        problems.extend(exc.problems)
        return None


def _not_a_pack(folder: str, names: list[str]) -> Problem | None:
    """P-PACK for a sub-folder of a folder of packs that looks like a pack (or holds packs) but has no ``pack.yaml``:
    it would otherwise be left out of the audit without a word. A folder with no YAML in it (notes, pictures) is not."""
    misnamed = [n for n in names if n != PACK_FILE and n.lower() in ("pack.yml", "pack.yaml", "pack.json")]
    if misnamed:
        return Problem(os.path.join(folder, misnamed[0]), 0, 0, "P-PACK", msg("pack.misnamed", pack_file=PACK_FILE))
    if any(looks_like_policy(n) for n in names):
        return Problem(folder, 0, 0, "P-PACK", msg("pack.loose-files", pack_file=PACK_FILE, installed="policies/"))
    if any(os.path.isdir(os.path.join(folder, n)) and _is_pack(os.path.join(folder, n)) for n in names):
        return Problem(folder, 0, 0, "P-PACK", msg("pack.nested", pack_file=PACK_FILE))
    return None


def pack_folders(paths) -> list[str]:
    """The pack folders that ``paths`` (``--policies``) name: packs, or folders of packs. Raises P-NONE / P-PACK /
    E-READ.

    In a folder of packs, every sub-folder holding a ``pack.yaml`` is a pack; hidden names (``.git``) and files that
    are not YAML (``README.md``, notes) are passed over. Nothing that looks like policies is passed over in silence:
    a policy file lying loose beside the packs, a sub-folder of policy files without a ``pack.yaml`` (or with a
    ``pack.yml``), a folder of packs one level too deep are P-PACK; a folder that cannot be listed is E-READ."""
    out: list[str] = []
    problems: list[Problem] = []
    for path in paths:
        if not os.path.isdir(path):
            problems.append(Problem(path, 0, 0, "P-NONE", msg("policy.not-folder" if os.path.exists(path) else "policy.no-folder")))
            continue
        if _is_pack(path):
            out.append(path)
            continue
        names = _listing(path, problems)
        if names is None:
            continue
        packs, found = [], []
        for name in names:
            full = os.path.join(path, name)
            if os.path.isdir(full):
                if _is_pack(full):
                    packs.append(full)
                    continue
                inner = _listing(full, found)
                if inner is not None and (problem := _not_a_pack(full, inner)) is not None:
                    found.append(problem)
            elif looks_like_policy(name):
                found.append(Problem(full, 0, 0, "P-PACK", msg("pack.loose-policy", pack_file=PACK_FILE)))
        if packs:
            out.extend(packs)
            problems.extend(found)
            continue
        misnamed = _not_a_pack(path, names)
        if misnamed is not None:
            problems.append(misnamed)
        elif found:
            problems.extend(found)
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
    """The policy files of one pack (every ``.yaml``/``.yml`` but ``pack.yaml``), by name. A file named like a
    policy that would not be read (``.YAML``, ``.yaml.txt``) is P-PACK: its clause would go unaudited, exit 0."""
    problems: list[Problem] = []
    listing = _listing(folder, problems)
    if listing is None:
        raise PolicyError(problems)
    misnamed = [n for n in listing if looks_like_policy(n) and not n.endswith(POLICY_SUFFIXES)]
    if misnamed:  # it would be left out of the audit without a word, and its clause with it
        raise PolicyError([Problem(os.path.join(folder, n), 0, 0, "P-PACK", msg("pack.misnamed-policy", name=n))
                           for n in misnamed])
    names = [n for n in listing if n.endswith(POLICY_SUFFIXES) and n != PACK_FILE]
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
