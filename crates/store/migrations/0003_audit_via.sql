-- The credential (API token or session id) an audited change was made with; NULL for the service itself and
-- the shell. Hashed into the chain only when present, so events written before this column verify unchanged.
ALTER TABLE audit_events ADD COLUMN via TEXT;
