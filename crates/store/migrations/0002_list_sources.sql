-- List versions are keyed by source (the publisher's list: ofac-sdn, ofac-non-sdn, us-csl-el, un-sc, ...), not by
-- file format: one format can carry several sources. Rows imported before keep their format as source, except
-- for the single-source formats, whose source is known.
ALTER TABLE list_versions ADD COLUMN source TEXT NOT NULL DEFAULT '';
UPDATE list_versions SET source = CASE format
    WHEN 'un-sc-xml' THEN 'un-sc'
    WHEN 'bis-dpl' THEN 'bis-dpl'
    WHEN 'eu-fsf-xml' THEN 'eu-fsf'
    WHEN 'uk-sanctions' THEN 'uk'
    ELSE format END;
CREATE INDEX list_versions_source ON list_versions(source, active);
