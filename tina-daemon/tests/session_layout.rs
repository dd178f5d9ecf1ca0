//! The real `tina-daemon` against folders in the layout Claude Code 2.1.332 writes:
//! `teams/session-<8>/config.json` with `leadSessionId`, `tasks/session-<8>/` with
//! `.lock` and `.highwatermark`, the team folder deleted at session end, a task file
//! gone after completion, and `tasks/<full session id>/` under `claude -p`. Files are
//! built from the 2.1.332 samples in tina-session's fixtures, through the format module.

mod support;

use std::path::PathBuf;

use support::*;
use tina_session::claude_code::{ClaudeHome, TaskFile, TeamConfig, session_team_name};
use tina_session::*;

const ORCH_SESSION: &str = "0f6b8e2a-7c1d-4e5f-9a0b-1c2d3e4f5a6b";
const PHASE_SESSION: &str = "8739ce96-1dac-48df-8c52-26613812a012";
/// Shares the first 8 characters (so the folder name) with `PHASE_SESSION`.
const LOOKALIKE_SESSION: &str = "8739ce96-0000-4000-8000-000000000000";

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tina-session/tests/fixtures/claude-code-2.1.332")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The 2.1.332 sample config, re-pointed at `session`.
fn config_for(session: &str) -> TeamConfig {
    let mut config = TeamConfig::parse(&fixture("team-config.json")).unwrap();
    let folder = session_team_name(session);
    config.name = Some(folder.clone());
    config.lead_session_id = Some(session.to_owned());
    config.lead_agent_id = Some(format!("team-lead@{folder}"));
    config
}

fn task(id: &str, subject: &str, status: &str) -> TaskFile {
    let mut task = TaskFile::parse(&fixture("task.json")).unwrap();
    task.id = Some(id.into());
    task.subject = subject.to_owned();
    task.status = status.to_owned();
    task
}

/// An orchestration whose orchestrator and phase-1 leads have the session ids TINA
/// chose for them.
fn setup(env: &Env) -> (Orchestration, Team, Team) {
    let (orch, lead) = env
        .store
        .create_orchestration(&NewOrchestration {
            feature_name: "flag".into(),
            design_doc: "docs/flag.md".into(),
            branch: None,
            worktree_path: None,
            total_phases: 1,
            orchestrator_team_name: orchestrator_team_name("flag"),
            lead_session_id: Some(ORCH_SESSION.into()),
            replace: false,
        })
        .unwrap();
    let phase = env
        .store
        .register_team(&TeamRegistration {
            team_name: phase_team_name("flag", 1),
            orchestration_id: orch.id.clone(),
            parent_team_id: Some(lead.id.clone()),
            phase_number: Some(1),
            lead_session_id: Some(PHASE_SESSION.into()),
        })
        .unwrap();
    (orch, lead, phase)
}

