-- TINA schema v1. Lookups are by id or exact name; no LIKE anywhere.
CREATE TABLE orchestrations (
    id            TEXT PRIMARY KEY,
    feature_name  TEXT NOT NULL UNIQUE,
    design_doc    TEXT NOT NULL,
    branch        TEXT,
    worktree_path TEXT,
    total_phases  INTEGER NOT NULL CHECK (total_phases > 0),
    current_phase INTEGER,
    status        TEXT NOT NULL,
    started_at    INTEGER NOT NULL,
    completed_at  INTEGER,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE phases (
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    phase_number     INTEGER NOT NULL,
    status           TEXT NOT NULL,
    plan_path        TEXT,
    blocked_reason   TEXT,
    started_at       INTEGER,
    completed_at     INTEGER,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (orchestration_id, phase_number)
);

CREATE TABLE teams (
    id               TEXT PRIMARY KEY,
    team_name        TEXT NOT NULL UNIQUE,
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    parent_team_id   TEXT REFERENCES teams(id) ON DELETE CASCADE,
    phase_number     INTEGER,
    lead_session_id  TEXT,
    created_at       INTEGER NOT NULL
);
CREATE INDEX teams_by_orchestration ON teams (orchestration_id);
CREATE INDEX teams_by_parent ON teams (parent_team_id);

CREATE TABLE team_members (
    team_id    TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    agent_name TEXT NOT NULL,
    agent_type TEXT,
    model      TEXT,
    joined_at  INTEGER NOT NULL,
    PRIMARY KEY (team_id, agent_name)
);

-- Append-only history. (team, task, recorded_at, sequence) identifies an event.
CREATE TABLE task_events (
    id               INTEGER PRIMARY KEY,
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    team_id          TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    phase_number     INTEGER,
    task_id          TEXT NOT NULL,
    subject          TEXT NOT NULL,
    description      TEXT NOT NULL,
    status           TEXT NOT NULL,
    owner            TEXT,
    blocked_by       TEXT NOT NULL,
    metadata         TEXT NOT NULL,
    recorded_at      INTEGER NOT NULL,
    sequence         INTEGER NOT NULL,
    UNIQUE (team_id, task_id, recorded_at, sequence)
);
CREATE INDEX task_events_by_orchestration ON task_events (orchestration_id, recorded_at, sequence);

-- Materialized current state: the latest event per (team, task), kept in the same
-- transaction as the event. Team name and phase come from `teams` at read time.
CREATE TABLE current_tasks (
    team_id          TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    task_id          TEXT NOT NULL,
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    subject          TEXT NOT NULL,
    description      TEXT NOT NULL,
    status           TEXT NOT NULL,
    owner            TEXT,
    blocked_by       TEXT NOT NULL,
    metadata         TEXT NOT NULL,
    recorded_at      INTEGER NOT NULL,
    sequence         INTEGER NOT NULL,
    PRIMARY KEY (team_id, task_id)
) WITHOUT ROWID;
CREATE INDEX current_tasks_by_orchestration ON current_tasks (orchestration_id);

-- Grows with every write transaction; live views poll it.
CREATE TABLE revision (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO revision (id, value) VALUES (1, 0);
