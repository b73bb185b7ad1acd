"""A store that cannot be used is refused with a located D- code, exit 2, and left as it was (auditor/store/db.py)."""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3

import pytest

from auditor.cli import main
from auditor.errors import CODES
from auditor.store import db, schema

from recorded_rounds import POLICIES, ROOT

DADONG = os.path.join(ROOT, "fixtures", "shenyang-2022", "03-dd.yaml")


def audit(tmp_path, store: str) -> list[str]:
    return ["audit", DADONG, "--districts", "大东区", "--as-of", "2022-12-31", "--policies", POLICIES,
            "--engine", "reference", "--jobs", "1", "--out", str(tmp_path / "out"), "--db", store]


@pytest.fixture(scope="module")
def small_store(tmp_path_factory) -> bytes:
    """A real one-audit store's bytes."""
    folder = tmp_path_factory.mktemp("small")
    path = str(folder / "history.sqlite")
    assert main(audit(folder, path)) == 0
    with open(path, "rb") as handle:
        return handle.read()


def write(path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)


def text_file(path, store):
    write(path, "督导历史\n".encode() * 100)


def zip_file(path, store):
    write(path, b"PK\x03\x04" + bytes(200))


def foreign(path, store):
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE users (name TEXT)")
    connection.commit()
    connection.close()


def newer(path, store):
    write(path, store)
    connection = sqlite3.connect(path)
    connection.execute("INSERT INTO schema_version VALUES (?, '2030-01-01', 'auditor 9')", (schema.CURRENT + 1,))
    connection.commit()
    connection.close()


