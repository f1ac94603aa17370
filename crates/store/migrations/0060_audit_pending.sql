-- Writers no longer serialise on the audit head (issue 16). A writing transaction inserts its audit events
-- here, unsequenced, with the change; the sequencer (`Store::sequence_audit`, run by `serve` every few
-- hundred milliseconds and before every read of the log) moves them into `audit_events` in key order,
-- assigning sequence numbers, chain hashes and Merkle leaves under the head's lock, and deletes them here in
-- the same transaction. `id` orders the events: the writing transaction's time in microseconds (hex, fixed
-- width), a random part, and the event's index within the transaction.
CREATE TABLE audit_pending (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    reason TEXT,
    via TEXT
);

-- Named locks for what must still be serialised: a row per name, taken by upserting it (the row lock lasts
-- until the transaction ends). `global` is `Tx::lock_writes`; reference counters and the decision facts'
-- sequence take their own, so unrelated writers do not wait for each other.
CREATE TABLE write_locks (
    name TEXT PRIMARY KEY,
    n BIGINT NOT NULL
);
