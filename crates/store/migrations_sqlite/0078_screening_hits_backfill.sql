-- Screening hits move out of the case bodies into `screening_hits` (migration 77; issue 16). SQLite and
-- PostgreSQL differ only in how they read the bodies' `screening` arrays.
-- Backfill from the case bodies, then take the hits out of them: a case body of schema 2 has no `screening`
-- (`store::kinds`, case 1 -> 2).
INSERT INTO screening_hits (case_id, id, seq, status, list, source_id, party_role, found_at, body)
SELECT r.id, json_extract(h.value, '$.id'), CAST(h.key AS INTEGER), json_extract(h.value, '$.status'),
       json_extract(h.value, '$.list'), json_extract(h.value, '$.source_id'),
       json_extract(h.value, '$.party_role'), json_extract(h.value, '$.found_at'), h.value
FROM records r, json_each(r.body, '$.screening') h
WHERE r.kind = 'case';
UPDATE records SET body = json_remove(body, '$.screening'), body_schema = 2 WHERE kind = 'case';
