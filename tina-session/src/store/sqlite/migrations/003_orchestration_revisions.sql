-- TINA schema 003 (web dashboard): a revision per orchestration, and the history of every
-- phase's status changes.
--
-- `orchestrations.revision` is the global revision of the last write transaction that touched
-- anything of the orchestration (itself, its phases, teams, members or task events). It is set
-- by triggers, so every write path, present and future, keeps it without remembering to:
-- `SqliteStore::write` bumps the global revision after the change, so at trigger time the
-- transaction's own revision is `value + 1`. A view of one orchestration polls this number and
-- sleeps through changes elsewhere.
ALTER TABLE orchestrations ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1);

CREATE TRIGGER orchestrations_rev_insert AFTER INSERT ON orchestrations BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = NEW.id;
END;
-- Every column but `revision` itself (so the trigger never fires on its own write).
CREATE TRIGGER orchestrations_rev_update AFTER UPDATE OF feature_name, design_doc, branch,
    worktree_path, total_phases, current_phase, status, started_at, completed_at, updated_at
    ON orchestrations BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = NEW.id;
END;

CREATE TRIGGER phases_rev_insert AFTER INSERT ON phases BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = NEW.orchestration_id;
END;
CREATE TRIGGER phases_rev_update AFTER UPDATE ON phases BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id IN (OLD.orchestration_id, NEW.orchestration_id);
END;
CREATE TRIGGER phases_rev_delete AFTER DELETE ON phases BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = OLD.orchestration_id;
END;

CREATE TRIGGER teams_rev_insert AFTER INSERT ON teams BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = NEW.orchestration_id;
END;
CREATE TRIGGER teams_rev_update AFTER UPDATE ON teams BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id IN (OLD.orchestration_id, NEW.orchestration_id);
END;
CREATE TRIGGER teams_rev_delete AFTER DELETE ON teams BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = OLD.orchestration_id;
END;

CREATE TRIGGER team_members_rev_insert AFTER INSERT ON team_members BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = (SELECT orchestration_id FROM teams WHERE id = NEW.team_id);
END;
CREATE TRIGGER team_members_rev_update AFTER UPDATE ON team_members BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id IN (SELECT orchestration_id FROM teams WHERE id IN (OLD.team_id, NEW.team_id));
END;
CREATE TRIGGER team_members_rev_delete AFTER DELETE ON team_members BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = (SELECT orchestration_id FROM teams WHERE id = OLD.team_id);
END;

-- A task's current state changes only with a new event, so one trigger per event suffices
-- for ingest; direct changes to current tasks (clean-ups) are caught too.
CREATE TRIGGER task_events_rev_insert AFTER INSERT ON task_events BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = NEW.orchestration_id;
END;
CREATE TRIGGER task_events_rev_delete AFTER DELETE ON task_events BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = OLD.orchestration_id;
END;
CREATE TRIGGER current_tasks_rev_delete AFTER DELETE ON current_tasks BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = OLD.orchestration_id;
END;

-- Every status (or blocked reason) a phase has had, with when: the dashboard's timeline and
-- "blocked for 12 min" read it. Kept by triggers on `phases`, like the revisions.
CREATE TABLE phase_history (
    id               INTEGER PRIMARY KEY,
    orchestration_id TEXT NOT NULL REFERENCES orchestrations(id) ON DELETE CASCADE,
    phase_number     INTEGER NOT NULL,
    status           TEXT NOT NULL,
    blocked_reason   TEXT,
    at               INTEGER NOT NULL
);
CREATE INDEX phase_history_by_orchestration ON phase_history (orchestration_id, at, id);

-- What existing stores already know: each phase's start and its present state.
INSERT INTO phase_history (orchestration_id, phase_number, status, blocked_reason, at)
    SELECT orchestration_id, phase_number, 'executing', NULL, started_at
    FROM phases WHERE started_at IS NOT NULL AND status != 'executing'
    ORDER BY started_at;
INSERT INTO phase_history (orchestration_id, phase_number, status, blocked_reason, at)
    SELECT orchestration_id, phase_number, status, blocked_reason,
           CASE status WHEN 'executing' THEN COALESCE(started_at, updated_at)
                       WHEN 'complete' THEN COALESCE(completed_at, updated_at)
                       ELSE updated_at END
    FROM phases ORDER BY updated_at;

CREATE TRIGGER phases_history_insert AFTER INSERT ON phases BEGIN
    INSERT INTO phase_history (orchestration_id, phase_number, status, blocked_reason, at)
    VALUES (NEW.orchestration_id, NEW.phase_number, NEW.status, NEW.blocked_reason,
            NEW.updated_at);
END;
CREATE TRIGGER phases_history_update AFTER UPDATE OF status, blocked_reason ON phases
    WHEN OLD.status IS NOT NEW.status OR OLD.blocked_reason IS NOT NEW.blocked_reason BEGIN
    INSERT INTO phase_history (orchestration_id, phase_number, status, blocked_reason, at)
    VALUES (NEW.orchestration_id, NEW.phase_number, NEW.status, NEW.blocked_reason,
            NEW.updated_at);
END;
