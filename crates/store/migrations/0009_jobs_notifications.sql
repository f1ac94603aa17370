-- Durable jobs (a transactional outbox): written in the transaction of the change that needs them, claimed by the
-- runner (FOR UPDATE SKIP LOCKED on PostgreSQL; inside the one writer on SQLite), retried with backoff, then
-- `failed`. States: pending, running (claimed until locked_until), done, failed.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at TEXT NOT NULL,
    last_error TEXT,
    locked_by TEXT,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX jobs_due ON jobs(state, run_at);

-- In-app notifications: one row per recipient, created in the transaction of the state change.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    event TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    reference TEXT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_user ON notifications(user_id, created_at, id);

-- Per-user delivery preferences (in-app is always on).
CREATE TABLE notification_preferences (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    email TEXT,
    email_enabled BIGINT NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

-- Organisations' webhook endpoints (Standard Webhooks) and the log of every delivery attempt.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX webhooks_org ON webhooks(org_id);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES webhooks(id),
    org_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    event TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    at TEXT NOT NULL,
    status_code BIGINT,
    error TEXT,
    outcome TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_org ON webhook_deliveries(org_id, at, id);
