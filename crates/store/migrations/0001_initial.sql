-- Portable SQL: runs unchanged on SQLite and PostgreSQL (TEXT, BIGINT only; timestamps are RFC 3339 UTC text).
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    review_kind TEXT,
    org_id TEXT,
    created_at TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX tokens_user ON tokens(user_id);

-- Every business record (organisation, registration, product, case, exemption, screening hit, ...) is a
-- versioned JSON document with the columns that queries filter on.
CREATE TABLE records (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    org_id TEXT,
    state TEXT NOT NULL,
    reference TEXT,
    assigned_to TEXT,
    tags TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX records_kind_org ON records(kind, org_id);
CREATE INDEX records_kind_state ON records(kind, state);
CREATE UNIQUE INDEX records_reference ON records(kind, reference);

-- Append-only audit log with a hash chain; the application only ever inserts here.
CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_record ON audit_events(record_id);

-- The head of the audit chain: one row, updated in every writing transaction (serialises writers).
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Imported sanctions-list versions: the whole parsed snapshot as JSON, one row per import.
CREATE TABLE list_versions (
    id TEXT PRIMARY KEY,
    format TEXT NOT NULL,
    version TEXT NOT NULL,
    record_count BIGINT NOT NULL,
    published TEXT,
    imported_at TEXT NOT NULL,
    active BIGINT NOT NULL,
    snapshot TEXT NOT NULL
);
CREATE INDEX list_versions_format ON list_versions(format, active);
