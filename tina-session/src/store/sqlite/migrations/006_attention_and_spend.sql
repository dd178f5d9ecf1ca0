-- Attention and spend (issue 18): transcript usage, budgets, attention events.

-- How far each transcript's usage has been recorded (bytes past the last complete line).
CREATE TABLE transcript_offsets (
    path       TEXT PRIMARY KEY,
    offset     INTEGER NOT NULL CHECK (offset >= 0),
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Every assistant message counted, so a line read twice (after a restart, a lost
-- offset, or the repeated lines of one streamed message) is counted once.
CREATE TABLE usage_messages (
    message_key TEXT PRIMARY KEY,
    team_id     TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX usage_messages_by_team ON usage_messages (team_id);

-- Usage summed per (team, session, member, model), kept in the same transaction.
CREATE TABLE usage_totals (
    team_id           TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    orchestration_id  TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    session_id        TEXT NOT NULL,
    agent_name        TEXT NOT NULL,
    model             TEXT NOT NULL,
    input_tokens      INTEGER NOT NULL,
    output_tokens     INTEGER NOT NULL,
    cache_creation_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    messages          INTEGER NOT NULL,
    unpriced_messages INTEGER NOT NULL,
    cost_micros       INTEGER NOT NULL,
    PRIMARY KEY (team_id, session_id, agent_name, model)
) WITHOUT ROWID;
CREATE INDEX usage_totals_by_orchestration ON usage_totals (orchestration_id);

-- Budgets: scope 0 is the whole orchestration, N > 0 is phase N.
CREATE TABLE budgets (
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    scope            INTEGER NOT NULL CHECK (scope >= 0),
    usd_micros       INTEGER NOT NULL CHECK (usd_micros >= 0),
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (orchestration_id, scope)
) WITHOUT ROWID;

-- Attention events: id derived from what the event is about, so it is recorded and
-- delivered once.
CREATE TABLE attention_events (
    id               TEXT PRIMARY KEY,
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    team_id          TEXT,
    phase_number     INTEGER,
    session_id       TEXT,
    agent_name       TEXT,
    message          TEXT NOT NULL,
    detail           TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    cleared_at       INTEGER,
    delivered_at     INTEGER
);
CREATE INDEX attention_events_by_orchestration ON attention_events (orchestration_id, created_at);
CREATE INDEX attention_events_undelivered ON attention_events (created_at) WHERE delivered_at IS NULL;
