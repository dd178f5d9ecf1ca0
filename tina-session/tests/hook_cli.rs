//! `tina-session hook` through the real binary, with every payload Claude Code 2.1.332
//! really sent (`fixtures/claude-code-2.1.332/hooks/`) piped to its stdin.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tina_session::store::sqlite::SqliteStore;
use tina_session::*;

/// The session of every sample but SessionEnd's.
const LEAD_SESSION: &str = "8739ce96-1dac-48df-8c52-26613812a012";
/// The session of the SessionEnd sample (another run).
const ENDED_SESSION: &str = "e73c2f6e-5f49-4a3b-9136-08d17d9aa63e";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn tina_home(&self) -> PathBuf {
        self.dir.path().join("tina")
    }

    fn store(&self) -> SqliteStore {
        std::fs::create_dir_all(self.tina_home()).unwrap();
        SqliteStore::open(&self.tina_home().join("tina.db")).unwrap()
    }

    /// An orchestration whose orchestrator lead is `LEAD_SESSION` and whose phase-1
    /// lead is `ENDED_SESSION`.
    fn orchestration(&self) -> (Orchestration, Team, Team) {
        let store = self.store();
        let (orch, lead) = store
            .create_orchestration(&NewOrchestration {
                feature_name: "hooks".into(),
                design_doc: "d.md".into(),
                branch: None,
                worktree_path: None,
                total_phases: 1,
                orchestrator_team_name: orchestrator_team_name("hooks"),
                lead_session_id: Some(LEAD_SESSION.into()),
                replace: false,
            })
            .unwrap();
        let phase = store
            .register_team(&TeamRegistration {
                team_name: phase_team_name("hooks", 1),
                orchestration_id: orch.id.clone(),
                parent_team_id: Some(lead.id.clone()),
                phase_number: Some(1),
                lead_session_id: Some(ENDED_SESSION.into()),
            })
            .unwrap();
        (orch, lead, phase)
    }

    fn hook(&self, stdin: &[u8]) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tina-session"))
            .arg("hook")
            .env("TINA_HOME", self.tina_home())
            .env("CLAUDE_HOME", self.dir.path().join("claude"))
            .env_remove("TINA_CONVEX_URL")
            .env_remove("RUST_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A refused oversized payload may close stdin early: a broken pipe is expected.
        let _ = child.stdin.take().unwrap().write_all(stdin);
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "the hook must always exit 0: {out:?}");
        assert!(out.stdout.is_empty(), "nothing on stdout: {out:?}");
        out
    }

    fn sample(&self, name: &str) -> Output {
        self.hook(&std::fs::read(sample_path(name)).unwrap())
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.tina_home().join("logs/hook.log")).unwrap_or_default()
    }
}

fn sample_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/claude-code-2.1.332/hooks")
        .join(format!("{name}.json"))
}

#[test]
fn task_hooks_record_the_task_at_once_and_only_move_it_forward() {
    let env = Env::new();
    let (orch, lead, _) = env.orchestration();
    env.sample("TaskCreated");
    let tasks = env.store().get_current_tasks(&orch.id).unwrap();
    assert_eq!(tasks.len(), 1);
    let t = &tasks[0];
    assert_eq!(
        (t.team_id.clone(), t.task_id.as_str()),
        (lead.id.clone(), "1")
    );
    assert_eq!(
        (t.subject.as_str(), t.description.as_str()),
        ("Implement the change", "d")
    );
    assert_eq!(t.status, TaskStatus::Pending);

    env.sample("TaskCompleted");
    let t = env.store().get_current_tasks(&orch.id).unwrap().remove(0);
    assert_eq!(t.status, TaskStatus::Completed);
    // Delivered again, and a late TaskCreated: nothing changes.
    env.sample("TaskCompleted");
    env.sample("TaskCreated");
    let events = env.store().list_task_events(&orch.id).unwrap();
    assert_eq!(events.len(), 2, "{events:#?}");
    let t = env.store().get_current_tasks(&orch.id).unwrap().remove(0);
    assert_eq!(t.status, TaskStatus::Completed);
    let log = env.log();
    assert!(log.contains("recorded as completed"), "{log}");
    assert!(log.contains("already in that state"), "{log}");
}

