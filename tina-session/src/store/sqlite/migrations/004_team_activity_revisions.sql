-- Hook activity (002) belongs to an orchestration too: recording it moves that
-- orchestration's revision (003), so live views of it wake and others do not.
CREATE TRIGGER team_activity_rev_insert AFTER INSERT ON team_activity BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = NEW.orchestration_id;
END;
