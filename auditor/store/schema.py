"""The store's tables, its version, and the forward migrations that reach the current version.

A store records its version in the ``schema_version`` table (one row per
migration applied, the highest is the version) and marks itself as an audit
store with ``PRAGMA application_id``. ``MIGRATIONS[n]`` turns a version ``n - 1``
store into a version ``n`` one; version 0 is an empty file. A migration is
never edited once released: a change to the tables is a new migration, and
``tests/store/schema/v<n>.sql`` keeps the schema each version had so the test
suite can build a store of every earlier version and open it with this code.
"""
from __future__ import annotations

APPLICATION_ID = 0x41554454  # "AUDT": set on every store this program creates
CURRENT = 1

V1 = """
CREATE TABLE schema_version (
    version     INTEGER PRIMARY KEY,
    migrated_at TEXT NOT NULL,
    program     TEXT NOT NULL
);
-- the policy files' content, once per distinct content
CREATE TABLE policy_files (
    sha256  TEXT PRIMARY KEY,
    content BLOB NOT NULL
);
-- one recorded audit; identity = sha256 of (as_of, policy-set hash, expected districts, submission hashes)
CREATE TABLE audits (
    id          INTEGER PRIMARY KEY,
    as_of       TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    policy_hash TEXT NOT NULL,
    engine      TEXT NOT NULL,
    plan        TEXT NOT NULL,
    format      TEXT NOT NULL,
    districts   TEXT NOT NULL,
    identity    TEXT NOT NULL UNIQUE,
    info        TEXT NOT NULL
);
CREATE INDEX audits_as_of ON audits (as_of, id);
CREATE TABLE audit_policies (
    audit_id INTEGER NOT NULL REFERENCES audits (id),
    name     TEXT NOT NULL,
    sha256   TEXT NOT NULL REFERENCES policy_files (sha256),
    PRIMARY KEY (audit_id, name)
);
-- each check as the audit's policies defined it; definition = sha256 of what decides a verdict
CREATE TABLE check_defs (
    audit_id   INTEGER NOT NULL REFERENCES audits (id),
    check_id   TEXT NOT NULL,
    policy     TEXT NOT NULL,
    clause     TEXT NOT NULL,
    title      TEXT NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (audit_id, check_id)
);
-- a district's submission as received: one row per distinct content per round (as_of)
CREATE TABLE submissions (
    id          INTEGER PRIMARY KEY,
    district    TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    files       TEXT NOT NULL,
    version     INTEGER NOT NULL,
    first_audit INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (district, as_of, sha256),
    UNIQUE (district, as_of, version)
);
-- which districts an audit covered, from which submission (NULL: nothing received), and which
-- records it held (zlib-compressed, newline-separated finding items) to tell a fix from an absence
CREATE TABLE audit_districts (
    audit_id      INTEGER NOT NULL REFERENCES audits (id),
    district      TEXT NOT NULL,
    submission_id INTEGER REFERENCES submissions (id),
    items         BLOB NOT NULL,
    PRIMARY KEY (audit_id, district)
);
CREATE TABLE verdicts (
    audit_id INTEGER NOT NULL REFERENCES audits (id),
    district TEXT NOT NULL,
    check_id TEXT NOT NULL,
    status   TEXT NOT NULL,
    data     TEXT NOT NULL,
    PRIMARY KEY (audit_id, district, check_id)
);
CREATE INDEX verdicts_district ON verdicts (district, check_id);
-- a finding's stable identity across audits: (district, check, item)
CREATE TABLE findings (
    id       INTEGER PRIMARY KEY,
    district TEXT NOT NULL,
    check_id TEXT NOT NULL,
    item     TEXT NOT NULL,
    UNIQUE (district, check_id, item)
);
-- the evidence a verdict gave for a finding in one audit
CREATE TABLE evidence (
    audit_id   INTEGER NOT NULL REFERENCES audits (id),
    finding_id INTEGER NOT NULL REFERENCES findings (id),
    position   INTEGER NOT NULL,
    problem    TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (audit_id, finding_id)
);
CREATE INDEX evidence_finding ON evidence (finding_id);
CREATE TABLE notices (
    id       INTEGER PRIMARY KEY,
    audit_id INTEGER NOT NULL REFERENCES audits (id),
    district TEXT NOT NULL,
    number   TEXT NOT NULL UNIQUE,
    issued   TEXT NOT NULL,
    deadline TEXT NOT NULL,
    UNIQUE (audit_id, district)
);
CREATE TABLE notice_items (
    notice_id  INTEGER NOT NULL REFERENCES notices (id),
    finding_id INTEGER NOT NULL REFERENCES findings (id),
    check_id   TEXT NOT NULL,
    problem    TEXT NOT NULL,
    PRIMARY KEY (notice_id, finding_id)
);
CREATE INDEX notice_items_finding ON notice_items (finding_id);
"""

# version -> the SQL that turns the version before it into this one. Append; never edit.
MIGRATIONS: dict[int, str] = {1: V1}

TABLES = ("schema_version", "policy_files", "audits", "audit_policies", "check_defs", "submissions",
          "audit_districts", "verdicts", "findings", "evidence", "notices", "notice_items")
