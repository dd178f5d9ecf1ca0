//! Engine tests against a real SQLite store: crash windows of the exactly-once protocol,
//! a lost state file, identity conflicts, a team registered again under a new id, a
//! store that is locked for a while, and what the daemon may change on a team record.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;
use tina_session::store::sqlite::SqliteStore;
use tina_session::test_support::{FaultyStore, When};
use tina_session::*;

use super::*;

struct Fixture {
    _dir: tempfile::TempDir,
    claude: PathBuf,
    state_path: PathBuf,
    store: Arc<dyn Store>,
    team: Team,
}

fn fixture() -> Fixture {
    fixture_with(|db| Arc::new(SqliteStore::open(db).unwrap()))
}

/// A fixture over a [`Locking`] store, and that store's counters.
fn locking_fixture() -> (Fixture, Arc<Locking>) {
    let locking = Arc::new(Locking {
        fail_before: AtomicUsize::new(0),
        fail_after: AtomicUsize::new(0),
        registrations: AtomicUsize::new(0),
    });
    let counters = locking.clone();
    let f = fixture_with(move |db| {
        let inner = Arc::new(SqliteStore::open(db).unwrap());
        Arc::new(FaultyStore::new(inner, move |method, when| {
            counters.fault(method, when)
        }))
    });
    (f, locking)
}

fn fixture_with(open: impl FnOnce(&Path) -> Arc<dyn Store>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let claude = dir.path().join("claude");
    let store = open(&dir.path().join("tina.db"));
    let (_, team) = store
        .create_orchestration(&new_orch("feat", false))
        .unwrap();
    Fixture {
        state_path: dir.path().join("daemon-state.db"),
        _dir: dir,
        claude,
        store,
        team,
    }
}

fn new_orch(feature: &str, replace: bool) -> NewOrchestration {
    NewOrchestration {
        feature_name: feature.into(),
        design_doc: "d.md".into(),
        branch: None,
        worktree_path: None,
        // Two phases: one test re-links a phase team to phase 2 (the store refuses a
        // phase outside 1..=total_phases).
        total_phases: 2,
        orchestrator_team_name: orchestrator_team_name(feature),
        lead_session_id: None,
        replace,
    }
}

impl Fixture {
    fn engine(&self) -> Engine {
        Engine::new(
            self.store.clone(),
            ClaudeSource::new(&self.claude),
            StateDb::open(&self.state_path).unwrap(),
        )
    }

    /// Writes a task file and sets its mtime to `mtime_ms`.
    fn write_task(&self, id: &str, status: &str, mtime_ms: u64) -> PathBuf {
        let dir = self.claude.join("tasks").join(&self.team.team_name);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{id}.json"));
        let body = json!({"id": id, "subject": format!("task {id}"), "description": "",
                          "status": status, "blocks": [], "blockedBy": [], "metadata": {}});
        std::fs::write(&path, body.to_string()).unwrap();
        set_mtime(&path, mtime_ms);
        path
    }

    /// Writes `teams/<team>/config.json` with this lead session and these members.
    fn write_config(&self, team: &str, lead_session: &str, members: &[&str]) {
        let dir = self.claude.join("teams").join(team);
        std::fs::create_dir_all(&dir).unwrap();
        let members: Vec<_> = members
            .iter()
            .map(|m| json!({"name": m, "agentType": "general-purpose", "joinedAt": 1}))
            .collect();
        let body = json!({"name": team, "leadSessionId": lead_session, "members": members});
        std::fs::write(dir.join("config.json"), body.to_string()).unwrap();
    }

    fn events(&self) -> Vec<TaskEvent> {
        self.store
            .list_task_events(&self.team.orchestration_id)
            .unwrap()
    }
}

fn set_mtime(path: &Path, ms: u64) {
    let f = File::options().write(true).open(path).unwrap();
    f.set_modified(UNIX_EPOCH + Duration::from_millis(ms))
        .unwrap();
}

