//! What the daemon has synced, persisted beside the store (`$TINA_HOME/daemon-state.db`).
//!
//! Exactly-once without a transaction spanning two databases (the store may be Convex):
//!
//! 1. For a changed task the engine picks the event identity from this state:
//!    `recorded_at = max(file mtime, last recorded_at)`, `sequence = last sequence + 1`.
//! 2. [`StateDb::begin`] persists the new content hash and identity **and the whole
//!    event** as an *intent*, in one local transaction.
//! 3. The event is recorded in the store.
//! 4. [`StateDb::confirm`] deletes the intent.
//!
//! A crash after 2 leaves the intent; the next start replays it with the same identity,
//! which the store records or recognises as a duplicate. Nothing is recorded twice and
//! nothing observed is lost. Rows are keyed by team **id** (not name), so a team that is
//! deleted and registered again under the same name starts from scratch, and a state
//! file shared by two stores cannot confuse them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, params};
use tina_session::{Millis, NewTaskEvent, TeamId};

/// A SHA-256 of a record's normalized content.
pub type ContentHash = [u8; 32];

/// The last synced version of one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synced {
    pub hash: ContentHash,
    pub recorded_at: Millis,
    pub sequence: i64,
}

/// Why the state file could not be used.
#[derive(Debug, thiserror::Error)]
#[error("daemon state {path}: {source}")]
pub struct StateError {
    path: PathBuf,
    source: rusqlite::Error,
}

