"""Opening the audit history: checks before anything is written, WAL, the busy wait, migrations.

:func:`open_store` refuses, with a located ``D-`` problem (exit 2) and without
writing a byte, a path that is not a regular file, a file that is not SQLite,
an SQLite file that is not an audit history, a history written by a newer
version, a damaged one (``write=True`` runs SQLite's ``quick_check`` first) and,
when it is to be written, a read-only file or folder. Only then is a store
created (an absent or empty file) or migrated forward, in one transaction.
The tool never deletes, truncates or replaces a store file.

Writers use ``BEGIN IMMEDIATE`` on a WAL database with a busy timeout: two
audits recording at once both land, one after the other; a crash (even
``kill -9``) before ``COMMIT`` leaves the store as it was.
"""
from __future__ import annotations

import os
import sqlite3
import stat
from contextlib import contextmanager

from auditor import dates
from auditor.errors import InternalError, Problem, StoreError
from auditor.store import schema
from auditor.texts import Msg, msg, os_reason

BUSY_SECONDS = 60.0  # how long a writer waits for another writer before D-BUSY
HEADER = b"SQLite format 3\x00"
PROGRAM = "auditor"


def problem(path: str, code: str, key: str, lang: str = "zh", **values) -> StoreError:
    """A D- problem worded by message id ``store.<key>`` (in the language asked for when printed; ``lang`` is
    kept for the callers)."""
    return StoreError(Problem(path, 0, 0, code, msg(f"store.{key}", **values)))


def error_from(path: str, exc: sqlite3.Error, lang: str = "zh") -> StoreError:
    """A located D- problem for an error SQLite raised while using the store."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return problem(path, "D-BUSY", "busy", lang, seconds=f"{BUSY_SECONDS:.0f}")
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return problem(path, "D-READONLY", "readonly", lang, why=text)
    if name.startswith(("SQLITE_FULL", "SQLITE_IOERR")) or "disk is full" in text or "disk I/O error" in text:
        return problem(path, "D-READONLY", "readonly", lang, why=text)  # nothing was recorded: the disk refused the write
    if name.startswith("SQLITE_CANTOPEN"):
        return problem(path, "D-READONLY", "readonly", lang, why=text)
    return problem(path, "D-CORRUPT", "corrupt", lang, why=text)


def _writable(path: str) -> Msg | None:
    """Why ``path`` (a store file, existing or not) cannot be written, or None.

    A file without any write permission bit counts as read-only even for root,
    who could write it anyway: the owner marked it so."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.exists(path):
        mode = os.stat(path).st_mode
        if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
            return msg("store.readonly-file")
    if not os.access(folder, os.W_OK):
        return msg("store.readonly-folder-wal")
    return None


def inspect(path: str, lang: str = "zh") -> int:
    """The store version of the file at ``path``, reading only; 0 for an empty file or a store being created.

    Raises D-NONE, D-NOT-STORE, D-CORRUPT, D-NEWER."""
    if not os.path.lexists(path):
        raise problem(path, "D-NONE", "none", lang)
    if not os.path.isfile(path):
        raise problem(path, "D-NOT-STORE", "not-file", lang)
    try:
        with open(path, "rb") as handle:
            head = handle.read(100)
    except OSError as exc:
        raise problem(path, "D-READONLY", "readonly", lang, why=os_reason(exc) if exc.strerror else str(exc)) from None
    if not head:
        return 0
    if not head.startswith(HEADER):
        shown = head[:16].decode("ascii", "replace").encode("unicode_escape").decode("ascii")
        raise problem(path, "D-NOT-STORE", "not-sqlite", lang, head=f'"{shown}"')
    if len(head) < 100:
        raise problem(path, "D-CORRUPT", "corrupt", lang, why=msg("store.short", size=len(head)))
    try:
        connection = _raw(path, _writable(path) is None)
    except sqlite3.Error as exc:
        raise error_from(path, exc, lang) from None
    try:
        return _version(connection, path, lang)
    except sqlite3.Error as exc:
        raise error_from(path, exc, lang) from None
    finally:
        connection.close()


