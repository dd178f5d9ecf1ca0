//! Daemon benchmark (not a test): `cargo bench -p tina-daemon --bench daemon`.
//!
//! 1. Start-up scan of 500 teams x 20 tasks (10,000 task files, plus a config.json with
//!    3 members per team): in-process `Engine::startup` on a fresh state, the real binary
//!    with `--once` (fresh, then again with nothing changed), and the watching daemon
//!    until its scan is done.
//! 2. RSS of the watching daemon over those files.
//! 3. File written -> visible in `get_current_tasks`: p50/p99 over 1,000 writes, one at a
//!    time, to the watching daemon.
//!
//! Scale with `BENCH_TEAMS` (default 500) and `BENCH_WRITES` (default 1000).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use tina_session::*;

const DAEMON: &str = env!("CARGO_BIN_EXE_tina-daemon");
const TASKS_PER_TEAM: usize = 20;
const TEAMS_PER_ORCHESTRATION: usize = 5;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn write_task(claude: &Path, team: &str, id: usize, subject: &str, status: &str) {
    let dir = claude.join("tasks").join(team);
    std::fs::create_dir_all(&dir).expect("create task dir");
    let body = json!({"id": id.to_string(), "subject": subject,
                      "description": format!("{subject}: a description of moderate length"),
                      "activeForm": "working", "status": status, "owner": "executor",
                      "blocks": [], "blockedBy": if id > 1 { vec![(id - 1).to_string()] } else { vec![] },
                      "metadata": {"estimate": id}});
    std::fs::write(dir.join(format!("{id}.json")), body.to_string()).expect("write task");
}

fn write_config(claude: &Path, team: &str) {
    let dir = claude.join("teams").join(team);
    std::fs::create_dir_all(&dir).expect("create team dir");
    let members: Vec<_> = ["team-lead", "executor", "reviewer"]
        .iter()
        .map(|n| {
            json!({"agentId": format!("{n}@{team}"), "name": n, "model": "sonnet",
                        "joinedAt": 1_700_000_000_000_i64, "cwd": "/tmp"})
        })
        .collect();
    let body = json!({"name": team, "createdAt": 1_700_000_000_000_i64,
                      "leadAgentId": format!("team-lead@{team}"), "leadSessionId": "s",
                      "members": members});
    std::fs::write(dir.join("config.json"), body.to_string()).expect("write config");
}

/// Registers the orchestrations and teams and writes their files.
fn seed(config: &Config, teams: usize) -> Vec<(Orchestration, Vec<Team>)> {
    let store = config.open_store().expect("open store");
    let mut out = Vec::new();
    let orchestrations = teams.div_ceil(TEAMS_PER_ORCHESTRATION);
    for o in 0..orchestrations {
        let feature = format!("feature-{o}");
        let (orch, lead) = store
            .create_orchestration(&NewOrchestration {
                feature_name: feature.clone(),
                design_doc: "d.md".into(),
                branch: None,
                worktree_path: None,
                total_phases: (TEAMS_PER_ORCHESTRATION - 1) as u32,
                orchestrator_team_name: orchestrator_team_name(&feature),
                lead_session_id: None,
                replace: false,
            })
            .expect("create orchestration");
        let mut ts = vec![lead.clone()];
        for n in 1..TEAMS_PER_ORCHESTRATION as u32 {
            ts.push(
                store
                    .register_team(&TeamRegistration {
                        team_name: phase_team_name(&feature, n),
                        orchestration_id: orch.id.clone(),
                        parent_team_id: Some(lead.id.clone()),
                        phase_number: Some(n),
                        lead_session_id: None,
                    })
                    .expect("register team"),
            );
        }
        for t in &ts {
            write_config(&config.claude_home, &t.team_name);
            for id in 1..=TASKS_PER_TEAM {
                write_task(
                    &config.claude_home,
                    &t.team_name,
                    id,
                    &format!("task {id}"),
                    "pending",
                );
            }
        }
        out.push((orch, ts));
    }
    out
}