impl StateError {
    /// The disk (or the file's size limit) is full.
    pub fn is_disk_full(&self) -> bool {
        self.source.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull)
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS synced_tasks (
    team_id TEXT NOT NULL, task_id TEXT NOT NULL, team_name TEXT NOT NULL,
    hash BLOB NOT NULL, recorded_at INTEGER NOT NULL, sequence INTEGER NOT NULL,
    PRIMARY KEY (team_id, task_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS synced_configs (
    team_id TEXT PRIMARY KEY, team_name TEXT NOT NULL, hash BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS intents (
    team_id TEXT NOT NULL, task_id TEXT NOT NULL,
    recorded_at INTEGER NOT NULL, sequence INTEGER NOT NULL, event TEXT NOT NULL,
    PRIMARY KEY (team_id, task_id, recorded_at, sequence)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS intents_dead (
    team_id TEXT, task_id TEXT, recorded_at INTEGER, sequence INTEGER, event,
    error TEXT NOT NULL, moved_at INTEGER NOT NULL);
";

type TaskKey = (TeamId, String);

/// The state file with an in-memory copy of what it holds.
pub struct StateDb {
    path: PathBuf,
    conn: Connection,
    tasks: HashMap<TaskKey, Synced>,
    configs: HashMap<TeamId, ContentHash>,
}

impl StateDb {
    /// Opens (creating if needed) the state file and loads it.
    pub fn open(path: &Path) -> Result<Self, StateError> {
        let err = |source| StateError {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(30)).map_err(err)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            .map_err(err)?;
        conn.execute_batch("PRAGMA synchronous = NORMAL;")
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        let mut state = Self {
            path: path.to_owned(),
            conn,
            tasks: HashMap::new(),
            configs: HashMap::new(),
        };
        state.load().map_err(err)?;
        Ok(state)
    }

    fn err(&self, source: rusqlite::Error) -> StateError {
        StateError {
            path: self.path.clone(),
            source,
        }
    }

    fn load(&mut self) -> rusqlite::Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT team_id, task_id, hash, recorded_at, sequence FROM synced_tasks")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                (TeamId(r.get(0)?), r.get::<_, String>(1)?),
                hash_col(r.get(2)?),
                r.get::<_, Millis>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        for row in rows {
            let (key, hash, recorded_at, sequence) = row?;
            if let Some(hash) = hash {
                self.tasks.insert(
                    key,
                    Synced {
                        hash,
                        recorded_at,
                        sequence,
                    },
                );
            }
        }
        drop(stmt);
        let mut stmt = self
            .conn
            .prepare("SELECT team_id, hash FROM synced_configs")?;
        let rows = stmt.query_map([], |r| Ok((TeamId(r.get(0)?), hash_col(r.get(1)?))))?;
        for row in rows {
            if let (team, Some(hash)) = row? {
                self.configs.insert(team, hash);
            }
        }
        Ok(())
    }

    pub fn task(&self, team: &TeamId, task_id: &str) -> Option<Synced> {
        self.tasks.get(&(team.clone(), task_id.to_owned())).copied()
    }

    pub fn task_count(&self) -> usize {
        self.tasks.len()
    }

    /// Remembers a task version found in the store (not persisted: it can be found again).
    pub fn seed(&mut self, team: &TeamId, task_id: &str, synced: Synced) {
        self.tasks
            .entry((team.clone(), task_id.to_owned()))
            .or_insert(synced);
    }

    /// Step 2: persists the new versions and their events as intents, atomically.
    pub fn begin(
        &mut self,
        batch: &[(String, NewTaskEvent, ContentHash)],
    ) -> Result<(), StateError> {
        let tx = self.conn.transaction().map_err(|e| StateError {
            path: self.path.clone(),
            source: e,
        })?;
        let result = (|| {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO synced_tasks (team_id, task_id, team_name, hash, recorded_at, sequence) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (team_id, task_id) DO UPDATE SET \
                 team_name = excluded.team_name, hash = excluded.hash, \
                 recorded_at = excluded.recorded_at, sequence = excluded.sequence",
            )?;
            let mut intent = tx.prepare_cached(
                "INSERT OR REPLACE INTO intents (team_id, task_id, recorded_at, sequence, event) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (team_name, e, hash) in batch {
                upsert.execute(params![
                    e.team_id.as_str(),
                    e.task_id,
                    team_name,
                    &hash[..],
                    e.recorded_at,
                    e.sequence
                ])?;
                let json = serde_json::to_string(e)
                    .map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))?;
                intent.execute(params![
                    e.team_id.as_str(),
                    e.task_id,
                    e.recorded_at,
                    e.sequence,
                    json
                ])?;
            }
            Ok(())
        })();
        let result = result.and_then(|()| tx.commit());
        result.map_err(|e| self.err(e))?;
        for (_, e, hash) in batch {
            self.tasks.insert(
                (e.team_id.clone(), e.task_id.clone()),
                Synced {
                    hash: *hash,
                    recorded_at: e.recorded_at,
                    sequence: e.sequence,
                },
            );
        }
        Ok(())
    }

    /// Step 4: the store has these events; forget their intents.
    pub fn confirm<'a>(
        &mut self,
        events: impl IntoIterator<Item = &'a NewTaskEvent>,
    ) -> Result<(), StateError> {
        let tx = self.conn.transaction().map_err(|e| StateError {
            path: self.path.clone(),
            source: e,
        })?;
        let result = (|| {
            let mut delete = tx.prepare_cached(
                "DELETE FROM intents WHERE team_id = ?1 AND task_id = ?2 \
                 AND recorded_at = ?3 AND sequence = ?4",
            )?;
            for e in events {
                delete.execute(params![
                    e.team_id.as_str(),
                    e.task_id,
                    e.recorded_at,
                    e.sequence
                ])?;
            }
            Ok(())
        })();
        result.and_then(|()| tx.commit()).map_err(|e| self.err(e))
    }