fn pending_batch(engine: &mut Engine, team: &Team) -> Vec<(String, NewTaskEvent, ContentHash)> {
    let files = engine.team_files(&team.team_name);
    engine.ensure_seeded(team).unwrap();
    let mut batch = Vec::new();
    for f in files {
        let r = engine.source.read_task(&team.team_name, f.path()).unwrap();
        if let Some((e, h)) = engine.next_event(team, &r, &HashMap::new()) {
            batch.push((team.team_name.clone(), e, h));
        }
    }
    batch
}

#[test]
fn hash_ignores_key_order_but_not_content() {
    let meta = json!({"a": 1, "b": {"x": 1, "y": 2}});
    let a = content_hash("s", "", None, "pending", None, &[], &meta);
    let b = content_hash(
        "s",
        "",
        None,
        "pending",
        None,
        &[],
        &json!({"b": {"y": 2, "x": 1}, "a": 1}),
    );
    let c = content_hash("s", "", None, "in_progress", None, &[], &meta);
    let d = content_hash("s", "", None, "pending", Some(""), &[], &meta);
    let e = content_hash("s", "", Some("Doing s"), "pending", None, &[], &meta);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_ne!(a, d);
    assert_ne!(a, e);
}

#[test]
fn crash_after_store_write_before_confirm_is_deduplicated() {
    let f = fixture();
    f.write_task("1", "pending", 1_000);
    let mut engine = f.engine();
    assert_eq!(engine.startup().unwrap().events_recorded, 1);

    f.write_task("1", "in_progress", 2_000);
    let batch = pending_batch(&mut engine, &f.team);
    assert_eq!(batch.len(), 1);
    engine.state.begin(&batch).unwrap();
    let events: Vec<NewTaskEvent> = batch.iter().map(|(_, e, _)| e.clone()).collect();
    f.store.record_task_events(&events).unwrap();
    drop(engine); // the crash: the intent is never confirmed

    let mut engine = f.engine();
    let report = engine.startup().unwrap();
    assert_eq!((report.events_recorded, report.duplicates), (0, 1));
    assert_eq!(report.unchanged, 1);
    assert_eq!(engine.outstanding().unwrap(), 0);
    let events = f.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].status, TaskStatus::InProgress);
    assert_eq!((events[1].recorded_at, events[1].sequence), (2_000, 2));
}

#[test]
fn crash_before_store_write_replays_the_intent() {
    let f = fixture();
    f.write_task("1", "pending", 1_000);
    let mut engine = f.engine();
    engine.startup().unwrap();
    f.write_task("1", "completed", 3_000);
    let batch = pending_batch(&mut engine, &f.team);
    engine.state.begin(&batch).unwrap();
    drop(engine);

    let mut engine = f.engine();
    let report = engine.startup().unwrap();
    assert_eq!(report.events_recorded, 1);
    assert_eq!(f.events().len(), 2);
    let current = f.store.get_current_tasks(&f.team.orchestration_id).unwrap();
    assert_eq!(current[0].status, TaskStatus::Completed);
}

#[test]
fn lost_state_file_records_nothing_twice() {
    let f = fixture();
    f.write_task("1", "pending", 1_000);
    f.write_task("2", "pending", 1_000);
    f.engine().startup().unwrap();
    std::fs::remove_file(&f.state_path).unwrap();

    let mut engine = f.engine();
    let report = engine.startup().unwrap();
    assert_eq!((report.events_recorded, report.unchanged), (0, 2));
    // A change after the loss still sorts after what the store has.
    f.write_task("1", "completed", 500);
    engine.full_scan().unwrap();
    let events = f.events();
    assert_eq!(events.len(), 3);
    let current = f.store.get_current_tasks(&f.team.orchestration_id).unwrap();
    let t1 = current.iter().find(|t| t.task_id == "1").unwrap();
    assert_eq!(t1.status, TaskStatus::Completed);
    assert_eq!((t1.recorded_at, t1.sequence), (1_000, 2));
}