fn once_ok(env: &Env) {
    let out = env.once();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn session_folder_links_by_lead_session_id_and_keeps_syncing_after_session_end() {
    let env = Env::new();
    let (orch, lead, phase) = setup(&env);
    let home = ClaudeHome::new(&env.config.claude_home);
    let folder = session_team_name(PHASE_SESSION);
    home.write_team_config(&folder, &config_for(PHASE_SESSION))
        .unwrap();
    home.write_task(&folder, &task("1", "Implement the flag", "in_progress"))
        .unwrap();
    // The orchestrator's own implicit team, in the same layout.
    let orch_folder = session_team_name(ORCH_SESSION);
    home.write_team_config(&orch_folder, &config_for(ORCH_SESSION))
        .unwrap();
    home.write_task(&orch_folder, &task("1", "execute-phase-1", "in_progress"))
        .unwrap();
    once_ok(&env);

    let t = env.task(&orch, &phase, "1").expect("phase task synced");
    assert_eq!(t.subject, "Implement the flag");
    assert_eq!(t.phase_number, Some(1));
    assert_eq!(t.active_form.as_deref(), Some("Implementing the flag"));
    let o = env
        .task(&orch, &lead, "1")
        .expect("orchestrator task synced");
    assert_eq!(
        (o.subject.as_str(), o.phase_number),
        ("execute-phase-1", None)
    );
    let linked = env.store.get_team(&phase.id).unwrap();
    assert_eq!(linked.claude_team_dir.as_deref(), Some(folder.as_str()));
    assert_eq!(linked.lead_session_id.as_deref(), Some(PHASE_SESSION));
    let members: Vec<String> = env
        .store
        .list_team_members(&orch.id)
        .unwrap()
        .into_iter()
        .filter(|m| m.team_id == phase.id)
        .map(|m| m.agent_name)
        .collect();
    assert_eq!(members, ["implementer", "team-lead"]);

    // Session end: Claude Code deletes the team folder. The task folder keeps its team,
    // also for a daemon started afresh (the link is on the team record).
    std::fs::remove_dir_all(home.team_dir(&folder).unwrap()).unwrap();
    home.write_task(&folder, &task("1", "Implement the flag", "completed"))
        .unwrap();
    home.write_task(&folder, &task("2", "Add tests", "pending"))
        .unwrap();
    once_ok(&env);
    assert_eq!(
        env.task(&orch, &phase, "1").unwrap().status,
        TaskStatus::Completed
    );
    assert_eq!(env.task(&orch, &phase, "2").unwrap().subject, "Add tests");

    // The completed task's file vanishes (2.1.332 deletes it while the session runs):
    // the task keeps its last state, and nothing is recorded for the removal.
    let before = env.events(&orch).len();
    std::fs::remove_file(home.task_path(&folder, "1").unwrap()).unwrap();
    once_ok(&env);
    assert_eq!(
        env.task(&orch, &phase, "1").unwrap().status,
        TaskStatus::Completed
    );
    assert_eq!(env.events(&orch).len(), before);
    assert_eq!(env.current(&orch).len(), 3);
}

#[test]
fn a_folder_whose_lead_only_shares_the_name_stays_pending_until_its_team_exists() {
    let env = Env::new();
    let (orch, _lead, phase) = setup(&env);
    let home = ClaudeHome::new(&env.config.claude_home);
    // Same folder name as the phase lead's would be, but another session wrote it.
    let folder = session_team_name(LOOKALIKE_SESSION);
    assert_eq!(folder, session_team_name(PHASE_SESSION));
    home.write_team_config(&folder, &config_for(LOOKALIKE_SESSION))
        .unwrap();
    home.write_task(&folder, &task("1", "Not ours", "pending"))
        .unwrap();
    once_ok(&env);
    assert!(env.current(&orch).is_empty(), "{:?}", env.current(&orch));
    assert_eq!(env.store.get_team(&phase.id).unwrap().claude_team_dir, None);

    // Its team is registered later (another orchestration): the files follow it.
    let (other, other_lead) = env
        .store
        .create_orchestration(&NewOrchestration {
            feature_name: "other".into(),
            design_doc: "d.md".into(),
            branch: None,
            worktree_path: None,
            total_phases: 1,
            orchestrator_team_name: orchestrator_team_name("other"),
            lead_session_id: Some(LOOKALIKE_SESSION.into()),
            replace: false,
        })
        .unwrap();
    once_ok(&env);
    assert_eq!(
        env.task(&other, &other_lead, "1").unwrap().subject,
        "Not ours"
    );
    assert!(env.current(&orch).is_empty());
}

#[test]
fn print_mode_task_folder_links_by_the_full_session_id() {
    let env = Env::new();
    let (orch, _lead, phase) = setup(&env);
    let home = ClaudeHome::new(&env.config.claude_home);
    home.write_task(PHASE_SESSION, &task("1", "Headless", "completed"))
        .unwrap();
    home.write_task(LOOKALIKE_SESSION, &task("1", "Someone else's", "pending"))
        .unwrap();
    once_ok(&env);
    let t = env.task(&orch, &phase, "1").expect("synced by session id");
    assert_eq!(
        (t.subject.as_str(), t.status.as_str()),
        ("Headless", "completed")
    );
    assert_eq!(env.current(&orch).len(), 1);
    assert_eq!(
        env.store
            .get_team(&phase.id)
            .unwrap()
            .claude_team_dir
            .as_deref(),
        Some(PHASE_SESSION)
    );
}

#[test]
fn watch_mode_links_a_task_folder_that_appears_before_its_team_config() {
    let env = Env::new();
    let (orch, _lead, phase) = setup(&env);
    let home = ClaudeHome::new(&env.config.claude_home);
    let daemon = env.spawn();
    let folder = session_team_name(PHASE_SESSION);
    // 2.1.332 writes the task before the team exists (TaskCreate, then Agent).
    home.write_task(&folder, &task("1", "Implement the flag", "pending"))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(env.current(&orch).is_empty());
    home.write_team_config(&folder, &config_for(PHASE_SESSION))
        .unwrap();
    env.wait_task(&orch, &phase, "1", "Implement the flag", "pending");
    std::fs::remove_dir_all(home.team_dir(&folder).unwrap()).unwrap();
    home.write_task(&folder, &task("1", "Implement the flag", "completed"))
        .unwrap();
    env.wait_task(&orch, &phase, "1", "Implement the flag", "completed");
    assert!(daemon.terminate().success());
}

/// A 2.1.332 hook sample, sent from `session`.
fn hook(name: &str, session: &str) -> tina_session::claude_code::HookPayload {
    let text = String::from_utf8(fixture(&format!("hooks/{name}.json")))
        .unwrap()
        .replace("8739ce96-1dac-48df-8c52-26613812a012", session);
    let payload = tina_session::claude_code::HookPayload::parse(text.as_bytes()).unwrap();
    payload.validate().unwrap();
    payload
}

fn ingest(env: &Env, name: &str) -> tina_session::claude_code::HookOutcome {
    let home = ClaudeHome::new(&env.config.claude_home);
    tina_session::claude_code::ingest(&*env.store, &home, &hook(name, PHASE_SESSION), now_ms())
        .unwrap()
}

fn set_mtime(path: &std::path::Path, ms: i64) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms as u64))
        .unwrap();
}

