//! Event derivation: the one event a task record needs (or none when its content is
//! already synced), the seeding of synced state from the store, and the content hash
//! that decides "did it change".

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use sha2::{Digest, Sha256};
use tina_session::store::StoreError;
use tina_session::{NewTaskEvent, Team, TeamId};

use super::Engine;
use crate::source::TaskRecord;
use crate::state::{ContentHash, Synced};

impl Engine {
    /// The event a task record needs, or `None` when its content is already synced.
    pub(super) fn next_event(
        &self,
        team: &Team,
        r: &TaskRecord,
        chosen: &HashMap<(TeamId, String), Synced>,
    ) -> Option<(NewTaskEvent, ContentHash)> {
        let hash = content_hash(
            &r.subject,
            &r.description,
            r.active_form.as_deref(),
            r.status.as_str(),
            r.owner.as_deref(),
            &r.blocked_by,
            &r.metadata,
        );
        let last = chosen
            .get(&(team.id.clone(), r.task_id.clone()))
            .copied()
            .or_else(|| self.state.task(&team.id, &r.task_id));
        if last.is_some_and(|l| l.hash == hash) {
            return None;
        }
        // A later version never sorts before an earlier one, even if the mtime went back.
        let (recorded_at, sequence) = match last {
            Some(l) => (r.modified_at.max(l.recorded_at), l.sequence + 1),
            None => (r.modified_at, 1),
        };
        let event = NewTaskEvent {
            team_id: team.id.clone(),
            task_id: r.task_id.clone(),
            subject: r.subject.clone(),
            description: r.description.clone(),
            active_form: r.active_form.clone(),
            status: r.status.clone(),
            owner: r.owner.clone(),
            blocked_by: r.blocked_by.clone(),
            metadata: r.metadata.clone(),
            recorded_at,
            sequence,
        };
        Some((event, hash))
    }

    /// Merges the store's current tasks of the team's orchestration into the state, once
    /// per team, so a lost or new state file never re-records what the store has.
    pub(super) fn ensure_seeded(&mut self, team: &Team) -> Result<(), StoreError> {
        if self.seeded.contains(&team.id) {
            return Ok(());
        }
        let current = self.store.get_current_tasks(&team.orchestration_id)?;
        let mut seen = HashSet::new();
        for c in current {
            if self.seeded.contains(&c.team_id) {
                continue;
            }
            let hash = content_hash(
                &c.subject,
                &c.description,
                c.active_form.as_deref(),
                c.status.as_str(),
                c.owner.as_deref(),
                &c.blocked_by,
                &c.metadata,
            );
            self.state.seed(
                &c.team_id,
                &c.task_id,
                Synced {
                    hash,
                    recorded_at: c.recorded_at,
                    sequence: c.sequence,
                },
            );
            seen.insert(c.team_id);
        }
        self.seeded.extend(seen);
        self.seeded.insert(team.id.clone());
        Ok(())
    }
}

/// SHA-256 of a task's content in a canonical form: what decides "did it change".
/// `active_form` counts only when present, so content without one hashes as it did
/// before it was stored (no task is re-recorded after an upgrade).
pub fn content_hash(
    subject: &str,
    description: &str,
    active_form: Option<&str>,
    status: &str,
    owner: Option<&str>,
    blocked_by: &[String],
    metadata: &Value,
) -> ContentHash {
    let mut canonical = serde_json::json!([
        subject,
        description,
        status,
        owner,
        blocked_by,
        canonicalize(metadata)
    ]);
    if let (Some(active_form), Value::Array(items)) = (active_form, &mut canonical) {
        items.push(Value::String(active_form.to_owned()));
    }
    Sha256::digest(canonical.to_string().as_bytes()).into()
}

/// Rebuilds objects with sorted keys, so key order in the file never counts as a change
/// (whatever map type serde_json was built with).
fn canonicalize(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = serde_json::Map::new();
            for k in keys {
                out.insert(k.clone(), canonicalize(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonicalize).collect()),
        other => other.clone(),
    }
}
