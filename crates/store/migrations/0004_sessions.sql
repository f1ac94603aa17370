-- Passwords (Argon2id PHC strings, salt included) and browser sessions. Portable SQL: TEXT and BIGINT only.
ALTER TABLE users ADD COLUMN password_hash TEXT;

-- A browser session: only the SHA-256 of its 256-bit secret is stored. A session ends at sign-out, at the
-- first of its idle and absolute expiry, and when its user's password changes or the user is disabled.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    secret_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    idle_expires_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
