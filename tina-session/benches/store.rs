//! Store benchmark (`cargo bench -p tina-session --bench store`).
//!
//! - `get_current_tasks` for one orchestration with 2,000 tasks at 10k, 100k and 1M events:
//!   the materialized read against the scan-and-fold baseline (read every event, fold).
//! - Ingest: events/s batched (1,000 per transaction) and one event per transaction.
//!
//! Set `TINA_BENCH_QUICK=1` to stop at 100k events.

use std::time::{Duration, Instant};

use serde_json::json;
use tina_session::store::fold::fold_current;
use tina_session::store::sqlite::SqliteStore;
use tina_session::*;

const TASKS: usize = 2_000;

fn setup(dir: &std::path::Path, name: &str) -> (SqliteStore, Orchestration, Vec<TeamId>) {
    let store = SqliteStore::open(&dir.join(format!("{name}.db"))).expect("open");
    let (orch, root) = store
        .create_orchestration(&NewOrchestration {
            feature_name: name.into(),
            design_doc: "d.md".into(),
            branch: None,
            worktree_path: None,
            total_phases: 4,
            orchestrator_team_name: format!("{name}-orchestration"),
            lead_session_id: None,
            replace: false,
        })
        .expect("create");
    let mut teams = vec![root.id.clone()];
    for p in 1..=4 {
        teams.push(
            store
                .register_team(&TeamRegistration {
                    team_name: format!("{name}-phase-{p}"),
                    orchestration_id: orch.id.clone(),
                    parent_team_id: Some(root.id.clone()),
                    phase_number: Some(p),
                    lead_session_id: None,
                })
                .expect("team")
                .id,
        );
    }
    (store, orch, teams)
}

fn event(teams: &[TeamId], i: usize) -> NewTaskEvent {
    let task = i % TASKS;
    let round = i / TASKS;
    NewTaskEvent {
        team_id: teams[task % teams.len()].clone(),
        task_id: (task / teams.len() + 1).to_string(),
        subject: format!("Task {task}: implement part of the feature"),
        description: "A description of typical length for a task an agent works on.".into(),
        active_form: None,
        status: TaskStatus::parse(["pending", "in_progress", "completed"][round % 3]),
        owner: Some(format!("agent-{}", task % 7)),
        blocked_by: vec![],
        metadata: json!({}),
        recorded_at: 1_000 + i as i64,
        sequence: round as i64,
    }
}

fn ingest(store: &SqliteStore, teams: &[TeamId], from: usize, to: usize) {
    let mut batch = Vec::with_capacity(1_000);
    for i in from..to {
        batch.push(event(teams, i));
        if batch.len() == 1_000 {
            store.record_task_events(&batch).expect("ingest");
            batch.clear();
        }
    }
    store.record_task_events(&batch).expect("ingest");
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(iters: usize, mut f: impl FnMut() -> T) -> Duration {
    f(); // warm-up
    median(
        (0..iters)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let quick = std::env::var_os("TINA_BENCH_QUICK").is_some();
    let dir = tempfile::tempdir().expect("tempdir");

    println!("== ingest ==");
    let (store, _, teams) = setup(dir.path(), "ingest");
    let n = 200_000;
    let t = Instant::now();
    ingest(&store, &teams, 0, n);
    let batched = n as f64 / t.elapsed().as_secs_f64();
    println!("batched (1,000 per transaction): {batched:>10.0} events/s  (target >= 50,000)");
    let single_n = 5_000;
    let t = Instant::now();
    for i in n..n + single_n {
        store.record_task_event(&event(&teams, i)).expect("single");
    }
    let single = single_n as f64 / t.elapsed().as_secs_f64();
    println!("one event per transaction:       {single:>10.0} events/s  (target >= 5,000)");

    println!("\n== get_current_tasks, {TASKS} tasks ==");
    println!(
        "{:>10}  {:>14}  {:>20}  {:>8}",
        "events", "materialized", "scan-and-fold", "speedup"
    );
    let (store, orch, teams) = setup(dir.path(), "reads");
    let mut base = None;
    let mut loaded = 0;
    let sizes: &[usize] = if quick {
        &[10_000, 100_000]
    } else {
        &[10_000, 100_000, 1_000_000]
    };
    for &events in sizes {
        ingest(&store, &teams, loaded, events);
        loaded = events;
        assert_eq!(
            store.get_current_tasks(&orch.id).expect("read").len(),
            TASKS
        );
        let read = time(50, || store.get_current_tasks(&orch.id).expect("read"));
        let fold_iters = if events >= 1_000_000 { 3 } else { 10 };
        let fold = time(fold_iters, || {
            let all = store.list_task_events(&orch.id).expect("events");
            fold_current(&all).len()
        });
        let base_read = *base.get_or_insert(read);
        println!(
            "{events:>10}  {:>11.2} ms  {:>17.2} ms  {:>7.0}x   (x{:.2} of the 10k read)",
            ms(read),
            ms(fold),
            fold.as_secs_f64() / read.as_secs_f64(),
            read.as_secs_f64() / base_read.as_secs_f64()
        );
    }
    println!("\ntargets: median < 5 ms; 1M events <= 1.5x the 10k time");
}