def _raw(path: str, writable: bool) -> sqlite3.Connection:
    """A connection that changes nothing by being opened: read-write when the file may be written (so that
    closing it removes SQLite's -wal and -shm files again), otherwise read-only and immutable (no -shm created)."""
    if writable:
        return sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
    return sqlite3.connect(f"file:{os.path.abspath(path)}?mode=ro&immutable=1", uri=True, isolation_level=None)


def _version(connection: sqlite3.Connection, path: str, lang: str) -> int:
    application = connection.execute("PRAGMA application_id").fetchone()[0]
    tables = sorted(r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    if application != schema.APPLICATION_ID:
        if not tables:
            return 0  # an empty database: ours to create
        raise problem(path, "D-NOT-STORE", "foreign", lang, tables=", ".join(tables[:6]) + (" …" if len(tables) > 6 else ""))
    if "schema_version" not in tables:
        raise problem(path, "D-CORRUPT", "corrupt", lang, why=msg("store.no-version-table"))
    found = connection.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0
    if found > schema.CURRENT:
        raise problem(path, "D-NEWER", "newer", lang, found=found, current=schema.CURRENT)
    missing = [t for t in schema.TABLES if t not in tables] if found == schema.CURRENT else []
    if missing:
        raise problem(path, "D-CORRUPT", "corrupt", lang, why=msg("store.table-gone", table=missing[0]))
    return found


def migrate(connection: sqlite3.Connection, found: int) -> None:
    """Apply the migrations after ``found`` in one transaction (all of them or none).

    The version is read again once the writer lock is held: another process may have created or
    migrated the store in the meantime."""
    if found >= schema.CURRENT:
        return
    now = dates.now().isoformat(timespec="seconds")
    connection.execute("BEGIN IMMEDIATE")
    try:
        if connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_version'").fetchone():
            found = connection.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
        for version in range(found + 1, schema.CURRENT + 1):
            for statement in _statements(schema.MIGRATIONS[version]):
                connection.execute(statement)
            connection.execute("INSERT INTO schema_version VALUES (?, ?, ?)", (version, now, PROGRAM))
        connection.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
        connection.execute("COMMIT")
    except BaseException:
        _rollback(connection)
        raise


def _rollback(connection: sqlite3.Connection) -> None:
    """ROLLBACK, unless SQLite has already rolled back (it does after SQLITE_FULL and some I/O errors, and an
    explicit ROLLBACK would then raise and hide the error that matters)."""
    if connection.in_transaction:
        connection.execute("ROLLBACK")


def _statements(script: str) -> list[str]:
    """A migration script split into statements (sqlite3.complete_statement decides where one ends)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        if not current and (not line.strip() or line.lstrip().startswith("--")):
            continue
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    if current.strip():
        out.append(current.strip())
    return out


def connect(path: str, *, write: bool, lang: str = "zh", check: bool = True) -> sqlite3.Connection:
    """A connection to the store at ``path`` (created when ``write`` and absent or empty).

    Nothing is written unless every check passed. ``check``: run ``quick_check`` before writing."""
    if write and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        try:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        except OSError as exc:
            raise problem(path, "D-READONLY", "readonly", lang, why=os_reason(exc) if exc.strerror else str(exc)) from None
    if write and not os.path.lexists(path):
        found = 0
    else:
        found = inspect(path, lang)
    reason = _writable(path)
    if write and reason:
        raise problem(path, "D-READONLY", "readonly", lang, why=reason)
    if not write and found < schema.CURRENT and reason:
        if found == 0:
            return _empty_reader()
        raise problem(path, "D-READONLY", "migrate-readonly", lang, found=found, current=schema.CURRENT)
    try:
        connection = _raw(path, not reason)
    except sqlite3.Error as exc:
        raise error_from(path, exc, lang) from None
    try:
        if write and check and found:
            rows = [r[0] for r in connection.execute("PRAGMA quick_check(3)")]
            if rows != ["ok"]:
                raise problem(path, "D-CORRUPT", "corrupt", lang, why="; ".join(rows))
        if found < schema.CURRENT:
            if not write and found == 0:
                connection.close()
                return _empty_reader()
            try:
                migrate(connection, found)
            except sqlite3.Error as exc:  # our migration is wrong, not the user's file: it was rolled back
                if error_from(path, exc, lang).codes == ["D-READONLY"]:  # a full disk or an I/O error: the file's, not ours
                    raise error_from(path, exc, lang) from None
                raise InternalError(Problem(path, 0, 0, "I-BUG", msg("store.migrate-bug", found=found, current=schema.CURRENT,
                                                                        error=exc))) from None
        if write:
            connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA foreign_keys = ON")
        return connection
    except (StoreError, InternalError):
        connection.close()
        raise
    except sqlite3.Error as exc:
        connection.close()
        raise error_from(path, exc, lang) from None


def _empty_reader() -> sqlite3.Connection:
    """An empty history, for reading commands given an empty file: nothing is created on disk."""
    connection = sqlite3.connect(":memory:", isolation_level=None)
    migrate(connection, 0)
    return connection


@contextmanager
def opened(path: str, *, write: bool, lang: str = "zh", check: bool = True):
    """``with opened(path, write=...) as connection:`` — any SQLite error becomes a located D- problem."""
    connection = connect(path, write=write, lang=lang, check=check)
    try:
        yield connection
    except sqlite3.Error as exc:
        raise error_from(path, exc, lang) from None
    finally:
        connection.close()


@contextmanager
def transaction(connection: sqlite3.Connection):
    """BEGIN IMMEDIATE … COMMIT: the writer lock is taken first (waiting for another writer), all or nothing."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        _rollback(connection)
        raise
    connection.execute("COMMIT")


@contextmanager
def created_by_this_run(path: str):
    """``with created_by_this_run(path):`` — if the store at ``path`` did not exist before and the body fails, the
    files SQLite made for it (the store, its -wal and -shm) are removed: they hold no audit, and a failed run leaves
    nothing behind. An existing store is never removed, truncated or replaced."""
    existed = os.path.lexists(path)
    try:
        yield
    except BaseException:
        if not existed:
            for name in (path, path + "-wal", path + "-shm", path + "-journal"):
                try:
                    if os.path.isfile(name) and not os.path.islink(name):
                        os.unlink(name)
                except OSError:
                    pass
        raise


def preflight(path: str, lang: str = "zh") -> None:
    """Before an audit runs: the store at ``path`` can be recorded into (nothing is created or changed).

    An absent file needs a writable folder; an existing one must be a store of this or an earlier
    version, pass ``quick_check`` and be writable."""
    folder = os.path.dirname(os.path.abspath(path))
    while not os.path.isdir(folder):  # created when the audit is recorded, as --out is
        if os.path.lexists(folder) or os.path.dirname(folder) == folder:
            raise problem(path, "D-READONLY", "folder", lang)
        folder = os.path.dirname(folder)
    if os.path.lexists(path):
        reason = _writable(path) if os.path.isfile(path) else None
        found = inspect(path, lang)
        if reason:
            raise problem(path, "D-READONLY", "readonly", lang, why=reason)
        if found:
            try:
                connection = _raw(path, True)
                try:
                    rows = [r[0] for r in connection.execute("PRAGMA quick_check(3)")]
                finally:
                    connection.close()
            except sqlite3.Error as exc:
                raise error_from(path, exc, lang) from None
            if rows != ["ok"]:
                raise problem(path, "D-CORRUPT", "corrupt", lang, why="; ".join(rows))
    elif not os.access(folder, os.W_OK):
        raise problem(path, "D-READONLY", "readonly", lang, why=msg("store.readonly-folder"))