fn daemon_cmd(config: &Config) -> Command {
    let mut cmd = Command::new(DAEMON);
    cmd.env("TINA_HOME", &config.tina_home)
        .env("CLAUDE_HOME", &config.claude_home)
        .env_remove("TINA_CONVEX_URL")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    // `cargo bench` passes --bench; nothing else to parse.
    let teams = env_usize("BENCH_TEAMS", 500);
    let writes = env_usize("BENCH_WRITES", 1000);
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config::at(dir.path().join("tina"), dir.path().join("claude"));
    let t = Instant::now();
    let seeded = seed(&config, teams);
    let files = teams * TASKS_PER_TEAM;
    println!(
        "seeded {teams} teams, {files} task files in {}",
        ms(t.elapsed())
    );

    // 1a. In-process start-up scan on a fresh state (a copy of the empty store).
    {
        let copy = tempfile::tempdir().expect("temp dir");
        let c2 = Config::at(copy.path().join("tina"), config.claude_home.clone());
        std::fs::create_dir_all(&c2.tina_home).expect("mkdir");
        let store = config.open_store().expect("open store");
        drop(store);
        std::fs::copy(config.db_path(), c2.db_path()).expect("copy db");
        let mut engine = tina_daemon::run::open_engine(&c2).expect("engine");
        let t = Instant::now();
        let report = engine.startup().expect("startup");
        println!(
            "in-process start-up scan: {} ({} files, {} events, {} members)",
            ms(t.elapsed()),
            report.files,
            report.events_recorded,
            report.members_upserted
        );
    }

    // 1b. The real binary, --once, fresh and then unchanged.
    for label in ["fresh", "unchanged"] {
        let t = Instant::now();
        let status = daemon_cmd(&config)
            .arg("--once")
            .status()
            .expect("run --once");
        assert!(status.success(), "--once failed");
        println!("tina-daemon --once ({label}): {}", ms(t.elapsed()));
    }

    // 1c/2. The watching daemon: start-up scan (everything unchanged) and RSS.
    let log = tina_session::daemon::log_path(&config);
    let before = std::fs::read_to_string(&log).map(|s| s.len()).unwrap_or(0);
    let t = Instant::now();
    let mut child = daemon_cmd(&config).spawn().expect("spawn daemon");
    let pid = child.id();
    while !std::fs::read_to_string(&log)
        .is_ok_and(|s| s[before.min(s.len())..].contains("start-up scan done"))
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    println!(
        "watching daemon ready (scan of unchanged files): {}",
        ms(t.elapsed())
    );
    std::thread::sleep(Duration::from_millis(500));
    println!(
        "daemon RSS while watching {files} files: {} KiB (peak {} KiB)",
        rss_kib(pid, "VmRSS:"),
        rss_kib(pid, "VmHWM:")
    );

    // 3. Write -> visible latency.
    let store = config.open_store().expect("open store");
    let mut lat = Vec::with_capacity(writes);
    for i in 0..writes {
        let (orch, ts) = &seeded[i % seeded.len()];
        let team = &ts[i % ts.len()];
        let id = 1 + i % TASKS_PER_TEAM;
        let subject = format!("rev {i}");
        let t = Instant::now();
        write_task(
            &config.claude_home,
            &team.team_name,
            id,
            &subject,
            "in_progress",
        );
        loop {
            let tasks = store.get_current_tasks(&orch.id).expect("current tasks");
            if tasks.iter().any(|c| {
                c.team_id == team.id && c.task_id == id.to_string() && c.subject == subject
            }) {
                break;
            }
            assert!(
                t.elapsed() < Duration::from_secs(30),
                "write {i} never became visible"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        lat.push(t.elapsed());
    }
    lat.sort();
    println!(
        "write -> visible over {writes} writes: p50 {}, p99 {}, max {}",
        ms(percentile(&lat, 0.5)),
        ms(percentile(&lat, 0.99)),
        ms(*lat.last().expect("latencies"))
    );
    println!(
        "daemon RSS after the writes: {} KiB (peak {} KiB)",
        rss_kib(pid, "VmRSS:"),
        rss_kib(pid, "VmHWM:")
    );
    let _ = Command::new("kill").arg(pid.to_string()).status();
    let _ = child.wait();
}
