"""The output folder of a run: its name checked, created if need be and locked before any work (``writer``'s
first rule), released at the end; the names of our temporaries, and their removal.

:func:`claim` refuses an empty name, ``/``, a system folder or the home folder itself (``U-ARGS``), creates the
folder if need be and locks it (``flock`` on the folder itself, released by the kernel when the process ends, even
by ``kill -9``), so a second run writing to the same folder at the same time is refused with ``U-OUT`` instead of
mixing its files with the first's. A run that fails removes the folders it created (parents of --out included); a
temporary of ours left by a killed run (``.auditor-*.part``, and ``.tmp-*.part`` of earlier versions) is removed
by the next run that claims the folder. :func:`refuse_input_folders` keeps the folder away from the run's inputs
(``U-OUT``): never a folder read from, nor inside one, nor the folder of a file given.
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import Problem, UsageError, excerpt
from auditor.texts import Msg, msg, os_reason

TEMP_PREFIX, TEMP_SUFFIX = ".auditor-", ".part"
_OUR_TEMPORARIES = re.compile(r"\.auditor-[A-Za-z0-9_]{8}\.part|\.tmp-[A-Za-z0-9_]{8}\.part")
# folders no report belongs in: the root and the system's own (their subfolders too, but for /tmp-like ones)
SYSTEM_FOLDERS = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run", "/sbin", "/sys",
                  "/usr", "/var/lib", "/var/log", "/var/cache", "/var/spool", "/var/mail", "/snap")


def umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def refuse(path: str, code: str, message: Msg) -> UsageError:
    return UsageError(Problem(excerpt(path, 200), 0, 0, code, message))


def check_folder_name(out: str) -> str:
    """The output folder's real path, or U-ARGS for an empty name, the root, a system folder or the home folder."""
    if not out or not out.strip():
        raise refuse("--out", "U-ARGS", msg("out.empty-name"))
    real = os.path.realpath(out)
    if real == "/":
        raise refuse(out, "U-ARGS", msg("out.root"))
    for system in SYSTEM_FOLDERS:
        if real == system or real.startswith(system + "/"):
            raise refuse(out, "U-ARGS", msg("out.system", folder=system))
    home = os.path.realpath(os.path.expanduser("~"))
    if home != "/" and real == home:
        raise refuse(out, "U-ARGS", msg("out.home"))
    return real


def _within(real: str, folder: str) -> bool:
    return real == folder or real.startswith(folder.rstrip("/") + "/")


def refuse_input_folders(out: str, read_folders=(), holding_files=()) -> None:
    """U-OUT when the output folder ``out`` would put the reports among the run's inputs.

    ``read_folders`` are folders whose files the run reads (a folder given as a submission, a ``--policies`` path and
    every pack in it, the waivers folder): ``out`` may be none of them nor lie inside one (a folder inside a
    submission folder is read as a submission when the folder's contents are named, ``audit subm/*``; one inside a
    folder of packs, as a pack). ``holding_files`` are files read where they are (a submission file given, the
    ``--settings`` file): ``out`` may not be the folder holding one. A folder above the inputs is allowed: reports go
    only into ``out`` itself, never into its subfolders. Compared by real path (links resolved); nothing is created.
    """
    real = os.path.realpath(out)
    folders = [(f, os.path.realpath(f)) for f in read_folders if f]
    same = [f for f, inputs in folders if real == inputs] + \
        [f for f in holding_files if f and real == os.path.dirname(os.path.realpath(f))]
    if same:  # the input named is the nearest: a pack before the folder of packs holding it
        raise refuse(out, "U-OUT", msg("out.input-folder", input=excerpt(same[0], 200)))
    for folder, inputs in folders:
        if _within(real, inputs):
            raise refuse(out, "U-OUT", msg("out.inside-input", input=excerpt(folder, 200)))


@dataclass
class Claim:
    """An output folder locked by this process."""

    path: str  # as given
    created: list  # the folders this run created, innermost first (removed again if nothing is written)
    fd: int
    written: bool = False
    kind: str = "audit"
    stale_removed: list = field(default_factory=list)


CLAIMS: dict[str, Claim] = {}


def claim(out: str, kind: str = "audit") -> Claim:
    """Check, create if need be, and lock the output folder ``out`` for this run (idempotent)."""
    real = check_folder_name(out)
    if real in CLAIMS:
        return CLAIMS[real]
    folder = Path(out)
    created: list[Path] = []
    try:
        missing = folder
        while not os.path.lexists(missing) and missing != missing.parent:
            created.append(missing)
            missing = missing.parent
        if created:
            folder.mkdir(parents=True)
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    except FileExistsError:
        _remove_folders(created)
        raise refuse(out, "U-OUT", msg("out.file-exists")) from None
    except (OSError, UnicodeError) as exc:
        _remove_folders(created)
        raise refuse(out, "U-OUT", msg("out.cannot-create", reason=reason(exc))) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        _remove_folders(created)
        raise refuse(out, "U-OUT", msg("out.busy")) from None
    entry = CLAIMS[real] = Claim(out, created, fd, kind=kind)
    entry.stale_removed = remove_own_temporaries(folder)
    return entry


def release() -> None:
    """Unlock every claimed folder; one this run created and did not write to is removed again."""
    for real in list(CLAIMS):
        _release(real)


def release_folder(out: str) -> None:
    real = os.path.realpath(out)
    if real in CLAIMS:
        _release(real)


def _release(real: str) -> None:
    entry = CLAIMS.pop(real)
    try:
        if entry.created and not entry.written:
            remove_own_temporaries(Path(entry.path))
            _remove_folders(entry.created)
    finally:
        os.close(entry.fd)


def _remove_folders(folders: list) -> None:
    """Folders this run created (innermost first), as long as they are empty: nothing is left outside --out."""
    for folder in folders:
        try:
            os.rmdir(folder)
        except OSError:
            return


def remove_own_temporaries(folder: Path) -> list[str]:
    """Temporaries of ours in ``folder`` (at a claim: left by a killed run, the lock says no run of ours is writing
    here now; after a failed render: this run's)."""
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if _OUR_TEMPORARIES.fullmatch(name):
            try:
                if stat.S_ISREG(os.lstat(folder / name).st_mode):
                    os.unlink(folder / name)
                    removed.append(name)
            except OSError:
                pass
    return removed


def reason(exc: BaseException) -> Msg | str:
    if isinstance(exc, UnicodeError):
        return msg("out.name-encoding")
    if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:
        return msg("out.name-too-long")
    if isinstance(exc, OSError) and exc.strerror:
        return os_reason(exc)
    return str(exc)


def is_claimed(out: str) -> bool:
    """Whether this run holds the folder ``out``."""
    return check_folder_name(out) in CLAIMS


def unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