#[test]
fn session_and_agent_hooks_become_team_activity() {
    let env = Env::new();
    let (orch, lead, phase) = env.orchestration();
    for name in [
        "SessionStart",
        "TeammateIdle",
        "Notification-permission_prompt",
        "SubagentStart",
        "SubagentStop",
        "Stop",
        "SessionEnd",
        "UserPromptSubmit",
    ] {
        env.sample(name);
    }
    let activity = env.store().list_team_activity(&orch.id).unwrap();
    let seen: Vec<(ActivityKind, &TeamId, Option<&str>, Option<&str>)> = activity
        .iter()
        .map(|a| {
            (
                a.kind,
                &a.team_id,
                a.agent_name.as_deref(),
                a.detail.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                ActivityKind::SessionStart,
                &lead.id,
                None,
                Some("startup (claude-opus-5-5)")
            ),
            (
                ActivityKind::TeammateIdle,
                &lead.id,
                Some("implementer"),
                None
            ),
            (
                ActivityKind::Notification,
                &lead.id,
                None,
                Some("permission_prompt: Claude needs your permission")
            ),
            (
                ActivityKind::SubagentStart,
                &lead.id,
                Some("implementer"),
                None
            ),
            (
                ActivityKind::SubagentStop,
                &lead.id,
                Some("implementer"),
                None
            ),
            (ActivityKind::Stop, &lead.id, None, Some("All done.")),
            (ActivityKind::SessionEnd, &phase.id, None, Some("other")),
        ]
    );
    assert!(activity.iter().all(|a| a.orchestration_id == orch.id));
    assert!(env.log().contains("not an event TINA records"));
}

#[test]
fn a_session_tina_did_not_launch_is_logged_and_dropped() {
    let env = Env::new();
    let (orch, _, _) = env.orchestration();
    let payload = std::fs::read_to_string(sample_path("TaskCreated"))
        .unwrap()
        .replace(LEAD_SESSION, "11111111-2222-4333-8444-555555555555");
    env.hook(payload.as_bytes());
    // The same first 8 characters are not the same session.
    let lookalike = std::fs::read_to_string(sample_path("SessionStart"))
        .unwrap()
        .replace(LEAD_SESSION, "8739ce96-0000-4000-8000-000000000000");
    env.hook(lookalike.as_bytes());
    let store = env.store();
    assert!(store.get_current_tasks(&orch.id).unwrap().is_empty());
    assert!(store.list_team_activity(&orch.id).unwrap().is_empty());
    let log = env.log();
    assert_eq!(log.matches("dropped").count(), 2, "{log}");
    assert!(
        log.contains("11111111-2222-4333-8444-555555555555"),
        "{log}"
    );
}

#[test]
fn bad_payloads_are_refused_with_exit_0_and_a_log_line() {
    let env = Env::new();
    let (orch, _, _) = env.orchestration();
    env.hook(b"");
    env.hook(b"{\"session_id\": ");
    env.hook(br#"{"session_id": "../../etc", "hook_event_name": "SessionStart"}"#);
    env.hook(
        br#"{"session_id": "8739ce96-1dac-48df-8c52-26613812a012", "hook_event_name": "TaskCreated",
             "task_id": "../1", "task_subject": "s"}"#,
    );
    let mut big = br#"{"session_id": "s", "hook_event_name": "Stop", "pad": ""#.to_vec();
    big.extend(std::iter::repeat_n(b'x', 2 * 1024 * 1024));
    big.extend(b"\"}");
    env.hook(&big);
    let log = env.log();
    assert_eq!(log.matches("hook not recorded").count(), 5, "{log}");
    assert!(log.contains("larger than 1048576 bytes"), "{log}");
    assert!(log.contains("session id"), "{log}");
    assert!(log.contains("task id"), "{log}");
    assert!(env.store().get_current_tasks(&orch.id).unwrap().is_empty());
}

