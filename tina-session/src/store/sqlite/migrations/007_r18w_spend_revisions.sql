-- Spend and attention move their orchestration's revision (as 003 does for tasks and
-- phases, 004 for hook activity), so a dashboard page of that orchestration refetches when
-- the daemon records usage, a budget changes, or an attention event opens or clears, and
-- a page of another orchestration does not. `SqliteStore::write` bumps the global revision
-- after the change, so the transaction's own revision is `value + 1` here.
CREATE TRIGGER usage_totals_rev_insert AFTER INSERT ON usage_totals BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = NEW.orchestration_id;
END;
CREATE TRIGGER usage_totals_rev_update AFTER UPDATE ON usage_totals BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = NEW.orchestration_id;
END;
CREATE TRIGGER budgets_rev_insert AFTER INSERT ON budgets BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = NEW.orchestration_id;
END;
CREATE TRIGGER budgets_rev_update AFTER UPDATE ON budgets BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = NEW.orchestration_id;
END;
CREATE TRIGGER budgets_rev_delete AFTER DELETE ON budgets BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = OLD.orchestration_id;
END;
CREATE TRIGGER attention_events_rev_insert AFTER INSERT ON attention_events BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = NEW.orchestration_id;
END;
-- Opening, clearing or delivering an event: what the page shows (delivery is harmless).
CREATE TRIGGER attention_events_rev_update AFTER UPDATE ON attention_events BEGIN
    UPDATE orchestrations SET revision = (SELECT value FROM revision WHERE id = 1) + 1
    WHERE id = NEW.orchestration_id;
END;

-- The list reads every open event at once (how many orchestrations wait on a person).
CREATE INDEX attention_events_open ON attention_events (created_at) WHERE cleared_at IS NULL;
