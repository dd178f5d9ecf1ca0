//! What the dashboard costs (issue 15). Run: `cargo bench -p tina-web --bench dashboard`.
//!
//! On SQLite files in temp dirs, against the real server over loopback HTTP:
//! - the dashboard detail of an orchestration with 2,000 tasks: latency, and bytes on the
//!   wire uncompressed, gzip and brotli (what a page fetches on load);
//! - bytes per change: one task event in that orchestration costs a viewing client the
//!   scoped `revision` event plus one compressed refetch; a change in another
//!   orchestration costs it nothing (counted: events received);
//! - the list at 5,000 orchestrations: latency and bytes of page 1 (50 rows), of the
//!   "needs attention" and "waiting on you" filters and of a feature search.
//!
//! Every orchestration carries spend (usage of each team's lead, a budget) and every tenth
//! one a member waiting on a person (plus a wait already cleared), so the list's extra
//! reads (every open attention event; one page's usage and budgets) are in the figures.
//!
//! Prints medians; asserts nothing about time (targets are in ARCHITECTURE.md §5).

use std::time::{Duration, Instant};

use tina_session::config::Config;
use tina_session::*;
use tokio_util::sync::CancellationToken;

const TASKS: usize = 2_000;
const PHASES: u32 = 4;
const ORCHESTRATIONS: usize = 5_000;
const RUNS: usize = 40;

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1e3
}

/// GETs `url` with `accept-encoding: encoding` (reqwest here does not decompress), and
/// returns the median latency and the body size on the wire.
async fn measure(client: &reqwest::Client, url: &str, encoding: &str) -> (f64, usize) {
    let mut samples = Vec::with_capacity(RUNS);
    let mut size = 0;
    for i in 0..RUNS + 3 {
        let t = Instant::now();
        let resp = client
            .get(url)
            .header("accept-encoding", encoding)
            .send()
            .await
            .expect("request");
        assert!(resp.status().is_success(), "{url}: {}", resp.status());
        size = resp.bytes().await.expect("body").len();
        if i >= 3 {
            samples.push(t.elapsed());
        }
    }
    (median(samples), size)
}

fn kib(n: usize) -> String {
    format!("{:.1} KiB", n as f64 / 1024.0)
}

async fn serve(store: std::sync::Arc<dyn Store>) -> anyhow::Result<(String, CancellationToken)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let shutdown = CancellationToken::new();
    tokio::spawn(tina_web::serve(
        listener,
        store,
        tina_web::ServeOptions {
            poll_interval: Duration::from_millis(50),
            ..tina_web::ServeOptions::default()
        },
        shutdown.clone(),
    ));
    Ok((base, shutdown))
}

/// Reads SSE frames until one `revision` event arrives or `within` passes; returns its
/// size in bytes, if any.
async fn next_event(resp: &mut reqwest::Response, within: Duration) -> Option<usize> {
    let deadline = Instant::now() + within;
    let mut buf = String::new();
    loop {
        if let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            if frame.contains("event: revision") {
                return Some(frame.len());
            }
            continue;
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, resp.chunk()).await {
            Ok(Ok(Some(chunk))) => buf.push_str(&String::from_utf8_lossy(&chunk)),
            _ => return None,
        }
    }
}

