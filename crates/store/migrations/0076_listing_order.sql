-- Listings driven by their most selective index (issue 16, measured with 100,000 cases): a tag filter was
-- `id IN (SELECT record_id FROM record_tags ...)` beside an ordered scan of `records`, which SQLite answers by
-- reading the whole tag list first (or every case, for a tag on none); "my cases" had no index on the assignee,
-- and an exporter's listing none in order within its organisation. Each tag row now carries its record's
-- creation time, so that the records of KIND carrying TAG are read from `record_tags` already in listing order
-- (created_at, id) and a page stops after its last row; a record's creation time never changes.
ALTER TABLE record_tags ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
UPDATE record_tags SET created_at = COALESCE(
    (SELECT r.created_at FROM records r WHERE r.id = record_tags.record_id), '');
CREATE INDEX record_tags_order ON record_tags(kind, tag, created_at, record_id);
CREATE INDEX records_kind_assigned ON records(kind, assigned_to, created_at, id);
-- An exporter's listing (its organisation's records) in listing order; it replaces (kind, org_id).
CREATE INDEX records_kind_org_created ON records(kind, org_id, created_at, id);
DROP INDEX records_kind_org;
