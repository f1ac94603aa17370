-- Screening hits leave the case body for a table of their own (issue 16; `crates/store/src/hits.rs`): found by a
-- background process, decided one at a time and queried across cases. One row per hit of a case: the columns
-- the queries use, and the whole hit as JSON. Migration 78 (per backend) backfills it from the case
-- bodies.
CREATE TABLE screening_hits (
    case_id TEXT NOT NULL,
    id TEXT NOT NULL,
    -- The hit's position among its case's hits.
    seq BIGINT NOT NULL,
    status TEXT NOT NULL,
    list TEXT NOT NULL,
    source_id TEXT NOT NULL,
    party_role TEXT NOT NULL,
    found_at TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (case_id, id)
);
CREATE INDEX screening_hits_case ON screening_hits(case_id, seq);
CREATE INDEX screening_hits_status ON screening_hits(status, found_at, case_id, id);
CREATE INDEX screening_hits_entry ON screening_hits(list, source_id, found_at, case_id, id);

