"""The one way the auditor writes files: into a claimed output folder, every file or none, the previous set replaced as a whole.

Every output goes through :func:`write_set` (``auditor audit`` through
``files.write_reports``, ``auditor template`` through ``templates.write_templates``).
The rules it holds, each learnt from a hostile run (issue 19):

* **The folder is claimed** (``claims.claim``) before any work: an empty name, ``/``,
  a system folder or the home folder itself are refused (``U-ARGS``); the folder is
  created if need be and locked (``flock`` on the folder itself, released by the
  kernel when the process ends, even by ``kill -9``), so a second run writing to the
  same folder at the same time is refused with ``U-OUT`` instead of mixing its files
  with the first's. A run that fails removes the folders it created (parents of --out included).
* **Every target is checked before any is replaced**: a name that would leave the
  folder, a name the file system cannot hold (too long, not encodable), a target that
  is a folder, an input file — any of them stops the run with ``U-OUT`` and nothing
  changes.
* **Temporary files are created exclusively with unpredictable names**
  (``tempfile.mkstemp``: ``O_CREAT|O_EXCL``, mode 0600) in the target folder, written
  in full and fsynced; a planted symbolic link or a predictable ``x.tmp`` is never
  followed. A failure removes them; a temporary of ours left by a killed run
  (``.auditor-*.part``, and ``.tmp-*.part`` of earlier versions) is removed by the
  next run that claims the folder.
* **Ordinary permissions**: finished files get ``0666 & ~umask``, like any file the
  user creates (mkstemp's 0600 only while they are written).
* **All or nothing**: the new files are renamed into place only when all are written;
  a rename that fails puts back the files already replaced (kept as hard links).
* **Written as it is made** (``staging.stage_file``): a report rendered in a worker is written there, straight into
  an exclusive temporary of the claimed folder, and only its name (:class:`Staged`) travels on; the set is then
  renamed into place by :func:`write_set` like any other, all or nothing (a failure removes the staged
  temporaries too). A province's or a nation's reports are never held in memory together.
* **A manifest of what the tool wrote** (``.auditor-manifest.json``, for sets written
  with ``replace=True``): after the new set is in place, the files the previous
  manifest lists and the new set does not hold are removed — nothing the tool did not
  write itself, never a folder, never an input — so a second audit into the same
  folder leaves no stale reports. The manifest is updated before the renames (old and
  new names) and after them (the new set), so a run killed at any point leaves every
  file it may have written listed for the next one.
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import Problem, UsageError, excerpt
from auditor.output.claims import (TEMP_PREFIX, TEMP_SUFFIX, Claim, claim, is_claimed, reason, refuse, release_folder, umask,
                                   unlink)
from auditor.texts import msg

MANIFEST = ".auditor-manifest.json"


def _targets(folder: Path, names: list[str], protect: set[str]) -> list[tuple[str, Path]]:
    """Every target checked before any is touched."""
    problems = []
    out = []
    try:
        real = folder.resolve()
    except (OSError, UnicodeError) as exc:
        raise refuse(str(folder), "U-OUT", msg("out.cannot-use", reason=reason(exc))) from None
    for name in names:
        where = excerpt(str(folder / name), 200)
        try:
            if not name or "/" in name or "\x00" in name or name in (".", "..") or name.startswith("."):
                raise refuse(str(folder), "U-OUT", msg("out.name-leaves", name=excerpt(name)))
            target = folder / name
            os.fsencode(str(target))
            if len(os.fsencode(name)) > 255:
                raise OSError(errno.ENAMETOOLONG, "File name too long")
            if target.parent.resolve() != real:  # (a link planted at the name is replaced, never followed)
                raise refuse(str(folder), "U-OUT", msg("out.name-leaves", name=excerpt(name)))
            if os.path.realpath(target) in protect:
                problems.append(Problem(where, 0, 0, "U-OUT", msg("out.overwrite-input")))
                continue
            try:
                mode = os.lstat(target).st_mode
            except FileNotFoundError:
                mode = None
            if mode is not None and stat.S_ISDIR(mode):
                problems.append(Problem(where, 0, 0, "U-OUT", msg("out.folder-in-the-way")))
                continue
            out.append((name, target))
        except UsageError as exc:
            problems.extend(exc.problems)
        except (OSError, UnicodeError) as exc:
            problems.append(Problem(where, 0, 0, "U-OUT", msg("out.cannot-write", reason=reason(exc))))
    if problems:
        raise UsageError(problems)
    return out


def _stage(folder: Path, data: str | bytes, mode: int) -> str:
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=str(folder))  # O_EXCL, 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), mode)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return tmp


@dataclass(frozen=True)
class Staged:
    """A file already written in full to an exclusive temporary in the output folder (``staging.stage_file``),
    waiting to be renamed into place by :func:`write_set`."""

    path: str
    size: int = 0


@dataclass(frozen=True)
class NotStaged:
    """A file that could not be staged (a full disk, a file size limit): the problem to report, as plain data
    (it comes back from a worker process)."""

    problem: Problem


def discard(files: dict) -> None:
    """Remove the staged temporaries of a set that will not be written."""
    for value in files.values():
        if isinstance(value, Staged):
            unlink(value.path)


def _read_manifest(folder: Path) -> list[str]:
    """The names the previous run wrote, as far as they are plain names in this folder."""
    path = folder / MANIFEST
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode) or os.lstat(path).st_size > 1_000_000:
            return []
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeError):
        return []
    names = data.get("files") if isinstance(data, dict) and data.get("tool") == "auditor" else None
    if not isinstance(names, list):
        return []
    return [n for n in names if isinstance(n, str) and n and "/" not in n and "\x00" not in n and n not in (".", "..")
            and not n.startswith(".")]


def _write_manifest(folder: Path, names: list[str], kind: str, mode: int) -> None:
    text = json.dumps({"tool": "auditor", "format": 1, "kind": kind, "files": sorted(set(names))}, ensure_ascii=False, indent=1) + "\n"
    tmp = _stage(folder, text, mode)
    os.replace(tmp, folder / MANIFEST)


def write_set(files: dict[str, str | bytes | Staged], out_dir: str, protect: tuple[str, ...] = (), replace: bool = True,
              kind: str = "audit") -> list[str]:
    """Write ``files`` (name -> text, bytes or a :class:`Staged` temporary) into ``out_dir`` — every one or none —
    and, with ``replace``, remove what the previous run listed in its manifest and this set does not hold.
    Returns the paths written. Staged temporaries not renamed into place are removed, whatever happens."""
    try:
        with holding(out_dir, kind) as entry:
            return _write(entry, files, out_dir, protect, replace, kind)
    finally:
        discard(files)  # the ones renamed into place are no longer there


@contextlib.contextmanager
def holding(out_dir: str, kind: str = "audit"):
    """The folder claimed for the block: by the command already (then kept), or here and released after it."""
    own = not is_claimed(out_dir)
    entry = claim(out_dir, kind)
    try:
        yield entry
    finally:
        if own:
            release_folder(out_dir)


def _write(entry: Claim, files: dict[str, str | bytes], out_dir: str, protect: tuple[str, ...], replace: bool,
           kind: str) -> list[str]:
    folder = Path(out_dir)
    protected = {os.path.realpath(p) for p in protect}
    targets = _targets(folder, sorted(files), protected)
    mode = 0o666 & ~umask()
    previous = _read_manifest(folder) if replace else []
    staged: list[tuple[str, Path]] = []
    backups: dict[Path, str] = {}
    done: list[Path] = []
    listed = False
    try:
        for name, target in targets:
            value = files[name]
            if isinstance(value, Staged):
                if os.path.dirname(os.path.realpath(value.path)) != os.path.realpath(folder):
                    raise RuntimeError(f"{value.path} was not staged in {folder}")  # a bug, never the user's
                staged.append((value.path, target))
                continue
            try:
                staged.append((_stage(folder, value, mode), target))
            except OSError as exc:
                raise refuse(str(target), "U-OUT", msg("out.cannot-write", reason=reason(exc))) from None
        if replace:
            _write_manifest(folder, previous + list(files), kind, mode)  # a run killed from here on leaves all listed
            listed = True
        for _tmp, target in staged:  # the files about to be replaced, kept until every rename is done
            if os.path.lexists(target):
                backup = os.path.join(folder, f"{TEMP_PREFIX}{os.urandom(6).hex()[:8]}{TEMP_SUFFIX}")
                try:
                    os.link(target, backup, follow_symlinks=False)
                    backups[target] = backup
                except OSError:
                    pass
        while staged:
            tmp, target = staged[0]
            os.replace(tmp, target)
            staged.pop(0)
            done.append(target)
    except BaseException:
        for target in reversed(done):  # put back what was replaced: all or nothing
            try:
                if target in backups:
                    os.replace(backups.pop(target), target)
                else:
                    os.unlink(target)
            except OSError:
                pass
        if listed:  # the files are the previous ones again: so is the manifest
            try:
                _write_manifest(folder, previous, kind, mode)
            except OSError:
                pass
        raise
    finally:
        for tmp, _target in staged:
            unlink(tmp)
        for backup in backups.values():
            unlink(backup)
    entry.written = True
    if replace:
        keep = set(files)
        for name in previous:
            if name in keep:
                continue
            target = folder / name
            try:
                if stat.S_ISREG(os.lstat(target).st_mode) and os.path.realpath(target) not in protected:
                    os.unlink(target)
            except OSError:
                pass
        _write_manifest(folder, list(files), kind, mode)
    return [str(target) for target in done]