#[test]
fn hook_and_file_for_the_same_state_record_it_once_whichever_comes_first() {
    let env = Env::new();
    let (orch, _lead, phase) = setup(&env);
    let home = ClaudeHome::new(&env.config.claude_home);
    let folder = session_team_name(PHASE_SESSION);
    home.write_team_config(&folder, &config_for(PHASE_SESSION))
        .unwrap();
    once_ok(&env); // links the folder
    // Hook first: it records the file's content under the daemon's identity.
    home.write_task(&folder, &task("1", "Implement the change", "pending"))
        .unwrap();
    assert!(matches!(
        ingest(&env, "TaskCreated"),
        tina_session::claude_code::HookOutcome::TaskRecorded {
            from_file: true,
            ..
        }
    ));
    once_ok(&env);
    assert_eq!(env.events_of(&orch, &phase, "1").len(), 1);
    assert_eq!(
        env.task(&orch, &phase, "1").unwrap().active_form.as_deref(),
        Some("Implementing the flag")
    );
    // File first: the hook changes nothing.
    home.write_task(&folder, &task("1", "Implement the change", "completed"))
        .unwrap();
    once_ok(&env);
    assert!(matches!(
        ingest(&env, "TaskCompleted"),
        tina_session::claude_code::HookOutcome::TaskUnchanged { .. }
    ));
    assert_eq!(env.events_of(&orch, &phase, "1").len(), 2);
    assert_eq!(
        env.task(&orch, &phase, "1").unwrap().status,
        TaskStatus::Completed
    );
}

