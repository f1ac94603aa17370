-- Screening hits move out of the case bodies into `screening_hits` (migration 77; issue 16). SQLite and
-- PostgreSQL differ only in how they read the bodies' `screening` arrays.
-- Backfill from the case bodies, then take the hits out of them: a case body of schema 2 has no `screening`
-- (`store::kinds`, case 1 -> 2).
INSERT INTO screening_hits (case_id, id, seq, status, list, source_id, party_role, found_at, body)
SELECT r.id, h.value ->> 'id', h.ord - 1, h.value ->> 'status', h.value ->> 'list', h.value ->> 'source_id',
       h.value ->> 'party_role', h.value ->> 'found_at', h.value::text
FROM records r, jsonb_array_elements(r.body::jsonb -> 'screening') WITH ORDINALITY AS h(value, ord)
WHERE r.kind = 'case' AND jsonb_typeof(r.body::jsonb -> 'screening') = 'array';
UPDATE records SET body = (body::jsonb - 'screening')::text, body_schema = 2 WHERE kind = 'case';
