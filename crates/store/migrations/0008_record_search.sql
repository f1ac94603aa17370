-- Derived search data for list filters: a lower-cased text of the names a record carries (parties of a case),
-- matched by substring, and an index serving keyset pagination in (created_at, id) order. Filled by the
-- application on every write and backfilled at start for records written before this column existed.
ALTER TABLE records ADD COLUMN search TEXT NOT NULL DEFAULT '';
CREATE INDEX records_kind_created ON records(kind, created_at, id);