#[test]
fn identity_taken_by_another_writer_moves_to_the_next_sequence() {
    let f = fixture();
    f.write_task("1", "pending", 1_000);
    let mut engine = f.engine();
    engine.startup().unwrap();
    // Someone else records (1000, 2) with other content.
    let mut foreign = f.events()[0].clone();
    foreign.sequence = 2;
    foreign.subject = "foreign".into();
    f.store
        .record_task_event(&NewTaskEvent {
            team_id: foreign.team_id,
            task_id: foreign.task_id,
            subject: foreign.subject,
            description: foreign.description,
            active_form: None,
            status: foreign.status,
            owner: foreign.owner,
            blocked_by: foreign.blocked_by,
            metadata: foreign.metadata,
            recorded_at: 1_000,
            sequence: 2,
        })
        .unwrap();

    f.write_task("1", "in_progress", 1_000);
    let report = engine.full_scan().unwrap();
    assert_eq!(report.events_recorded, 1);
    assert_eq!(engine.outstanding().unwrap(), 0);
    let current = f.store.get_current_tasks(&f.team.orchestration_id).unwrap();
    assert_eq!(current[0].status, TaskStatus::InProgress);
    assert_eq!(current[0].sequence, 3);
    // The next change continues after the moved sequence.
    f.write_task("1", "completed", 1_000);
    engine.full_scan().unwrap();
    let current = f.store.get_current_tasks(&f.team.orchestration_id).unwrap();
    assert_eq!(
        (current[0].status.clone(), current[0].sequence),
        (TaskStatus::Completed, 4)
    );
}

#[test]
fn team_registered_again_gets_the_files_again() {
    let f = fixture();
    f.write_task("1", "pending", 1_000);
    let mut engine = f.engine();
    engine.startup().unwrap();
    let (orch, team) = f
        .store
        .create_orchestration(&new_orch("feat", true))
        .unwrap();
    assert_ne!(team.id, f.team.id);
    assert!(f.store.get_current_tasks(&orch.id).unwrap().is_empty());

    let report = engine.revalidate().unwrap();
    assert_eq!(report.events_recorded, 1);
    let current = f.store.get_current_tasks(&orch.id).unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].team_id, team.id);
}

#[test]
fn store_refusing_a_deleted_team_keeps_the_files_pending() {
    let f = fixture();
    f.write_task("1", "pending", 1_000);
    let mut engine = f.engine();
    engine.startup().unwrap();
    f.store
        .delete_orchestration(&f.team.orchestration_id)
        .unwrap();
    f.write_task("1", "completed", 2_000);
    let report = engine.full_scan().unwrap();
    assert_eq!(report.events_recorded, 0);
    assert_eq!(
        engine.pending_teams().collect::<Vec<_>>(),
        vec!["feat-orchestration"]
    );
    assert_eq!(engine.outstanding().unwrap(), 0);

    let (orch, _) = f
        .store
        .create_orchestration(&new_orch("feat", false))
        .unwrap();
    engine.check_pending().unwrap();
    let current = f.store.get_current_tasks(&orch.id).unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].status, TaskStatus::Completed);
}

#[test]
fn a_single_file_change_of_a_newly_registered_team_syncs_all_its_files() {
    let f = fixture();
    let orch = f.store.get_orchestration(&f.team.orchestration_id).unwrap();
    let name = phase_team_name(&orch.feature_name, 1);
    let dir = f.claude.join("tasks").join(&name);
    std::fs::create_dir_all(&dir).unwrap();
    for id in ["1", "2"] {
        let body = json!({"id": id, "subject": "s", "status": "pending"});
        std::fs::write(dir.join(format!("{id}.json")), body.to_string()).unwrap();
    }
    let mut engine = f.engine();
    assert_eq!(engine.startup().unwrap().events_recorded, 0);
    assert_eq!(
        engine.pending_teams().collect::<Vec<_>>(),
        vec![name.as_str()]
    );

    f.store
        .register_team(&TeamRegistration {
            team_name: name.clone(),
            orchestration_id: orch.id.clone(),
            parent_team_id: Some(f.team.id.clone()),
            phase_number: Some(1),
            lead_session_id: None,
        })
        .unwrap();
    let change = engine.source.classify(&dir.join("2.json")).unwrap();
    let report = engine.apply(vec![change]).unwrap();
    assert_eq!(report.events_recorded, 2);
    assert_eq!(engine.pending_teams().count(), 0);
}