#[test]
fn a_hook_completion_whose_file_vanished_is_not_undone_by_an_older_file_state() {
    let env = Env::new();
    let (orch, _lead, phase) = setup(&env);
    let home = ClaudeHome::new(&env.config.claude_home);
    let folder = session_team_name(PHASE_SESSION);
    home.write_team_config(&folder, &config_for(PHASE_SESSION))
        .unwrap();
    let mut working = task("1", "Implement the change", "in_progress");
    working.owner = Some("implementer".into());
    let path = home.write_task(&folder, &working).unwrap();
    let an_hour_ago = now_ms() - 3_600_000;
    set_mtime(&path, an_hour_ago);
    once_ok(&env);
    // Completed, and the file deleted before the daemon saw it: only the hook tells.
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(
        ingest(&env, "TaskCompleted"),
        tina_session::claude_code::HookOutcome::TaskRecorded {
            from_file: false,
            ..
        }
    ));
    let t = env.task(&orch, &phase, "1").unwrap();
    assert_eq!(t.status, TaskStatus::Completed);
    // The file's content carried over: owner and activeForm are not lost.
    assert_eq!(t.owner.as_deref(), Some("implementer"));
    assert_eq!(t.active_form.as_deref(), Some("Implementing the flag"));
    // A stale copy of the older state shows up (older mtime): history only.
    let stale = home
        .write_task(&folder, &task("1", "Implement the change", "pending"))
        .unwrap();
    set_mtime(&stale, an_hour_ago + 1);
    once_ok(&env);
    assert_eq!(
        env.task(&orch, &phase, "1").unwrap().status,
        TaskStatus::Completed
    );
}

/// A team linked by name to a folder of an earlier run that has since been removed (the
/// harness clears stale folders; the daemon may have linked it first) is still found by
/// its lead's session folder: a link to a folder that no longer exists holds nothing.
#[test]
fn a_stale_name_link_to_a_removed_folder_gives_way_to_the_session_folder() {
    let env = Env::new();
    let (orch, lead, _phase) = setup(&env);
    // The store says the orchestrator team is linked to a folder named like the team...
    env.store
        .link_claude_team_dir(&lead.id, &lead.team_name)
        .unwrap();
    // ...which does not exist; the lead's real session folder does.
    let home = ClaudeHome::new(&env.config.claude_home);
    home.write_team_config(&session_team_name(ORCH_SESSION), &config_for(ORCH_SESSION))
        .unwrap();
    home.write_task(
        &session_team_name(ORCH_SESSION),
        &task("1", "Plan phase 1", "in_progress"),
    )
    .unwrap();
    once_ok(&env);
    let t = env
        .task(&orch, &lead, "1")
        .expect("synced through the session folder");
    assert_eq!(t.subject, "Plan phase 1");
    assert_eq!(
        env.store.get_team(&lead.id).unwrap().claude_team_dir,
        Some(session_team_name(ORCH_SESSION))
    );
}

/// What real Claude Code 2.1.332 does: `TaskCompleted` fires while the task's file
/// still says in_progress (the hook records the completion from the store's content),
/// then the file is rewritten as completed. The daemon, which synced the in_progress
/// file, sees the store already has that state and records no second event.
#[test]
fn a_completion_the_hook_recorded_before_the_file_changed_is_recorded_once() {
    let env = Env::new();
    let (orch, _lead, phase) = setup(&env);
    let home = ClaudeHome::new(&env.config.claude_home);
    let folder = session_team_name(PHASE_SESSION);
    home.write_team_config(&folder, &config_for(PHASE_SESSION))
        .unwrap();
    let mut working = task("1", "Implement the change", "in_progress");
    working.owner = Some("implementer".into());
    // As the payload says (the real hook carries the task's description).
    working.description = Some("d".into());
    home.write_task(&folder, &working).unwrap();
    once_ok(&env);
    assert!(matches!(
        ingest(&env, "TaskCompleted"),
        tina_session::claude_code::HookOutcome::TaskRecorded {
            from_file: false,
            ..
        }
    ));
    let mut done = working.clone();
    done.status = "completed".into();
    home.write_task(&folder, &done).unwrap();
    once_ok(&env);
    let events = env.events_of(&orch, &phase, "1");
    assert_eq!(
        events.iter().map(|e| e.status.as_str()).collect::<Vec<_>>(),
        ["in_progress", "completed"],
        "{events:#?}"
    );
}
