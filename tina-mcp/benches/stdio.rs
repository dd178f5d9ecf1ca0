//! Benchmark: `tools/call get_current_tasks` round trips over stdio against the built
//! `tina-mcp` binary (200 current tasks, 100,000 events in the store), and the time from
//! spawning the binary to a completed MCP handshake.
//!
//! Run: `cargo bench -p tina-mcp --bench stdio` (release build). Prints p50/p90/p99.
//! Sizes can be changed with BENCH_CALLS and BENCH_SPAWNS.

use std::time::{Duration, Instant};

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use tina_session::Config;
use tina_session::lifecycle::{self, InitRequest, Runtime, StartRequest};
use tina_session::model::{NewTaskEvent, TaskStatus, TeamId, now_ms};

const TASKS: usize = 200;
const EVENTS: usize = 100_000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "{name:<40} n={:<5} p50={:>9.3?} p90={:>9.3?} p99={:>9.3?} mean={:>9.3?}",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.9),
        percentile(&samples, 0.99),
        mean
    );
}

/// One orchestration "bench" (2 phases): 20 orchestrator tasks and 180 phase-1 tasks,
/// 500 events each (statuses cycling), recorded in batches.
fn seed(dir: &std::path::Path) -> Config {
    let config = Config::at(dir.join("tina"), dir.join("claude"));
    std::fs::create_dir_all(&config.tina_home).expect("tina home");
    let store = config.open_store().expect("store");
    let design = dir.join("design.md");
    std::fs::write(&design, "# d").expect("design");
    let plan = dir.join("plan.md");
    std::fs::write(&plan, "# p").expect("plan");
    let init = lifecycle::init(
        &*store,
        &InitRequest {
            feature: "bench".into(),
            design_doc: design,
            repo: None,
            branch: None,
            total_phases: 2,
            no_worktree: true,
            replace: false,
            worktrees_dir: config.worktrees_dir(),
        },
    )
    .expect("init");
    let phase = lifecycle::start(
        &*store,
        &StartRequest {
            orchestration: "bench".into(),
            phase: 1,
            plan,
            parent_team_id: Some(init.team_id.clone()),
            runtime: Runtime::None,
        },
    )
    .expect("start");
    let per_task = EVENTS / TASKS;
    let base = now_ms() - (per_task as i64) * 1000;
    let statuses = [
        TaskStatus::Pending,
        TaskStatus::InProgress,
        TaskStatus::Completed,
    ];
    let mut batch = Vec::with_capacity(10_000);
    for round in 0..per_task {
        for task in 0..TASKS {
            let team: &TeamId = if task < 20 {
                &init.team_id
            } else {
                &phase.team_id
            };
            batch.push(NewTaskEvent {
                team_id: team.clone(),
                task_id: (task + 1).to_string(),
                subject: format!("task {task}"),
                description: "benchmark task with a description of ordinary length".into(),
                active_form: None,
                status: statuses[(round + task) % 3].clone(),
                owner: Some("executor".into()),
                blocked_by: vec![],
                metadata: serde_json::Value::Null,
                recorded_at: base + round as i64 * 1000,
                sequence: (round * TASKS + task) as i64,
            });
            if batch.len() == 10_000 {
                store.record_task_events(&batch).expect("record");
                batch.clear();
            }
        }
    }
    if !batch.is_empty() {
        store.record_task_events(&batch).expect("record");
    }
    config
}

fn command(config: &Config) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tina-mcp"));
    cmd.arg("serve")
        .env("TINA_HOME", &config.tina_home)
        .env("CLAUDE_HOME", &config.claude_home)
        .env_remove("TINA_CONVEX_URL")
        .env("RUST_LOG", "warn");
    cmd
}

/// Tasks in a `get_current_tasks` result (grouped by team).
fn task_count(result: &serde_json::Value) -> usize {
    result["teams"].as_array().map_or(0, |teams| {
        teams
            .iter()
            .map(|t| t["tasks"].as_array().map_or(0, Vec::len))
            .sum()
    })
}

