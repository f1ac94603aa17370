-- The schema of each record's stored body (issue 16): a write stores the current schema of its kind, a read
-- upgrades an earlier one in order before decoding (`crates/store/src/kinds.rs`). Every row stored before this
-- migration is schema 1.
ALTER TABLE records ADD COLUMN body_schema BIGINT NOT NULL DEFAULT 1;