/// A SQLite store that answers `Backend("database is locked")`, the way a busy SQLite
/// does: its next `fail_before` writes fail without writing, then its next `fail_after`
/// event writes fail *after* writing (a timeout that hid a commit). It counts team
/// registrations. The counters of a [`FaultyStore`] over the real store.
struct Locking {
    fail_before: AtomicUsize,
    fail_after: AtomicUsize,
    registrations: AtomicUsize,
}

impl Locking {
    /// Consumes one failure from `counter`, if any is left.
    fn take(counter: &AtomicUsize) -> Result<(), StoreError> {
        match counter.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)) {
            Ok(_) => Err(StoreError::backend("database is locked")),
            Err(_) => Ok(()),
        }
    }

    /// The writes that can fail: team registrations and members before they are
    /// written, task events before or after.
    fn fault(&self, method: &'static str, when: When) -> Result<(), StoreError> {
        match (method, when) {
            ("register_team", When::Before) => {
                Self::take(&self.fail_before)?;
                self.registrations.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
            ("upsert_team_member" | "record_task_events", When::Before) => {
                Self::take(&self.fail_before)
            }
            ("record_task_events", When::After) => Self::take(&self.fail_after),
            _ => Ok(()),
        }
    }
}

fn retry_now(engine: &mut Engine) -> Report {
    engine.retry_after = std::time::Instant::now();
    engine.tick().unwrap()
}

#[test]
fn locked_store_keeps_work_queued_and_replays_it_without_loss_or_duplicates() {
    let (f, store) = locking_fixture();
    let team = f.team.team_name.clone();
    f.write_task("1", "pending", 1_000);
    f.write_task("2", "pending", 1_000);
    f.write_config(&team, "s", &["lead"]);
    store.fail_before.store(4, Ordering::SeqCst);

    // Locked: the config (lead session) and both events fail and stay queued.
    let mut engine = f.engine();
    let report = engine.startup().unwrap();
    assert_eq!((report.events_recorded, report.members_upserted), (0, 0));
    assert_eq!(engine.state.intent_count().unwrap(), 2);
    assert_eq!(engine.retry.len(), 1);
    // A change while locked queues behind them, under the next sequence.
    let path = f.write_task("1", "in_progress", 2_000);
    let change = engine.source.classify(&path).unwrap();
    assert_eq!(engine.apply(vec![change]).unwrap().events_recorded, 0);
    assert_eq!(engine.outstanding().unwrap(), 4);
    assert!(f.events().is_empty());

    // Still locked for the replay; the config goes through and backs off the rest.
    let report = retry_now(&mut engine);
    assert_eq!((report.events_recorded, report.members_upserted), (0, 1));
    assert_eq!(store.fail_before.load(Ordering::SeqCst), 0);
    assert_eq!(engine.outstanding().unwrap(), 3);
    assert!(engine.backoff > Duration::from_millis(250));

    // The store writes the events but answers "locked": they stay queued ...
    store.fail_after.store(1, Ordering::SeqCst);
    let report = retry_now(&mut engine);
    assert_eq!(report.events_recorded, 0);
    assert_eq!(engine.outstanding().unwrap(), 3);
    assert_eq!(f.events().len(), 3);
    // ... and their replay is recognised as duplicates.
    let report = retry_now(&mut engine);
    assert_eq!((report.events_recorded, report.duplicates), (0, 3));
    assert_eq!(engine.outstanding().unwrap(), 0);
    assert_eq!(store.fail_after.load(Ordering::SeqCst), 0);

    let events = f.events();
    let history = |id: &str| -> Vec<(TaskStatus, i64)> {
        events
            .iter()
            .filter(|e| e.task_id == id)
            .map(|e| (e.status.clone(), e.sequence))
            .collect()
    };
    assert_eq!(
        history("1"),
        vec![(TaskStatus::Pending, 1), (TaskStatus::InProgress, 2)]
    );
    assert_eq!(history("2"), vec![(TaskStatus::Pending, 1)]);
    let members = f.store.list_team_members(&f.team.orchestration_id).unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(
        f.store
            .get_team(&f.team.id)
            .unwrap()
            .lead_session_id
            .as_deref(),
        Some("s")
    );
    // Nothing left to do: a full scan records nothing.
    let report = engine.full_scan().unwrap();
    assert_eq!((report.events_recorded, report.unchanged), (0, 2));
    assert_eq!(f.events().len(), 3);
}

