//! Web API latency for an orchestration with 2,000 current tasks (ARCHITECTURE.md §5:
//! detail API < 50 ms). Run: `cargo bench -p tina-web --bench api`.
//!
//! Measures, on a SQLite file in a temp dir, the median and p95 of:
//! - the store call alone (`get_orchestration_detail`),
//! - JSON serialization of the result,
//! - the full HTTP round trip `GET /api/orchestrations/{id}` against the real server
//!   (request, spawn_blocking store read, serialization, transfer, client read),
//! - the list endpoint with that orchestration in it.

use std::time::{Duration, Instant};

use tina_session::config::Config;
use tokio_util::sync::CancellationToken;

const TASKS: usize = 2_000;
const PHASES: u32 = 4;
const WARMUP: usize = 5;
const RUNS: usize = 60;

struct Stats {
    median: Duration,
    p95: Duration,
    min: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        p95: at(0.95),
        min: samples[0],
    }
}

fn report(name: &str, s: &Stats) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{name:<44} median {:>8.3} ms   p95 {:>8.3} ms   min {:>8.3} ms",
        ms(s.median),
        ms(s.p95),
        ms(s.min)
    );
}

fn time<F: FnMut()>(mut f: F) -> Stats {
    for _ in 0..WARMUP {
        f();
    }
    stats(
        (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

async fn time_async<F, Fut>(mut f: F) -> Stats
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..WARMUP {
        f().await;
    }
    let mut samples = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        f().await;
        samples.push(t.elapsed());
    }
    stats(samples)
}

fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Config::at(dir.path(), dir.path().join("claude")).open_store()?;
    let seeded = tina_web::fixture::seed_bulk(&*store, "perf-2000", PHASES, TASKS)?;
    println!(
        "tina-web api bench: {} current tasks, {PHASES} phases, {RUNS} runs after {WARMUP} warm-up",
        seeded.task_total
    );
    let id = seeded.orchestration_id.clone();

    let detail = store.get_orchestration_detail(&id)?;
    let body_len = serde_json::to_vec(&detail)?.len();
    report(
        "store get_orchestration_detail",
        &time(|| {
            let d = store.get_orchestration_detail(&id);
            assert!(d.is_ok());
        }),
    );
    report(
        "serde_json::to_vec(detail)",
        &time(|| {
            let v = serde_json::to_vec(&detail);
            assert!(v.is_ok());
        }),
    );

    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(tina_web::serve(
            listener,
            store.clone(),
            tina_web::ServeOptions::default(),
            shutdown.clone(),
        ));
        let client = reqwest::Client::new();
        let detail_url = format!("{base}/api/orchestrations/{id}");
        let s = time_async(|| async {
            let resp = client
                .get(&detail_url)
                .send()
                .await
                .expect("detail request");
            assert!(resp.status().is_success());
            let body = resp.bytes().await.expect("detail body");
            assert_eq!(body.len(), body_len);
        })
        .await;
        report("HTTP GET /api/orchestrations/{id}", &s);
        println!(
            "  detail body: {:.1} KiB; target < 50 ms median",
            body_len as f64 / 1024.0
        );
        let list_url = format!("{base}/api/orchestrations");
        let s = time_async(|| async {
            let resp = client.get(&list_url).send().await.expect("list request");
            assert!(resp.status().is_success());
            let _ = resp.bytes().await.expect("list body");
        })
        .await;
        report("HTTP GET /api/orchestrations", &s);
        shutdown.cancel();
        server.await??;
        anyhow::Ok(())
    })
}
