-- The tables of an audit history at store version 1, as SQLite holds them (sqlite_master). Frozen:
-- tests/store/test_store_schema.py checks that the migrations still build exactly this.
CREATE TABLE audit_districts (
    audit_id      INTEGER NOT NULL REFERENCES audits (id),
    district      TEXT NOT NULL,
    submission_id INTEGER REFERENCES submissions (id),
    items         BLOB NOT NULL,
    PRIMARY KEY (audit_id, district)
);
CREATE TABLE audit_policies (
    audit_id INTEGER NOT NULL REFERENCES audits (id),
    name     TEXT NOT NULL,
    sha256   TEXT NOT NULL REFERENCES policy_files (sha256),
    PRIMARY KEY (audit_id, name)
);
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
CREATE TABLE check_defs (
    audit_id   INTEGER NOT NULL REFERENCES audits (id),
    check_id   TEXT NOT NULL,
    policy     TEXT NOT NULL,
    clause     TEXT NOT NULL,
    title      TEXT NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (audit_id, check_id)
);
CREATE TABLE evidence (
    audit_id   INTEGER NOT NULL REFERENCES audits (id),
    finding_id INTEGER NOT NULL REFERENCES findings (id),
    position   INTEGER NOT NULL,
    problem    TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (audit_id, finding_id)
);
CREATE TABLE findings (
    id       INTEGER PRIMARY KEY,
    district TEXT NOT NULL,
    check_id TEXT NOT NULL,
    item     TEXT NOT NULL,
    UNIQUE (district, check_id, item)
);
CREATE TABLE notice_items (
    notice_id  INTEGER NOT NULL REFERENCES notices (id),
    finding_id INTEGER NOT NULL REFERENCES findings (id),
    check_id   TEXT NOT NULL,
    problem    TEXT NOT NULL,
    PRIMARY KEY (notice_id, finding_id)
);
CREATE TABLE notices (
    id       INTEGER PRIMARY KEY,
    audit_id INTEGER NOT NULL REFERENCES audits (id),
    district TEXT NOT NULL,
    number   TEXT NOT NULL UNIQUE,
    issued   TEXT NOT NULL,
    deadline TEXT NOT NULL,
    UNIQUE (audit_id, district)
);
CREATE TABLE policy_files (
    sha256  TEXT PRIMARY KEY,
    content BLOB NOT NULL
);
CREATE TABLE schema_version (
    version     INTEGER PRIMARY KEY,
    migrated_at TEXT NOT NULL,
    program     TEXT NOT NULL
);
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
CREATE TABLE verdicts (
    audit_id INTEGER NOT NULL REFERENCES audits (id),
    district TEXT NOT NULL,
    check_id TEXT NOT NULL,
    status   TEXT NOT NULL,
    data     TEXT NOT NULL,
    PRIMARY KEY (audit_id, district, check_id)
);
CREATE INDEX audits_as_of ON audits (as_of, id);
CREATE INDEX evidence_finding ON evidence (finding_id);
CREATE INDEX notice_items_finding ON notice_items (finding_id);
CREATE INDEX verdicts_district ON verdicts (district, check_id);