def truncated(path, store):
    write(path, store[:len(store) // 2])


def damaged_pages(path, store):
    middle = len(store) // 2 // 4096 * 4096
    write(path, store[:middle] + b"\xa5" * 8192 + store[middle + 8192:])


def damaged_schema(path, store):
    write(path, store[:100] + b"\x00\xff" * 2000 + store[4100:])


def short_header(path, store):
    write(path, store[:60])


def folder(path, store):
    os.mkdir(path)


def read_only(path, store):
    write(path, store)
    os.chmod(path, 0o444)


FAULTS = [  # (builder, code from audit, code from history or None when history reads it)
    (text_file, "D-NOT-STORE", "D-NOT-STORE"),
    (zip_file, "D-NOT-STORE", "D-NOT-STORE"),
    (foreign, "D-NOT-STORE", "D-NOT-STORE"),
    (newer, "D-NEWER", "D-NEWER"),
    (truncated, "D-CORRUPT", "D-CORRUPT"),
    (damaged_pages, "D-CORRUPT", None),
    (damaged_schema, "D-CORRUPT", "D-CORRUPT"),
    (short_header, "D-CORRUPT", "D-CORRUPT"),
    (folder, "D-NOT-STORE", "D-NOT-STORE"),
    (read_only, "D-READONLY", None),
]


def snapshot(folder) -> dict:
    out = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                out[name] = (hashlib.sha256(handle.read()).hexdigest(), os.stat(path).st_mtime_ns, os.stat(path).st_mode)
        else:
            out[name] = "folder"
    return out


@pytest.mark.parametrize("build, audit_code, history_code", FAULTS, ids=[f[0].__name__ for f in FAULTS])
def test_a_store_that_cannot_be_recorded_into_stops_the_audit_before_anything_is_written(
        tmp_path, capsys, small_store, build, audit_code, history_code):
    store = tmp_path / "history.sqlite"
    build(str(store), small_store)
    before = snapshot(tmp_path)
    assert main(audit(tmp_path, str(store))) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"{store}: {audit_code}: ") and len(err.splitlines()) == 1 and "Traceback" not in err
    assert out == ""
    assert snapshot(tmp_path) == before  # the store untouched, no -wal/-shm left, no output folder
    assert audit_code in CODES


@pytest.mark.parametrize("build, audit_code, history_code", FAULTS, ids=[f[0].__name__ for f in FAULTS])
def test_reading_commands_refuse_the_same_faults_or_read_without_writing(tmp_path, capsys, small_store, build,
                                                                          audit_code, history_code):
    store = tmp_path / "history.sqlite"
    build(str(store), small_store)
    before = snapshot(tmp_path)
    for command in (["history"], ["audits"], ["compare", "1", "1"]):
        code = main([*command, "--db", str(store)])
        out, err = capsys.readouterr()
        if history_code:
            assert code == 2 and err.startswith(f"{store}: {history_code}: ") and out == ""
        elif build is read_only:
            assert code == 0, err  # a read-only history can still be read
    assert snapshot(tmp_path) == before


def test_absent_and_empty_stores(tmp_path, capsys):
    absent = tmp_path / "none.sqlite"
    assert main(["audits", "--db", str(absent)]) == 2
    assert ": D-NONE: " in capsys.readouterr().err and not absent.exists()
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    assert main(["audits", "--db", str(empty)]) == 0
    assert "还没有记录审计" in capsys.readouterr().out and empty.read_bytes() == b""  # reading creates nothing
    assert main(audit(tmp_path, str(empty))) == 0  # an empty file becomes a store
    assert main(["audits", "--db", str(empty), "--format", "json"]) == 0
    assert '"audit": 1' in capsys.readouterr().out


def test_the_default_store_lives_inside_the_output_folder(tmp_path, capsys):
    """An audit writes nothing outside --out: its history is out/history.sqlite, which the writer never replaces."""
    out = tmp_path / "reports" / "out"
    argv = audit(tmp_path, "x")[:-2]
    argv[argv.index("--out") + 1] = str(out)
    assert main(argv) == 0
    assert (out / "history.sqlite").is_file() and sorted(p.name for p in tmp_path.rglob("*") if p.is_file() and p.parent != out) == []
    manifest = json.loads((out / ".auditor-manifest.json").read_text(encoding="utf-8"))
    assert "history.sqlite" not in manifest["files"]
    assert "已记入督导历史" in capsys.readouterr().out
    assert main(argv + ["--no-db"]) == 0  # --no-db records nothing (the same audit: nothing new either way)
    assert main(argv + ["--no-db", "--db", "x.sqlite"]) == 2
    assert ": U-ARGS: " in capsys.readouterr().err


@pytest.mark.parametrize("name", ["findings.json", "index.html", "x.sqlite"])
def test_a_report_may_not_overwrite_the_store(tmp_path, capsys, name):
    """Inside the output folder the history has one name, history.sqlite: the other names are the reports'."""
    argv = audit(tmp_path, str(tmp_path / "out" / name))
    assert main(argv) == 2
    assert ": U-OUT: " in capsys.readouterr().err and not (tmp_path / "out").exists()


def test_recording_never_deletes_truncates_or_replaces_the_store(tmp_path, small_store):
    path = tmp_path / "history.sqlite"
    write(path, small_store)
    inode = os.stat(path).st_ino
    assert main(audit(tmp_path, str(path))) == 0
    assert os.stat(path).st_ino == inode and os.path.getsize(path) >= len(small_store)


def test_a_writer_waits_then_gives_up_with_d_busy_and_the_store_unchanged(tmp_path, capsys, small_store, monkeypatch):
    path = tmp_path / "history.sqlite"
    write(path, small_store)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO schema_version VALUES (100, 'x', 'another writer')")
    monkeypatch.setattr(db, "BUSY_SECONDS", 0.3)
    argv = audit(tmp_path, str(path))
    argv[argv.index("--as-of") + 1] = "2023-06-30"  # another audit, so it has something to record
    assert main(argv) == 2
    assert ": D-BUSY: " in capsys.readouterr().err
    holder.execute("ROLLBACK")
    holder.close()
    with db.opened(str(path), write=False) as connection:
        assert connection.execute("SELECT count(*) FROM audits").fetchone()[0] == 1


def test_the_store_keeps_its_application_id_and_wal(tmp_path, small_store):
    path = tmp_path / "history.sqlite"
    write(path, small_store)
    assert db.inspect(str(path)) == schema.CURRENT
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()