    /// Replaces an intent whose identity the store refused (a different event already
    /// has it) by the same event under a new sequence.
    pub fn reidentify(&mut self, old: &NewTaskEvent, new: &NewTaskEvent) -> Result<(), StateError> {
        let key = (new.team_id.clone(), new.task_id.clone());
        let synced = self.tasks.get(&key).copied();
        let tx = self.conn.transaction().map_err(|e| StateError {
            path: self.path.clone(),
            source: e,
        })?;
        let result = (|| {
            tx.execute(
                "DELETE FROM intents WHERE team_id = ?1 AND task_id = ?2 \
                 AND recorded_at = ?3 AND sequence = ?4",
                params![
                    old.team_id.as_str(),
                    old.task_id,
                    old.recorded_at,
                    old.sequence
                ],
            )?;
            let json = serde_json::to_string(new)
                .map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))?;
            tx.execute(
                "INSERT OR REPLACE INTO intents (team_id, task_id, recorded_at, sequence, event) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    new.team_id.as_str(),
                    new.task_id,
                    new.recorded_at,
                    new.sequence,
                    json
                ],
            )?;
            // Later events of this task must sort after the re-identified one.
            if synced.is_some_and(|s| s.sequence < new.sequence) {
                tx.execute(
                    "UPDATE synced_tasks SET sequence = ?3 WHERE team_id = ?1 AND task_id = ?2",
                    params![new.team_id.as_str(), new.task_id, new.sequence],
                )?;
            }
            Ok(())
        })();
        result.and_then(|()| tx.commit()).map_err(|e| self.err(e))?;
        if let Some(s) = self.tasks.get_mut(&key) {
            s.sequence = s.sequence.max(new.sequence);
        }
        Ok(())
    }

    /// Events persisted as intents and not yet confirmed, oldest first.
    ///
    /// An intent that no longer reads as an event (written by another version, or
    /// damaged) can never be replayed: it is moved to `intents_dead`, logged once with
    /// its row, and left out, so it does not keep `--once` failing forever.
    pub fn intents(&mut self) -> Result<Vec<NewTaskEvent>, StateError> {
        let rows = self.intent_rows().map_err(|e| self.err(e))?;
        let mut events = Vec::with_capacity(rows.len());
        let mut dead = Vec::new();
        for row in rows {
            let parsed = match &row.event {
                Some(json) => serde_json::from_str::<NewTaskEvent>(json).map_err(|e| e.to_string()),
                None => Err("the event column is not text".to_owned()),
            };
            match parsed {
                Ok(e) => events.push(e),
                Err(error) => dead.push((row, error)),
            }
        }
        if !dead.is_empty() {
            self.bury(&dead).map_err(|e| self.err(e))?;
        }
        Ok(events)
    }

    fn intent_rows(&self) -> rusqlite::Result<Vec<IntentRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT team_id, task_id, recorded_at, sequence, event FROM intents \
             ORDER BY team_id, task_id, recorded_at, sequence",
        )?;
        stmt.query_map([], |r| {
            Ok(IntentRow {
                key: (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?),
                event: r.get_ref(4)?.as_str().ok().map(str::to_owned),
            })
        })?
        .collect()
    }

    /// Moves unreadable intents to `intents_dead` (copied verbatim, with the reason).
    fn bury(&mut self, dead: &[(IntentRow, String)]) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut copy = tx.prepare(
                "INSERT INTO intents_dead \
                 (team_id, task_id, recorded_at, sequence, event, error, moved_at) \
                 SELECT team_id, task_id, recorded_at, sequence, event, ?5, ?6 FROM intents \
                 WHERE team_id = ?1 AND task_id = ?2 AND recorded_at = ?3 AND sequence = ?4",
            )?;
            let mut delete = tx.prepare(
                "DELETE FROM intents WHERE team_id = ?1 AND task_id = ?2 \
                 AND recorded_at = ?3 AND sequence = ?4",
            )?;
            for (row, error) in dead {
                let (team, task, at, seq) = &row.key;
                copy.execute(params![team, task, at, seq, error, tina_session::now_ms()])?;
                delete.execute(params![team, task, at, seq])?;
            }
        }
        tx.commit()?;
        for (row, error) in dead {
            let (team, task, at, seq) = &row.key;
            tracing::error!(
                path = %self.path.display(),
                team_id = team, task_id = task, recorded_at = at, sequence = seq,
                event = row.event.as_deref().unwrap_or("<not text>"),
                error,
                "unreadable intent in the daemon state; moved to its intents_dead table"
            );
        }
        Ok(())
    }
    /// Drops everything about a team that no longer exists in the store.
    pub fn forget_team(&mut self, team: &TeamId) -> Result<(), StateError> {
        let tx = self.conn.transaction().map_err(|e| StateError {
            path: self.path.clone(),
            source: e,
        })?;
        let result = (|| {
            for table in ["synced_tasks", "synced_configs", "intents"] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE team_id = ?1"),
                    [team.as_str()],
                )?;
            }
            Ok(())
        })();
        result.and_then(|()| tx.commit()).map_err(|e| self.err(e))?;
        self.tasks.retain(|(t, _), _| t != team);
        self.configs.remove(team);
        Ok(())
    }

    pub fn config(&self, team: &TeamId) -> Option<ContentHash> {
        self.configs.get(team).copied()
    }

    pub fn set_config(
        &mut self,
        team: &TeamId,
        team_name: &str,
        hash: ContentHash,
    ) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT INTO synced_configs (team_id, team_name, hash) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (team_id) DO UPDATE SET team_name = excluded.team_name, \
                 hash = excluded.hash",
                params![team.as_str(), team_name, &hash[..]],
            )
            .map_err(|e| self.err(e))?;
        self.configs.insert(team.clone(), hash);
        Ok(())
    }

    /// The number of intents that can still be replayed (used by tests and `--once`'s
    /// exit status); unreadable ones are moved aside first, see [`Self::intents`].
    pub fn intent_count(&mut self) -> Result<usize, StateError> {
        Ok(self.intents()?.len())
    }

    /// The number of intents moved aside as unreadable.
    pub fn dead_intent_count(&self) -> Result<usize, StateError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM intents_dead", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as usize)
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
impl StateDb {
    /// The connection, for tests that simulate a full disk under it.
    pub(crate) fn conn_for_test(&self) -> &Connection {
        &self.conn
    }
}

