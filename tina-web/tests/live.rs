//! Server-sent events: a write to the store (through another handle on the same file, as
//! the daemon in another process would) reaches a connected client. The deadlines here are
//! generous limits against hangs, not performance targets: the latency is only printed
//! (`--nocapture`), as the browser e2e test logs it.

mod support;

use std::time::{Duration, Instant};

use support::TestServer;
use tina_web::fixture::{seed_demo, task};

/// Reads the SSE body until a `revision` event satisfying `pred` arrives, or panics.
async fn wait_for_revision(
    resp: &mut reqwest::Response,
    buf: &mut String,
    within: Duration,
    pred: impl Fn(i64) -> bool,
) -> i64 {
    let deadline = Instant::now() + within;
    loop {
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            if !frame.contains("event: revision") {
                continue;
            }
            let data = frame
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .unwrap_or_else(|| panic!("revision event without data: {frame:?}"));
            let v: serde_json::Value = serde_json::from_str(data).expect("event JSON");
            let rev = v["revision"].as_i64().expect("revision number");
            if pred(rev) {
                return rev;
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(left, resp.chunk())
            .await
            .unwrap_or_else(|_| panic!("no matching revision event within {within:?}; got {buf:?}"))
            .expect("stream read")
            .expect("stream ended early");
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn events_stream_announces_writes_from_another_handle() {
    let server = TestServer::start().await;
    let seeded = seed_demo(&*server.store).expect("seed");
    let mut resp = server
        .client
        .get(format!("{}/api/events", server.base))
        .send()
        .await
        .expect("connect");
    assert_eq!(resp.status().as_u16(), 200);
    let ctype = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(ctype.starts_with("text/event-stream"), "{ctype}");

    let mut buf = String::new();
    let first = wait_for_revision(&mut resp, &mut buf, Duration::from_secs(10), |_| true).await;

    let writer = server.second_store();
    let p2 = &seeded.phase_teams[1];
    writer
        .record_task_event(&task(
            p2,
            "11",
            "Late task",
            "in_progress",
            Some("implementer"),
            9_000,
        ))
        .expect("write");
    let written_at = Instant::now();
    let next = wait_for_revision(&mut resp, &mut buf, Duration::from_secs(10), |r| r > first).await;
    assert!(next > first);
    println!(
        "write to revision event: {:?} (poll interval 200 ms)",
        written_at.elapsed()
    );

    let (_, detail) = server
        .get(&format!("/api/orchestrations/{}", seeded.orchestration_id))
        .await;
    let p2_ids: Vec<&str> = detail["phase_tasks"]["2"]
        .as_array()
        .expect("phase 2 tasks")
        .iter()
        .filter_map(|t| t["task_id"].as_str())
        .collect();
    assert!(p2_ids.contains(&"11"), "{p2_ids:?}");
    server.stop().await;
}

#[tokio::test]
async fn shutdown_ends_open_event_streams() {
    let server = TestServer::start().await;
    let mut resp = server
        .client
        .get(format!("{}/api/events", server.base))
        .send()
        .await
        .expect("connect");
    let mut buf = String::new();
    wait_for_revision(&mut resp, &mut buf, Duration::from_secs(10), |_| true).await;
    // `stop` asserts the server finishes within 5 s although this client is still connected.
    server.stop().await;
    let end = tokio::time::timeout(Duration::from_secs(2), async {
        while let Ok(Some(_)) = resp.chunk().await {}
    })
    .await;
    assert!(end.is_ok(), "the event stream closed on shutdown");
}

#[tokio::test]
async fn an_orchestration_stream_ignores_writes_to_other_orchestrations() {
    let server = TestServer::start().await;
    let a = seed_demo(&*server.store).expect("seed a");
    let b = tina_web::fixture::seed_bulk(&*server.store, "other", 1, 4).expect("seed b");
    let mut resp = server
        .client
        .get(format!(
            "{}/api/events?orchestration={}",
            server.base, a.orchestration_id
        ))
        .send()
        .await
        .expect("connect");
    assert_eq!(resp.status().as_u16(), 200);
    let mut buf = String::new();
    let first = wait_for_revision(&mut resp, &mut buf, Duration::from_secs(10), |_| true).await;
    assert_eq!(
        first,
        server
            .store
            .orchestration_revision(&a.orchestration_id)
            .expect("revision")
    );

    let writer = server.second_store();
    let other_team = &b.phase_teams[0];
    writer
        .record_task_event(&task(other_team, "99", "Elsewhere", "pending", None, 9_000))
        .expect("write b");
    // Several polls pass with nothing for A.
    let quiet = tokio::time::timeout(Duration::from_millis(800), resp.chunk()).await;
    match quiet {
        Err(_) => {}
        Ok(chunk) => {
            let text = chunk
                .expect("read")
                .map(|c| String::from_utf8_lossy(&c).into_owned())
                .unwrap_or_default();
            assert!(
                !text.contains("event: revision"),
                "a write to another orchestration woke A's stream: {text}"
            );
        }
    }
    writer
        .record_task_event(&task(
            &a.phase_teams[1],
            "12",
            "Here",
            "pending",
            None,
            9_000,
        ))
        .expect("write a");
    let next = wait_for_revision(&mut resp, &mut buf, Duration::from_secs(10), |r| r > first).await;
    assert_eq!(
        next,
        server
            .store
            .orchestration_revision(&a.orchestration_id)
            .expect("revision")
    );

    let (status, body) = server.get("/api/events?orchestration=no-such-id").await;
    assert_eq!(status, 404, "{body}");
    server.stop().await;
}

/// What the daemon records for attention and spend (usage from a transcript, a budget, a
/// member waiting on a person and clearing) wakes the orchestration's stream, and each
/// refetch shows it: spend and budget on the dashboard, the waiting count in the list.
#[tokio::test]
async fn spend_budgets_and_waiting_reach_a_live_page() {
    use tina_session::*;
    let server = TestServer::start().await;
    let a = seed_demo(&*server.store).expect("seed a");
    let mut resp = server
        .client
        .get(format!(
            "{}/api/events?orchestration={}",
            server.base, a.orchestration_id
        ))
        .send()
        .await
        .expect("connect");
    let mut buf = String::new();
    let mut last = wait_for_revision(&mut resp, &mut buf, Duration::from_secs(10), |_| true).await;
    let writer = server.second_store();
    let team = &a.phase_teams[1];
    let dashboard = format!("/api/orchestrations/{}/dashboard", a.orchestration_id);

    writer
        .record_usage(&UsageBatch {
            transcript: "/t/lead.jsonl".into(),
            offset: 10,
            lines: vec![UsageLine {
                message_key: "msg_1:req_1".into(),
                team_id: team.id.clone(),
                session_id: "s-lead".into(),
                agent_name: "team-lead".into(),
                model: "claude-sonnet-4-5".into(),
                tokens: TokenCounts {
                    input: 1_000,
                    output: 200,
                    cache_creation: 0,
                    cache_read: 5_000,
                },
                cost_micros: Some(1_250_000),
            }],
        })
        .expect("usage");
    last = wait_for_revision(&mut resp, &mut buf, Duration::from_secs(10), |r| r > last).await;
    let (_, d) = server.get(&dashboard).await;
    assert_eq!(
        d["spend"]["total"]["cost_micros"], 1_250_000,
        "{}",
        d["spend"]
    );
    assert_eq!(d["spend"]["phases"]["2"]["tokens"]["cache_read"], 5_000);

    writer
        .set_budget(&a.orchestration_id, None, Some(1_500_000))
        .expect("budget");
    last = wait_for_revision(&mut resp, &mut buf, Duration::from_secs(10), |r| r > last).await;
    let (_, d) = server.get(&dashboard).await;
    assert_eq!(d["spend"]["budgets"][0]["state"], "warning");
    assert_eq!(d["spend"]["budgets"][0]["percent"], 83);

    let wait = AttentionEvent {
        id: "waiting:test:1".into(),
        orchestration_id: a.orchestration_id.clone(),
        kind: AttentionKind::Waiting,
        team_id: Some(team.id.clone()),
        phase_number: None,
        session_id: Some("s-lead".into()),
        agent_name: Some("team-lead".into()),
        message: "team-lead is waiting on a person: <img src=x onerror=alert(1)>".into(),
        detail: serde_json::json!({"notification_type": "permission_prompt", "since": 1_000}),
        created_at: 1_200,
        cleared_at: None,
        delivered_at: None,
    };
    writer.record_attention(&wait).expect("waiting");
    last = wait_for_revision(&mut resp, &mut buf, Duration::from_secs(10), |r| r > last).await;
    let (_, d) = server.get(&dashboard).await;
    assert_eq!(d["attention"]["waiting"], 1);
    assert_eq!(d["attention"]["open"][0]["phase_number"], 2);
    assert_eq!(d["attention"]["open"][0]["since"], 1_000);
    let (_, list) = server.get("/api/orchestrations").await;
    assert_eq!(list["facets"]["waiting"], 1);
    assert_eq!(list["rows"][0]["attention"]["waiting"], 1);
    assert_eq!(list["rows"][0]["spend"]["cost_micros"], 1_250_000);
    let (_, only) = server.get("/api/orchestrations?status=waiting").await;
    assert_eq!(only["total"], 1);

    writer.clear_attention(&wait.id, 2_000).expect("clear");
    wait_for_revision(&mut resp, &mut buf, Duration::from_secs(10), |r| r > last).await;
    let (_, d) = server.get(&dashboard).await;
    assert_eq!(d["attention"]["waiting"], 0);
    let (_, list) = server.get("/api/orchestrations").await;
    assert!(list["facets"].get("waiting").is_none_or(|n| n == 0));
    server.stop().await;
}
