-- TINA schema v2: what real Claude Code needs.
-- * activeForm kept with each task event and current task.
-- * The Claude Code folder linked to a team (by lead session id, or by exact name for
--   the older layout), kept so tasks keep syncing after the team folder is deleted.
-- * Team activity from hooks (session start/end, teammate idle, notifications, stop).

ALTER TABLE task_events ADD COLUMN active_form TEXT;
ALTER TABLE current_tasks ADD COLUMN active_form TEXT;

ALTER TABLE teams ADD COLUMN claude_team_dir TEXT;
CREATE UNIQUE INDEX teams_by_claude_team_dir ON teams (claude_team_dir)
    WHERE claude_team_dir IS NOT NULL;
CREATE INDEX teams_by_lead_session_id ON teams (lead_session_id)
    WHERE lead_session_id IS NOT NULL;

-- Append-only; (team, kind, session, agent, recorded_at) identifies an entry, so a hook
-- delivered twice is recorded once.
CREATE TABLE team_activity (
    id               INTEGER PRIMARY KEY,
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    team_id          TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    session_id       TEXT NOT NULL,
    agent_name       TEXT NOT NULL DEFAULT '',
    detail           TEXT,
    recorded_at      INTEGER NOT NULL,
    UNIQUE (team_id, kind, session_id, agent_name, recorded_at)
);
CREATE INDEX team_activity_by_orchestration ON team_activity (orchestration_id, recorded_at, id);
