//! Commit and replay: intents persisted before a store write and confirmed after it,
//! replay of unconfirmed intents, and how each store failure is handled (retry with
//! back-off, forget a removed team, re-identify a conflicting event, or drop).

use tina_session::store::{Entity, StoreError};
use tina_session::{NewTaskEvent, Team};

use super::{BATCH, Engine, EngineError, Report};
use crate::source::SourceFile;
use crate::state::ContentHash;

/// How a store error is handled.
enum Failure {
    /// Might pass (locked, unreachable): keep the work, retry later.
    Transient,
    /// The team record is gone: forget its id, look the name up again.
    TeamGone,
    /// Another event already has this identity: record under the next sequence.
    Conflict,
    /// The store refuses this input for good: log and drop it.
    Refused,
}

fn classify(e: &StoreError) -> Failure {
    match e {
        StoreError::NotFound {
            entity: Entity::Team,
            ..
        } => Failure::TeamGone,
        StoreError::ConflictingEvent { .. } => Failure::Conflict,
        StoreError::Invalid { .. }
        | StoreError::TeamOwnedByOther { .. }
        | StoreError::FeatureInUse { .. }
        | StoreError::NotFound { .. } => Failure::Refused,
        _ => Failure::Transient,
    }
}

impl Engine {
    pub(super) fn store_failed(
        &mut self,
        team: &Team,
        file: SourceFile,
        e: StoreError,
    ) -> Result<(), EngineError> {
        match classify(&e) {
            Failure::TeamGone => {
                tracing::info!(
                    team = team.team_name,
                    "team record was removed; files kept pending"
                );
                self.forget_team(&team.id)?;
                self.pending.insert(file.team().to_owned());
            }
            Failure::Refused => {
                tracing::error!(path = %file.path().display(), error = %e, "store refused the file's content");
            }
            Failure::Transient | Failure::Conflict => {
                tracing::warn!(path = %file.path().display(), error = %e, "store write failed; will retry");
                self.health.store_failed(&e);
                self.retry.insert(file);
            }
        }
        Ok(())
    }

    /// Persists intents, then records them, then confirms them. When the intents cannot
    /// be persisted (disk full), nothing is recorded and the files are retried later.
    pub(super) fn commit(
        &mut self,
        batch: &[(String, NewTaskEvent, ContentHash)],
        files: &[SourceFile],
    ) -> Result<Report, EngineError> {
        if let Err(e) = self.state.begin(batch) {
            self.health.state_failed(&e);
            self.retry.extend(files.iter().cloned());
            return Ok(Report::default());
        }
        let events: Vec<NewTaskEvent> = batch.iter().map(|(_, e, _)| e.clone()).collect();
        self.record(&events)
    }

    /// Forgets confirmed intents; when that cannot be written, they stay and are
    /// replayed later (the store recognises them as duplicates).
    pub(super) fn confirm<'a>(
        &mut self,
        events: impl IntoIterator<Item = &'a NewTaskEvent>,
    ) -> bool {
        match self.state.confirm(events) {
            Ok(()) => true,
            Err(e) => {
                self.health.state_failed(&e);
                self.intents_waiting = true;
                false
            }
        }
    }

    /// Replays every intent left by a crash or a failed write.
    pub(super) fn replay_intents(&mut self) -> Result<Report, EngineError> {
        let intents = self.state.intents()?;
        self.intents_waiting = false;
        if intents.is_empty() {
            return Ok(Report::default());
        }
        tracing::info!(
            count = intents.len(),
            "replaying events not yet confirmed by the store"
        );
        let mut report = Report::default();
        for chunk in intents.chunks(BATCH) {
            report += self.record(chunk)?;
        }
        Ok(report)
    }

    pub(super) fn record(&mut self, events: &[NewTaskEvent]) -> Result<Report, EngineError> {
        self.pulse.beat();
        let mut report = Report::default();
        match self.store.record_task_events(events) {
            Ok(summary) => {
                if self.confirm(events) {
                    self.health.clear();
                }
                report.events_recorded += summary.inserted;
                report.duplicates += summary.duplicates;
            }
            Err(e) => match classify(&e) {
                Failure::Transient => {
                    tracing::warn!(events = events.len(), error = %e, "store write failed; events kept and retried");
                    self.health.store_failed(&e);
                    self.intents_waiting = true;
                }
                // One bad event fails the atomic batch: sort it out event by event.
                _ => {
                    for event in events {
                        report += self.record_one(event)?;
                    }
                }
            },
        }
        Ok(report)
    }

    pub(super) fn record_one(&mut self, event: &NewTaskEvent) -> Result<Report, EngineError> {
        let mut report = Report::default();
        let mut current = event.clone();
        for _ in 0..16 {
            match self.store.record_task_event(&current) {
                Ok(summary) => {
                    if self.confirm([&current]) {
                        self.health.clear();
                    }
                    report.events_recorded += summary.inserted;
                    report.duplicates += summary.duplicates;
                    return Ok(report);
                }
                Err(e) => match classify(&e) {
                    Failure::Conflict => {
                        let mut next = current.clone();
                        next.sequence += 1;
                        tracing::warn!(
                            team = %current.team_id, task = current.task_id,
                            sequence = next.sequence,
                            "another event has this identity; recording under the next sequence"
                        );
                        self.state.reidentify(&current, &next)?;
                        current = next;
                    }
                    Failure::TeamGone => {
                        let name = self
                            .teams
                            .iter()
                            .find(|(_, t)| t.id == current.team_id)
                            .map(|(n, _)| n.clone());
                        self.forget_team(&current.team_id)?;
                        if let Some(name) = name {
                            tracing::info!(
                                team = name,
                                "team record was removed; files kept pending"
                            );
                            self.pending.insert(name);
                        }
                        return Ok(report);
                    }
                    Failure::Refused => {
                        tracing::error!(team = %current.team_id, task = current.task_id, error = %e, "store refused the event; dropped");
                        self.confirm([&current]);
                        return Ok(report);
                    }
                    Failure::Transient => {
                        tracing::warn!(error = %e, "store write failed; event kept and retried");
                        self.health.store_failed(&e);
                        self.intents_waiting = true;
                        return Ok(report);
                    }
                },
            }
        }
        tracing::error!(team = %current.team_id, task = current.task_id, "could not find a free event identity; kept and retried");
        self.intents_waiting = true;
        Ok(report)
    }
}
