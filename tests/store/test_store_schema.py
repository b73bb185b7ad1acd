"""The store's version table and forward migrations (auditor/store/schema.py, db.migrate).

tests/store/schema/v<n>.sql is the schema of store version n as SQLite holds it, and
v<n>-data.sql a store's content written at that version; both are frozen when version n is
released. A change to the tables is a new migration, never an edit of an old one: the first
test fails otherwise, and the second proves that a file of every earlier version still opens
(and reads) under the current code.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3

import pytest

from auditor.cli import main
from auditor.errors import InternalError, StoreError
from auditor.store import db, history, schema

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema")
VERSIONS = list(range(1, schema.CURRENT + 1))


def frozen(name: str) -> str:
    with open(os.path.join(HERE, name), encoding="utf-8") as handle:
        return handle.read()


def tables(connection) -> list[str]:
    return [sql for (sql,) in connection.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name != 'sqlite_sequence' ORDER BY type DESC, name")]


def statements(text: str) -> list[str]:
    return [s for s in db._statements(text)]


@pytest.mark.parametrize("version", VERSIONS)
def test_the_migrations_build_exactly_each_frozen_schema(version, monkeypatch):
    monkeypatch.setattr(schema, "CURRENT", version)
    connection = sqlite3.connect(":memory:", isolation_level=None)
    db.migrate(connection, 0)
    assert [s + ";" for s in tables(connection)] == statements(frozen(f"v{version}.sql"))
    assert connection.execute("SELECT max(version) FROM schema_version").fetchone()[0] == version


def old_store(path: str, version: int) -> None:
    """A store file exactly as version ``version`` wrote it: its frozen schema and content."""
    connection = sqlite3.connect(path, isolation_level=None)
    for statement in statements(frozen(f"v{version}.sql")) + statements(frozen(f"v{version}-data.sql")):
        connection.execute(statement)
    connection.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    connection.close()


@pytest.mark.parametrize("version", VERSIONS)
def test_a_store_of_every_earlier_version_opens_and_reads_under_the_current_code(tmp_path, capsys, version):
    path = str(tmp_path / f"v{version}.sqlite")
    old_store(path, version)
    assert db.inspect(path) == version
    with db.opened(path, write=False) as connection:  # migrated forward when opened
        assert connection.execute("SELECT max(version) FROM schema_version").fetchone()[0] == schema.CURRENT
        data = history.history(connection)
        audits = history.audits(connection)["audits"]
    assert [(a["as_of"], [n["number"] for n in a["notices"]]) for a in audits] == [
        ("2021-12-31", ["沈教督〔2022〕1号"]), ("2022-12-31", [])]
    [finding] = data["findings"]
    assert (finding["district"], finding["check"], finding["item"], finding["state"]) == (
        "大东区", "tiny.56", "class:DD001/2-1", "rectified")
    assert finding["notices"][0]["deadline"] == "2022-02-09"
    assert main(["history", "--db", path]) == 0 and "已整改" in capsys.readouterr().out


def digest(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_a_migration_that_fails_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    path = str(tmp_path / "v1.sqlite")
    old_store(path, 1)
    before = digest(path)
    monkeypatch.setattr(schema, "MIGRATIONS", {**schema.MIGRATIONS, 2: "ALTER TABLE audits ADD COLUMN note TEXT;\nINSERT INTO nowhere VALUES (1);"})
    monkeypatch.setattr(schema, "CURRENT", 2)
    with pytest.raises(InternalError) as caught:
        db.connect(path, write=True)
    assert caught.value.codes == ["I-BUG"] and "unchanged" in str(caught.value)
    assert digest(path) == before and sorted(os.listdir(tmp_path)) == ["v1.sqlite"]
    monkeypatch.setattr(schema, "CURRENT", 1)
    assert db.inspect(path) == 1


def test_a_migration_is_applied_once_in_order_and_recorded(tmp_path, monkeypatch):
    path = str(tmp_path / "v1.sqlite")
    old_store(path, 1)
    monkeypatch.setattr(schema, "MIGRATIONS", {**schema.MIGRATIONS, 2: "ALTER TABLE audits ADD COLUMN note TEXT;"})
    monkeypatch.setattr(schema, "CURRENT", 2)
    with db.opened(path, write=True) as connection:
        assert [r[0] for r in connection.execute("SELECT version FROM schema_version ORDER BY version")] == [1, 2]
        assert "note" in [r[1] for r in connection.execute("PRAGMA table_info(audits)")]
        assert connection.execute("SELECT count(*) FROM audits").fetchone()[0] == 2
    with db.opened(path, write=True):  # nothing to do the second time
        pass
    monkeypatch.setattr(schema, "CURRENT", 1)  # this program again, facing the newer file
    with pytest.raises(StoreError) as caught:
        db.inspect(path)
    assert caught.value.codes == ["D-NEWER"]


def test_an_older_read_only_store_is_not_migrated_by_a_reading_command(tmp_path, monkeypatch):
    path = str(tmp_path / "v1.sqlite")
    old_store(path, 1)
    os.chmod(path, 0o444)
    before = digest(path)
    monkeypatch.setattr(schema, "MIGRATIONS", {**schema.MIGRATIONS, 2: "ALTER TABLE audits ADD COLUMN note TEXT;"})
    monkeypatch.setattr(schema, "CURRENT", 2)
    with pytest.raises(StoreError) as caught:
        db.connect(path, write=False)
    assert caught.value.codes == ["D-READONLY"] and digest(path) == before