/// One row of `intents` as stored: its key, and its event if the column is text.
struct IntentRow {
    key: (String, String, Millis, i64),
    event: Option<String>,
}

fn hash_col(bytes: Vec<u8>) -> Option<ContentHash> {
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64) -> NewTaskEvent {
        NewTaskEvent {
            team_id: TeamId::from("team-1"),
            task_id: "1".into(),
            subject: "s".into(),
            description: String::new(),
            active_form: None,
            status: tina_session::TaskStatus::Pending,
            owner: None,
            blocked_by: vec![],
            metadata: serde_json::json!({}),
            recorded_at: 100,
            sequence: seq,
        }
    }

    #[test]
    fn intents_survive_reopen_until_confirmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let mut state = StateDb::open(&path).unwrap();
        state.begin(&[("t".into(), event(1), [7; 32])]).unwrap();
        drop(state);

        let mut state = StateDb::open(&path).unwrap();
        let synced = state.task(&TeamId::from("team-1"), "1").unwrap();
        assert_eq!((synced.hash, synced.sequence), ([7; 32], 1));
        assert_eq!(state.intents().unwrap(), vec![event(1)]);
        state.confirm([&event(1)]).unwrap();
        drop(state);

        let mut state = StateDb::open(&path).unwrap();
        assert!(state.intents().unwrap().is_empty());
        assert_eq!(state.task_count(), 1);
    }

    #[test]
    fn unreadable_intents_are_moved_aside_once_and_not_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let mut state = StateDb::open(&path).unwrap();
        state.begin(&[("t".into(), event(1), [7; 32])]).unwrap();
        // An intent from another version, and one whose event is not even text.
        state
            .conn
            .execute_batch(
                "INSERT INTO intents VALUES ('team-1', '2', 100, 1, '{\"other\": \"shape\"}');
                 INSERT INTO intents VALUES ('team-1', '3', 100, 1, x'00ff');",
            )
            .unwrap();
        drop(state);

        let mut state = StateDb::open(&path).unwrap();
        assert_eq!(state.intent_count().unwrap(), 1);
        assert_eq!(state.dead_intent_count().unwrap(), 2);
        assert_eq!(state.intents().unwrap(), vec![event(1)]);
        let kept: String = state
            .conn
            .query_row(
                "SELECT event FROM intents_dead WHERE task_id = '2'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kept, r#"{"other": "shape"}"#);
        state.confirm([&event(1)]).unwrap();
        assert_eq!(state.intent_count().unwrap(), 0);
        // Moved once: reading again neither finds nor moves them again.
        assert_eq!(state.dead_intent_count().unwrap(), 2);
    }

    #[test]
    fn reidentify_moves_the_intent_and_the_sequence() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = StateDb::open(&dir.path().join("state.db")).unwrap();
        state.begin(&[("t".into(), event(1), [1; 32])]).unwrap();
        state.reidentify(&event(1), &event(5)).unwrap();
        assert_eq!(state.intents().unwrap(), vec![event(5)]);
        assert_eq!(
            state.task(&TeamId::from("team-1"), "1").unwrap().sequence,
            5
        );
        state.forget_team(&TeamId::from("team-1")).unwrap();
        assert_eq!(state.task_count(), 0);
        assert_eq!(state.intent_count().unwrap(), 0);
    }
}