#[test]
fn an_unusable_configuration_still_exits_0() {
    let env = Env::new();
    std::fs::create_dir_all(env.tina_home()).unwrap();
    std::fs::write(env.tina_home().join("config.toml"), "not = [valid").unwrap();
    env.sample("SessionStart");
    let log = env.log();
    assert!(
        log.contains("hook not recorded") && log.contains("config.toml"),
        "{log}"
    );
}

/// The plugin's `hooks/hooks.json` declares `tina-session hook` for every event TINA
/// records, run through the plugin's `bin/tina-session` (Claude Code runs hooks with
/// the user's shell PATH, which need not hold TINA's binaries). Each declared command,
/// run by a shell the way Claude Code runs it (`CLAUDE_PLUGIN_ROOT` set, the sample
/// payload on stdin), records it: with TINA's launcher's `TINA_SESSION_BIN` and no
/// tina-session on PATH; and without any tina-session it exits 0 saying how to build it.
#[test]
fn the_plugin_hooks_json_runs_the_hook_for_every_recorded_event() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = root.join("hooks/hooks.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let hooks = doc["hooks"].as_object().unwrap();
    let mut declared: Vec<&str> = hooks.keys().map(String::as_str).collect();
    declared.sort();
    assert_eq!(
        declared,
        [
            "Notification",
            "SessionEnd",
            "SessionStart",
            "Stop",
            "SubagentStart",
            "SubagentStop",
            "TaskCompleted",
            "TaskCreated",
            "TeammateIdle"
        ]
    );
    let env = Env::new();
    let (orch, _, _) = env.orchestration();
    // A plugin root without any build: only TINA_SESSION_BIN can point at the binary.
    let bare = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(bare.path().join("bin")).unwrap();
    for file in ["bin/tina-session", "bin/find-built.sh"] {
        std::fs::copy(root.join(file), bare.path().join(file)).unwrap();
    }
    for (event, groups) in hooks {
        let command = groups[0]["hooks"][0]["command"].as_str().unwrap();
        assert_eq!(groups[0]["hooks"][0]["type"], "command");
        let sample = match event.as_str() {
            "Notification" => "Notification-permission_prompt",
            other => other,
        };
        for with_tina in [true, false] {
            let mut cmd = Command::new("bash");
            cmd.args(["-c", command])
                .env("CLAUDE_PLUGIN_ROOT", bare.path())
                .env("PATH", "/usr/bin:/bin")
                .env("TINA_HOME", env.tina_home())
                .env("CLAUDE_HOME", env.dir.path().join("claude"))
                .env_remove("TINA_CONVEX_URL")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            if with_tina {
                cmd.env("TINA_SESSION_BIN", env!("CARGO_BIN_EXE_tina-session"));
            } else {
                cmd.env_remove("TINA_SESSION_BIN");
            }
            let mut child = cmd.spawn().unwrap();
            let _ = child
                .stdin
                .take()
                .unwrap()
                .write_all(&std::fs::read(sample_path(sample)).unwrap());
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "{event} {with_tina}: {out:?}");
            assert!(out.stdout.is_empty(), "{event}: {out:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            if with_tina {
                assert!(stderr.is_empty(), "{event}: {out:?}");
            } else {
                assert!(
                    stderr.contains("tina-session is not built")
                        && stderr.contains("cargo build --release -p tina-session"),
                    "{event}: {stderr}"
                );
            }
        }
    }
    let store = env.store();
    assert_eq!(
        store.get_current_tasks(&orch.id).unwrap()[0].status,
        TaskStatus::Completed
    );
    assert_eq!(store.list_team_activity(&orch.id).unwrap().len(), 7);
}
