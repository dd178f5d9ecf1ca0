//! The JSON API over a real SQLite file: shapes, status codes, exact lookups, errors.

mod support;

use serde_json::Value;
use support::TestServer;
use tina_session::dashboard::{DashboardDetail, ListPage, TaskDetail};
use tina_session::{OrchestrationDetail, TeamHierarchy};
use tina_web::fixture::{DEMO_FEATURE, seed_demo};

fn task_keys(tasks: &Value) -> Vec<(String, String, String)> {
    tasks
        .as_array()
        .expect("task array")
        .iter()
        .map(|t| {
            (
                t["team_name"].as_str().unwrap_or_default().to_owned(),
                t["task_id"].as_str().unwrap_or_default().to_owned(),
                t["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn empty_store_lists_nothing() {
    let server = TestServer::start().await;
    let (status, body) = server.get("/api/orchestrations").await;
    assert_eq!(status, 200);
    assert_eq!(body["rows"], serde_json::json!([]));
    assert_eq!(body["total"], 0);
    server.stop().await;
}

#[tokio::test]
async fn list_has_task_counts_of_every_status() {
    let server = TestServer::start().await;
    let seeded = seed_demo(&*server.store).expect("seed");
    let (status, body) = server.get("/api/orchestrations").await;
    assert_eq!(status, 200);
    let page: ListPage = serde_json::from_value(body).expect("list page shape");
    assert_eq!(page.rows.len(), 1);
    let row = &page.rows[0];
    assert_eq!(row.orchestration.id, seeded.orchestration_id);
    assert_eq!(row.orchestration.feature_name, DEMO_FEATURE);
    assert_eq!(row.orchestration.current_phase, Some(2));
    // Team tasks and orchestrator tasks are counted apart.
    let team = &row.team_task_counts;
    assert_eq!(team.values().sum::<u32>(), 7);
    assert_eq!(team.get("completed"), Some(&3));
    assert_eq!(team.get("in_progress"), Some(&1));
    assert_eq!(team.get("pending"), Some(&2));
    assert_eq!(
        team.get("deleted"),
        Some(&1),
        "unknown statuses are counted"
    );
    let orch = &row.orchestrator_task_counts;
    assert_eq!(orch.values().sum::<u32>(), 6);
    assert_eq!(orch.get("completed"), Some(&4));
    server.stop().await;
}

#[tokio::test]
async fn detail_groups_orchestrator_and_phase_tasks() {
    let server = TestServer::start().await;
    let seeded = seed_demo(&*server.store).expect("seed");
    let (status, body) = server
        .get(&format!("/api/orchestrations/{}", seeded.orchestration_id))
        .await;
    assert_eq!(status, 200);
    let orch = task_keys(&body["orchestrator_tasks"]);
    assert_eq!(orch.len(), 6);
    // The phase an orchestrator task belongs to travels in its metadata, verbatim.
    let phase_of: Vec<(String, Value)> = body["orchestrator_tasks"]
        .as_array()
        .expect("task array")
        .iter()
        .map(|t| {
            (
                t["task_id"].as_str().unwrap_or_default().to_owned(),
                t["metadata"]["phase_number"].clone(),
            )
        })
        .collect();
    assert_eq!(
        phase_of,
        [
            ("1", serde_json::json!(1)),
            ("2", serde_json::json!(1)),
            ("3", serde_json::json!(1)),
            ("4", serde_json::json!(2)),
            ("5", serde_json::json!(2)),
            ("6", Value::Null),
        ]
        .map(|(id, n)| (id.to_owned(), n))
    );
    assert!(orch.contains(&(
        "verbose-flag-orchestration".into(),
        "1".into(),
        "completed".into()
    )));
    let p1 = task_keys(&body["phase_tasks"]["1"]);
    assert!(p1.contains(&(
        "verbose-flag-phase-1".into(),
        "1".into(),
        "completed".into()
    )));
    assert!(p1.contains(&("verbose-flag-phase-1".into(), "4".into(), "deleted".into())));
    let p2 = task_keys(&body["phase_tasks"]["2"]);
    assert_eq!(p2.len(), 3);
    assert!(p2.contains(&(
        "verbose-flag-phase-2".into(),
        "1".into(),
        "in_progress".into()
    )));
    let detail: OrchestrationDetail = serde_json::from_value(body).expect("detail shape");
    assert_eq!(detail.teams.len(), 3);
    assert_eq!(detail.team_members.len(), 7);
    assert_eq!(detail.phases.len(), 2);
    server.stop().await;
}

#[tokio::test]
async fn feature_lookup_is_exact() {
    let server = TestServer::start().await;
    let seeded = seed_demo(&*server.store).expect("seed");
    let (status, body) = server.get("/api/features/verbose-flag").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["orchestration"]["id"],
        seeded.orchestration_id.as_str()
    );
    for wrong in [
        "verbose",
        "Verbose-flag",
        "verbose-flag%20",
        "verbose-flag-orchestration",
    ] {
        let (status, body) = server.get(&format!("/api/features/{wrong}")).await;
        assert_eq!(status, 404, "{wrong}: {body}");
        assert_eq!(body["error"], "not_found");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains("orchestration not found"), "{message}");
        assert!(
            message.contains("tina-session list"),
            "says how to find valid ones: {message}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn unknown_ids_are_404_naming_the_id() {
    let server = TestServer::start().await;
    seed_demo(&*server.store).expect("seed");
    for path in [
        "/api/orchestrations/no-such-id",
        "/api/orchestrations/no-such-id/hierarchy",
        "/api/orchestrations/no-such-id/tasks",
    ] {
        let (status, body) = server.get(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"], "not_found");
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("no-such-id"),
            "{body}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn hierarchy_nests_phase_teams_under_the_orchestrator() {
    let server = TestServer::start().await;
    let seeded = seed_demo(&*server.store).expect("seed");
    let (status, body) = server
        .get(&format!(
            "/api/orchestrations/{}/hierarchy",
            seeded.orchestration_id
        ))
        .await;
    assert_eq!(status, 200);
    let h: TeamHierarchy = serde_json::from_value(body).expect("hierarchy shape");
    assert_eq!(h.teams.len(), 1);
    let root = &h.teams[0];
    assert_eq!(root.team.id, seeded.orchestrator_team.id);
    assert_eq!(root.task_total, 6);
    let kids: Vec<(Option<u32>, &str, usize)> = root
        .children
        .iter()
        .map(|c| {
            (
                c.team.phase_number,
                c.team.team_name.as_str(),
                c.members.len(),
            )
        })
        .collect();
    assert_eq!(
        kids,
        vec![
            (Some(1), "verbose-flag-phase-1", 3),
            (Some(2), "verbose-flag-phase-2", 3)
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn current_tasks_keep_same_ids_of_different_teams() {
    let server = TestServer::start().await;
    let seeded = seed_demo(&*server.store).expect("seed");
    let (status, body) = server
        .get(&format!(
            "/api/orchestrations/{}/tasks",
            seeded.orchestration_id
        ))
        .await;
    assert_eq!(status, 200);
    let keys = task_keys(&body);
    assert_eq!(keys.len(), 13);
    let ones: Vec<&str> = keys
        .iter()
        .filter(|k| k.1 == "1")
        .map(|k| k.0.as_str())
        .collect();
    assert_eq!(
        ones,
        [
            "verbose-flag-orchestration",
            "verbose-flag-phase-1",
            "verbose-flag-phase-2"
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn bad_input_is_400() {
    let server = TestServer::start().await;
    let long = "x".repeat(tina_web::api::MAX_KEY_LEN + 1);
    for path in [
        "/api/orchestrations/%FF%FE".to_owned(),
        "/api/orchestrations/a%0Ab".to_owned(),
        format!("/api/orchestrations/{long}"),
        "/api/features/%00".to_owned(),
    ] {
        let (status, body) = server.get(&path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"], "bad_request");
        assert!(!body["message"].as_str().unwrap_or_default().is_empty());
    }
    server.stop().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let server = TestServer::start().await;
    let (status, body) = server.get("/api/nothing-here").await;
    assert_eq!(status, 404);
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("/api/nothing-here"),
        "{body}"
    );
    let resp = server
        .client
        .post(format!("{}/api/orchestrations", server.base))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 405);
    let body: Value = serde_json::from_slice(&resp.bytes().await.expect("body")).expect("json");
    assert_eq!(body["error"], "method_not_allowed");
    server.stop().await;
}

#[tokio::test]
async fn health_reports_store_and_revision() {
    let server = TestServer::start().await;
    let (_, before) = server.get("/api/health").await;
    seed_demo(&*server.store).expect("seed");
    let (status, after) = server.get("/api/health").await;
    assert_eq!(status, 200);
    assert!(
        after["store"]
            .as_str()
            .unwrap_or_default()
            .starts_with("sqlite:"),
        "{after}"
    );
    assert!(
        after["revision"].as_i64() > before["revision"].as_i64(),
        "{before} -> {after}"
    );
    server.stop().await;
}

#[tokio::test]
async fn ui_is_served_or_explains_how_to_build_it() {
    let server = TestServer::start().await;
    let resp = server
        .client
        .get(format!("{}/", server.base))
        .send()
        .await
        .expect("get /");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("text");
    if tina_web::assets::ui_built() {
        assert_eq!(status, 200);
        assert!(text.contains("<div id=\"root\">"), "{text}");
        let missing = server
            .client
            .get(format!("{}/nope.js", server.base))
            .send()
            .await
            .expect("get");
        assert_eq!(missing.status().as_u16(), 404);
    } else {
        assert_eq!(status, 503);
        assert!(text.contains("npm run build"), "{text}");
    }
    server.stop().await;
}

#[tokio::test]
async fn list_filters_and_pages_on_the_server_and_says_its_revision() {
    let server = TestServer::start().await;
    seed_demo(&*server.store).expect("seed");
    for i in 0..5 {
        tina_web::fixture::seed_bulk(&*server.store, &format!("bulk-{i}"), 2, 10).expect("bulk");
    }
    let resp = server
        .client
        .get(format!(
            "{}/api/orchestrations?per_page=2&page=2",
            server.base
        ))
        .send()
        .await
        .expect("list");
    let revision: i64 = resp.headers()["x-tina-revision"]
        .to_str()
        .expect("text")
        .parse()
        .expect("number");
    assert_eq!(revision, server.store.revision().expect("revision"));
    let page: ListPage = serde_json::from_slice(&resp.bytes().await.expect("body")).expect("page");
    assert_eq!((page.total, page.rows.len(), page.page), (6, 2, 2));
    assert_eq!(page.facets["all"], 6);

    let (status, body) = server.get("/api/orchestrations?feature=VERBOSE").await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 1, "{body}");
    assert_eq!(
        body["rows"][0]["orchestration"]["feature_name"],
        DEMO_FEATURE
    );
    let (_, body) = server.get("/api/orchestrations?status=complete").await;
    assert_eq!(body["total"], 0, "{body}");

    for (query, says) in [
        ("status=finished", "unknown status filter 'finished'"),
        ("page=0", "page must be a whole number"),
        (
            "per_page=5000",
            "per_page must be a whole number from 1 to 200",
        ),
        ("sort=name", "unknown query parameter 'sort'"),
    ] {
        let (status, body) = server.get(&format!("/api/orchestrations?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{query}: {message}");
    }
    server.stop().await;
}

#[tokio::test]
async fn dashboard_detail_and_task_detail() {
    let server = TestServer::start().await;
    let seeded = seed_demo(&*server.store).expect("seed");
    let resp = server
        .client
        .get(format!(
            "{}/api/orchestrations/{}/dashboard",
            server.base, seeded.orchestration_id
        ))
        .send()
        .await
        .expect("dashboard");
    assert_eq!(resp.status().as_u16(), 200);
    let header: i64 = resp.headers()["x-tina-revision"]
        .to_str()
        .expect("text")
        .parse()
        .expect("number");
    let d: DashboardDetail =
        serde_json::from_slice(&resp.bytes().await.expect("body")).expect("dashboard shape");
    assert_eq!(d.revision, header);
    assert_eq!(d.tasks.len(), seeded.task_total);
    assert_eq!(d.phase_history.len(), 3, "{:?}", d.phase_history);
    let (status, by_feature) = server
        .get(&format!("/api/features/{DEMO_FEATURE}/dashboard"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        by_feature["orchestration"]["id"],
        seeded.orchestration_id.as_str()
    );

    let p2 = &seeded.phase_teams[1];
    let (status, body) = server
        .get(&format!(
            "/api/orchestrations/{}/teams/{}/tasks/1",
            seeded.orchestration_id, p2.id
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    let t: TaskDetail = serde_json::from_value(body).expect("task detail");
    assert_eq!(t.task.subject, "Wire flag into logger");
    assert_eq!(t.events.len(), 1);
    let (status, body) = server
        .get(&format!(
            "/api/orchestrations/{}/teams/{}/tasks/99",
            seeded.orchestration_id, p2.id
        ))
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = server.get("/api/features/no-such-feature/dashboard").await;
    assert_eq!(status, 404);
    server.stop().await;
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let server = TestServer::start().await;
    let seeded = tina_web::fixture::seed_bulk(&*server.store, "big", 2, 500).expect("bulk");
    let url = format!(
        "{}/api/orchestrations/{}/dashboard",
        server.base, seeded.orchestration_id
    );
    let plain = server.client.get(&url).send().await.expect("plain");
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_len = plain.bytes().await.expect("body").len();
    for encoding in ["gzip", "br"] {
        let resp = server
            .client
            .get(&url)
            .header("accept-encoding", encoding)
            .send()
            .await
            .expect("compressed");
        assert_eq!(resp.headers()["content-encoding"], encoding);
        let len = resp.bytes().await.expect("body").len();
        assert!(
            len * 4 < plain_len,
            "{encoding}: {len} bytes of {plain_len}"
        );
    }
    server.stop().await;
}
