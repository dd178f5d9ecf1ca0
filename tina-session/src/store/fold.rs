//! The reference semantics of current task state: a pure fold over the event history.
//!
//! Backends materialize current state on write; property tests check that what they
//! materialize always equals this fold over the same events, in any arrival order.

use std::collections::BTreeMap;

use crate::model::{TaskEvent, TeamId};

/// Folds events into the latest event per (team, task_id): the greatest
/// (recorded_at, sequence) wins, whatever order the events arrive in. Events with an
/// identical key are duplicates; the first one seen is kept (stores refuse a duplicate
/// key with different content, so for stored histories the choice never matters).
pub fn fold_current<'a>(
    events: impl IntoIterator<Item = &'a TaskEvent>,
) -> BTreeMap<(TeamId, String), TaskEvent> {
    let mut current: BTreeMap<(TeamId, String), TaskEvent> = BTreeMap::new();
    for event in events {
        let key = (event.team_id.clone(), event.task_id.clone());
        match current.get(&key) {
            Some(existing) if existing.order_key() >= event.order_key() => {}
            _ => {
                current.insert(key, event.clone());
            }
        }
    }
    current
}
