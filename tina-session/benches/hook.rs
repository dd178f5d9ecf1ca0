//! Hook ingest benchmark (`cargo bench -p tina-session --bench hook`): how long from a
//! Claude Code hook payload to its task being visible in `get_current_tasks`, on SQLite,
//! with 2,000 tasks already in the orchestration.
//!
//! - `in-process`: `claude_code::ingest` on an open store (the library's share).
//! - `binary`: the real `tina-session hook` process, payload on stdin, until it exits
//!   (what Claude Code waits for): start-up, config, store open, ingest, log line.
//!   Built by `cargo bench` as the crate's binary (release profile).
//!
//! Prints p50 / p99 / max in ms. Target (ARCHITECTURE.md section 5): p99 < 50 ms.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::json;
use tina_session::claude_code::{ClaudeHome, HookPayload, ingest};
use tina_session::store::sqlite::SqliteStore;
use tina_session::*;

const SESSION: &str = "8739ce96-1dac-48df-8c52-26613812a012";
const EXISTING: usize = 2_000;

fn payload(event: &str, task: usize) -> serde_json::Value {
    json!({
        "session_id": SESSION,
        "transcript_path": "/home/dev/.claude/projects/-p/8739ce96.jsonl",
        "cwd": "/home/dev/project",
        "hook_event_name": event,
        "task_id": format!("h{task}"),
        "task_subject": format!("Hook task {task}"),
        "task_description": "d",
    })
}

fn percentiles(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{name:<12} n={:<5} p50={:.2} ms  p99={:.2} ms  max={:.2} ms",
        ms.len(),
        at(0.50),
        at(0.99),
        at(1.0)
    );
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tina_home = dir.path().join("tina");
    std::fs::create_dir_all(&tina_home).expect("tina home");
    let store = SqliteStore::open(&tina_home.join("tina.db")).expect("open");
    let (orch, lead) = store
        .create_orchestration(&NewOrchestration {
            feature_name: "bench".into(),
            design_doc: "d.md".into(),
            branch: None,
            worktree_path: None,
            total_phases: 1,
            orchestrator_team_name: "bench-orchestration".into(),
            lead_session_id: Some(SESSION.into()),
            replace: false,
        })
        .expect("create");
    let seed: Vec<NewTaskEvent> = (0..EXISTING)
        .map(|i| NewTaskEvent {
            team_id: lead.id.clone(),
            task_id: i.to_string(),
            subject: format!("task {i}"),
            description: "a task description of ordinary length".into(),
            active_form: Some(format!("Working on task {i}")),
            status: TaskStatus::InProgress,
            owner: Some("implementer".into()),
            blocked_by: vec![],
            metadata: json!({}),
            recorded_at: 1_000,
            sequence: 1,
        })
        .collect();
    store.record_task_events(&seed).expect("seed");
    let claude = ClaudeHome::new(dir.path().join("claude"));

    let quick = std::env::var_os("TINA_BENCH_QUICK").is_some();
    let n = if quick { 100 } else { 500 };
    let mut in_process = Vec::with_capacity(n);
    for i in 0..n {
        let payload = HookPayload::from_value(payload("TaskCreated", i)).expect("payload");
        let start = Instant::now();
        payload.validate().expect("valid");
        ingest(&store, &claude, &payload, now_ms()).expect("ingest");
        in_process.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    percentiles("in-process", in_process);

    let bin = env!("CARGO_BIN_EXE_tina-session");
    let mut binary = Vec::with_capacity(n);
    for i in 0..n {
        let bytes = payload("TaskCompleted", i).to_string();
        let start = Instant::now();
        let mut child = Command::new(bin)
            .arg("hook")
            .env("TINA_HOME", &tina_home)
            .env("CLAUDE_HOME", dir.path().join("claude"))
            .env_remove("TINA_CONVEX_URL")
            .env_remove("RUST_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn tina-session hook");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(bytes.as_bytes())
            .expect("write payload");
        assert!(child.wait().expect("wait").success());
        binary.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    let done = store
        .get_current_tasks(&orch.id)
        .expect("read")
        .into_iter()
        .filter(|t| t.task_id.starts_with('h') && t.status == TaskStatus::Completed)
        .count();
    assert_eq!(done, n, "every hook's completion is visible in the store");
    percentiles("binary", binary);
}