async fn raw_client(config: &Config, calls: usize) -> Vec<Duration> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let mut child = command(config)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    let send = async |msg: serde_json::Value, stdin: &mut tokio::process::ChildStdin| {
        let mut text = msg.to_string();
        text.push('\n');
        stdin.write_all(text.as_bytes()).await.expect("write");
    };
    send(
        serde_json::json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "bench", "version": "0"}}}),
        &mut stdin,
    )
    .await;
    stdout.read_line(&mut line).await.expect("init response");
    send(
        serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        &mut stdin,
    )
    .await;
    let mut samples = Vec::with_capacity(calls);
    for id in 1..=(calls + 100) {
        let start = Instant::now();
        send(
            serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
                "name": "get_current_tasks", "arguments": {"orchestration": "bench", "limit": TASKS}}}),
            &mut stdin,
        )
        .await;
        line.clear();
        stdout.read_line(&mut line).await.expect("response");
        let v: serde_json::Value = serde_json::from_str(&line).expect("json");
        if id > 100 {
            samples.push(start.elapsed());
        }
        assert_eq!(task_count(&v["result"]["structuredContent"]), TASKS);
    }
    samples
}

fn main() {
    let calls = env_usize("BENCH_CALLS", 2000);
    let spawns = env_usize("BENCH_SPAWNS", 30);
    // BENCH_DIR keeps the seeded store (for profiling the server against it).
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = std::env::var_os("BENCH_DIR").map_or_else(|| tmp.path().to_owned(), Into::into);
    let t = Instant::now();
    let config = seed(&dir);
    println!(
        "seeded {TASKS} tasks / {EVENTS} events in {:.1?} ({})",
        t.elapsed(),
        config.db_path().display()
    );
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        // Spawn to ready: process start, store open, initialize round trip.
        let mut ready = Vec::with_capacity(spawns);
        for _ in 0..spawns {
            let start = Instant::now();
            let transport = TokioChildProcess::new(command(&config)).expect("spawn");
            let client = ().serve(transport).await.expect("handshake");
            ready.push(start.elapsed());
            client.cancel().await.expect("close");
        }
        report("spawn -> initialized", ready);

        let transport = TokioChildProcess::new(command(&config)).expect("spawn");
        let client = ().serve(transport).await.expect("handshake");
        let args = serde_json::json!({"orchestration": "bench", "limit": TASKS});
        let params = CallToolRequestParams::new("get_current_tasks")
            .with_arguments(args.as_object().cloned().unwrap_or_default());
        let first = client.call_tool(params.clone()).await.expect("call");
        let count = first.structured_content.as_ref().map_or(0, task_count);
        assert_eq!(count, TASKS, "unexpected result");
        for _ in 0..100 {
            client.call_tool(params.clone()).await.expect("warm-up");
        }
        let mut samples = Vec::with_capacity(calls);
        for _ in 0..calls {
            let start = Instant::now();
            let r = client.call_tool(params.clone()).await.expect("call");
            samples.push(start.elapsed());
            assert_ne!(r.is_error, Some(true));
        }
        report("tools/call get_current_tasks (200)", samples);

        let filtered = CallToolRequestParams::new("get_current_tasks").with_arguments(
            serde_json::json!({"orchestration": "bench", "phase": 1, "status": "completed"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        let mut samples = Vec::with_capacity(calls);
        for _ in 0..calls {
            let start = Instant::now();
            client.call_tool(filtered.clone()).await.expect("call");
            samples.push(start.elapsed());
        }
        report("tools/call get_current_tasks filtered", samples);

        let small = CallToolRequestParams::new("get_orchestration").with_arguments(
            serde_json::json!({"orchestration": "bench"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        let mut samples = Vec::with_capacity(calls);
        for _ in 0..calls {
            let start = Instant::now();
            client.call_tool(small.clone()).await.expect("call");
            samples.push(start.elapsed());
        }
        report("tools/call get_orchestration (small)", samples);

        let mut samples = Vec::with_capacity(calls);
        for _ in 0..calls {
            let start = Instant::now();
            client.list_tools(None).await.expect("list");
            samples.push(start.elapsed());
        }
        report("tools/list", samples);
        client.cancel().await.expect("close");

        // The same call from a minimal client: JSON lines written and read by hand,
        // responses parsed as untyped JSON. Separates the server's share from the rmcp
        // client's typed deserialization of a ~150 KB response.
        report(
            "raw JSON-RPC get_current_tasks (200)",
            raw_client(&config, calls).await,
        );
    });

    // The store call alone, in-process, for the protocol overhead by difference.
    let store = config.open_store().expect("store");
    let orch = store.get_orchestration_by_feature("bench").expect("orch");
    let mut samples = Vec::with_capacity(calls);
    for _ in 0..calls {
        let start = Instant::now();
        let tasks = store.get_current_tasks(&orch.id).expect("tasks");
        samples.push(start.elapsed());
        assert_eq!(tasks.len(), TASKS);
    }
    report("in-process store.get_current_tasks", samples);
}
