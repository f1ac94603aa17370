-- Decision facts (issue 11): what statistics are computed from. Append-only: a correction or an exclusion from
-- statistics is a new row that supersedes the case's previous one, and both stay. Written in the transaction
-- of the outcome (issue, refusal, withdrawal), after the audit-head lock, so seq is the next number.
CREATE TABLE decision_facts (
    seq BIGINT PRIMARY KEY,
    case_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    supersedes BIGINT,
    reason TEXT,
    body TEXT NOT NULL
);
CREATE INDEX decision_facts_case ON decision_facts(case_id, seq);
CREATE INDEX decision_facts_recorded ON decision_facts(recorded_at);