#[test]
fn an_unchanged_lead_session_registers_the_team_once() {
    let (f, store) = locking_fixture();
    let team = f.team.team_name.clone();
    f.write_config(&team, "s", &["lead"]);
    let mut engine = f.engine();
    engine.startup().unwrap();
    assert_eq!(store.registrations.load(Ordering::SeqCst), 1);

    // Members change, the lead session does not.
    f.write_config(&team, "s", &["lead", "worker"]);
    assert_eq!(engine.full_scan().unwrap().members_upserted, 2);
    assert_eq!(store.registrations.load(Ordering::SeqCst), 1);

    f.write_config(&team, "s2", &["lead", "worker"]);
    engine.full_scan().unwrap();
    assert_eq!(store.registrations.load(Ordering::SeqCst), 2);
    let stored = f.store.get_team(&f.team.id).unwrap();
    assert_eq!(stored.lead_session_id.as_deref(), Some("s2"));
}

/// Relies on the store's `register_team` keeping the stored links for `None`.
#[test]
fn the_daemon_sets_the_lead_session_and_never_changes_team_links() {
    let f = fixture();
    let orch = f.store.get_orchestration(&f.team.orchestration_id).unwrap();
    let name = phase_team_name(&orch.feature_name, 1);
    let register = |phase: u32| {
        f.store
            .register_team(&TeamRegistration {
                team_name: name.clone(),
                orchestration_id: orch.id.clone(),
                parent_team_id: Some(f.team.id.clone()),
                phase_number: Some(phase),
                lead_session_id: None,
            })
            .unwrap()
    };
    let phase = register(1);
    f.write_config(&name, "s1", &["executor"]);
    let mut engine = f.engine();
    engine.startup().unwrap();
    let stored = f.store.get_team(&phase.id).unwrap();
    assert_eq!(stored.lead_session_id.as_deref(), Some("s1"));
    assert_eq!(
        (stored.parent_team_id.as_ref(), stored.phase_number),
        (Some(&f.team.id), Some(1))
    );

    // Someone else re-links the team after the daemon cached it; then the lead changes.
    register(2);
    f.write_config(&name, "s2", &["executor"]);
    engine.full_scan().unwrap();
    let stored = f.store.get_team(&phase.id).unwrap();
    assert_eq!(stored.lead_session_id.as_deref(), Some("s2"));
    assert_eq!(
        (stored.parent_team_id.as_ref(), stored.phase_number),
        (Some(&f.team.id), Some(2))
    );
}

#[test]
fn syncing_beats_the_pulse() {
    let f = fixture();
    f.write_task("1", "pending", 1_000);
    let mut engine = f.engine();
    engine.pulse().set_for_test(0);
    engine.startup().unwrap();
    assert!(engine.pulse().last() > 0);
}

mod faults;
