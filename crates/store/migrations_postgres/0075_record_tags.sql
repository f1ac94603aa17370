-- Record tags in a table of their own (issue 16: queues and visibility by indexed lookup, not `LIKE` over the
-- comma-delimited `records.tags`). One row per (kind, tag, record): the primary key serves "the records of
-- KIND carrying TAG". `records.tags` stays as the record's own copy (read with the record); the store writes
-- both in the same transaction. SQLite and PostgreSQL differ only in how the backfill splits the text.
CREATE TABLE record_tags (
    kind TEXT NOT NULL,
    tag TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (kind, tag, record_id)
);
CREATE INDEX record_tags_record ON record_tags(record_id);

-- Backfill from ",a,b," texts.
INSERT INTO record_tags (kind, tag, record_id)
SELECT DISTINCT r.kind, t.tag, r.id
FROM records r, unnest(string_to_array(r.tags, ',')) AS t(tag)
WHERE r.tags <> '' AND t.tag <> '';
