-- The Merkle tree over the audit events (RFC 9162 section 2.1) and the signed checkpoints of it.
-- Portable part (TEXT and BIGINT only); the same text opens the SQLite and the PostgreSQL version of this
-- migration, which differ only in the triggers that make the audit tables append-only.

-- Every complete subtree of the tree: id = level * 2^40 + index (leaves are level 0, index = seq - 1),
-- hash = its RFC 9162 hash in hex. Proofs read about 2 log2(n) of these by primary key.
CREATE TABLE audit_tree (
    id BIGINT PRIMARY KEY,
    hash TEXT NOT NULL
);

-- How many events the tree holds (equal to audit_head.seq once the service has started).
ALTER TABLE audit_head ADD COLUMN tree_size BIGINT NOT NULL DEFAULT 0;

-- Every signed checkpoint ever made: a C2SP tlog-checkpoint signed note committing to (size, root).
CREATE TABLE audit_checkpoints (
    id BIGINT PRIMARY KEY,
    size BIGINT NOT NULL,
    root TEXT NOT NULL,
    at TEXT NOT NULL,
    key_id TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_size ON audit_checkpoints(size);

CREATE INDEX audit_actor ON audit_events(actor);
CREATE INDEX audit_action ON audit_events(action);
CREATE INDEX audit_at ON audit_events(at);

-- Append-only: the database itself refuses to change, remove or truncate audit rows (PostgreSQL).
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_tree_append_only BEFORE UPDATE OR DELETE ON audit_tree
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_tree_no_truncate BEFORE TRUNCATE ON audit_tree
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