/// Spend for every team of `seeded` (two models, one of them unpriced), a budget, and for
/// `waiting` a lead waiting on a person (and an older wait, cleared).
fn seed_spend(
    store: &dyn Store,
    seeded: &tina_web::fixture::Seeded,
    waiting: bool,
) -> anyhow::Result<()> {
    let id = &seeded.orchestration_id;
    let teams = std::iter::once(&seeded.orchestrator_team).chain(&seeded.phase_teams);
    let mut lines = Vec::new();
    for (n, team) in teams.enumerate() {
        for (m, model) in ["claude-sonnet-4-5", "bench-model-without-price"]
            .into_iter()
            .enumerate()
        {
            lines.push(UsageLine {
                message_key: format!("{id}:{n}:{m}"),
                team_id: team.id.clone(),
                session_id: format!("s-{n}"),
                agent_name: if m == 0 {
                    "team-lead".into()
                } else {
                    "implementer".into()
                },
                model: model.into(),
                tokens: TokenCounts {
                    input: 12_000,
                    output: 3_000,
                    cache_creation: 1_000,
                    cache_read: 40_000,
                },
                cost_micros: (m == 0).then_some(150_000),
            });
        }
    }
    store.record_usage(&UsageBatch {
        transcript: format!("/bench/{id}.jsonl"),
        offset: 1,
        lines,
    })?;
    store.set_budget(id, None, Some(2_000_000))?;
    if waiting {
        let team = seeded
            .phase_teams
            .last()
            .unwrap_or(&seeded.orchestrator_team);
        for (at, open) in [(now_ms() - 600_000, false), (now_ms() - 60_000, true)] {
            let event = AttentionEvent {
                id: format!("waiting:{}:s:{at}", team.id),
                orchestration_id: id.clone(),
                kind: AttentionKind::Waiting,
                team_id: Some(team.id.clone()),
                phase_number: None,
                session_id: Some("s".into()),
                agent_name: Some("team-lead".into()),
                message: "team-lead is waiting on a person: Claude needs your permission".into(),
                detail: serde_json::json!({"notification_type": "permission_prompt", "since": at}),
                created_at: at,
                cleared_at: None,
                delivered_at: None,
            };
            store.record_attention(&event)?;
            if !open {
                store.clear_attention(&event.id, at + 1)?;
            }
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let dir = tempfile::tempdir()?;
    let store = Config::at(dir.path(), dir.path().join("claude")).open_store()?;
    let big = tina_web::fixture::seed_bulk_at(&*store, "perf-2000", PHASES, TASKS, now_ms())?;
    let other = tina_web::fixture::seed_bulk_at(&*store, "other", 1, 10, now_ms())?;
    seed_spend(&*store, &big, true)?;
    println!(
        "tina-web dashboard bench: {} tasks, {RUNS} runs",
        big.task_total
    );

    runtime.block_on(async {
        let (base, shutdown) = serve(store.clone()).await?;
        let client = reqwest::Client::new();
        let id = &big.orchestration_id;
        let url = format!("{base}/api/orchestrations/{id}/dashboard");
        let old = format!("{base}/api/orchestrations/{id}");
        let (_, old_raw) = measure(&client, &old, "identity").await;
        println!("  old detail (OrchestrationDetail), uncompressed: {}", kib(old_raw));
        for encoding in ["identity", "gzip", "br"] {
            let (ms, size) = measure(&client, &url, encoding).await;
            println!("  GET dashboard (2,000 tasks), {encoding:<8}: median {ms:>7.2} ms, {:>9}", kib(size));
        }

        // Bytes per change, as a viewing page sees them.
        let mut events = client
            .get(format!("{base}/api/events?orchestration={id}"))
            .send()
            .await?;
        let first = next_event(&mut events, Duration::from_secs(5)).await.unwrap_or(0);
        let writer = Config::at(dir.path(), dir.path().join("claude")).open_store()?;
        writer.record_task_event(&tina_web::fixture::task(
            &other.phase_teams[0],
            "99",
            "Elsewhere",
            "pending",
            None,
            now_ms(),
        ))?;
        let elsewhere = next_event(&mut events, Duration::from_millis(500)).await;
        writer.record_task_event(&tina_web::fixture::task(
            &big.phase_teams[3],
            "9999",
            "One more task",
            "in_progress",
            Some("tester"),
            now_ms(),
        ))?;
        let event = next_event(&mut events, Duration::from_secs(5)).await.unwrap_or(0);
        let (_, refetch_br) = measure(&client, &url, "br").await;
        let (_, refetch_gzip) = measure(&client, &url, "gzip").await;
        println!(
            "  one task change here: event {event} B (first event {first} B) + refetch {} (br) / {} (gzip) = {} per change (br); target <= 50 KB",
            kib(refetch_br),
            kib(refetch_gzip),
            kib(event + refetch_br),
        );
        println!(
            "  one task change in another orchestration: {} (events received by this page)",
            if elsewhere.is_some() { "1 event (unexpected)" } else { "0 events, 0 bytes" }
        );
        shutdown.cancel();
        anyhow::Ok(())
    })?;

    // The list at 5,000 orchestrations.
    let dir = tempfile::tempdir()?;
    let store = Config::at(dir.path(), dir.path().join("claude")).open_store()?;
    let t = Instant::now();
    for i in 0..ORCHESTRATIONS {
        let phases = 1 + (i % 3) as u32;
        let seeded = tina_web::fixture::seed_bulk_at(
            &*store,
            &format!("feature-{i:04}"),
            phases,
            3 * phases as usize + 6,
            now_ms(),
        )?;
        seed_spend(&*store, &seeded, i % 10 == 0)?;
    }
    println!(
        "list bench: {ORCHESTRATIONS} orchestrations seeded in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    runtime.block_on(async {
        let (base, shutdown) = serve(store.clone()).await?;
        let client = reqwest::Client::new();
        for (name, query) in [
            ("page 1 (50 rows)", ""),
            ("page 60", "?page=60"),
            ("needs attention", "?status=attention"),
            ("waiting on you", "?status=waiting"),
            ("feature search '12'", "?feature=12"),
        ] {
            let url = format!("{base}/api/orchestrations{query}");
            let (ms, raw) = measure(&client, &url, "identity").await;
            let (_, gz) = measure(&client, &url, "gzip").await;
            println!(
                "  GET list {name:<22}: median {ms:>7.2} ms, {:>9} ({} gzip)",
                kib(raw),
                kib(gz)
            );
        }
        shutdown.cancel();
        anyhow::Ok(())
    })
}
