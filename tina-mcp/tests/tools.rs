//! Every read and lifecycle tool through a real MCP client, including the error paths.

mod common;

use common::*;
use serde_json::{Value, json};
use tina_session::model::TaskStatus;

const TOOLS: &[&str] = &[
    "list_orchestrations",
    "get_orchestration",
    "get_orchestration_detail",
    "get_team_hierarchy",
    "get_current_tasks",
    "list_active_teams",
    "init_orchestration",
    "start_phase",
    "advance_phase",
    "register_team",
    "watch_orchestration",
];

#[tokio::test]
async fn lists_every_tool_with_documented_schemas_and_instructions() {
    let s = session().await;
    let tools = s.client.list_all_tools().await.expect("list tools");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for want in TOOLS {
        assert!(names.contains(want), "missing tool {want} in {names:?}");
    }
    for tool in &tools {
        assert!(
            tool.description.as_deref().is_some_and(|d| d.len() > 20),
            "{} has no description",
            tool.name
        );
        // The schemas come from the real records (derived, not mirrored); each result
        // must still be an object with its fields described, or clients get no schema.
        let output = tool
            .output_schema
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no outputSchema", tool.name));
        assert!(
            output.get("type") == Some(&Value::from("object"))
                && output
                    .get("properties")
                    .and_then(Value::as_object)
                    .is_some_and(|p| !p.is_empty()),
            "{}: outputSchema is not an object with properties: {output:?}",
            tool.name
        );
        let schema = Value::Object((*tool.input_schema).clone());
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (field, prop) in props {
                assert!(
                    prop.get("description")
                        .and_then(Value::as_str)
                        .is_some_and(|d| !d.is_empty()),
                    "{}.{field} has no description: {prop}",
                    tool.name
                );
            }
        }
    }
    let read_only = |name: &str| {
        tools
            .iter()
            .find(|t| t.name == name)
            .and_then(|t| t.annotations.as_ref())
            .and_then(|a| a.read_only_hint)
            == Some(true)
    };
    for name in [
        "get_current_tasks",
        "get_team_hierarchy",
        "watch_orchestration",
    ] {
        assert!(read_only(name), "{name} should be marked read-only");
    }
    for name in [
        "init_orchestration",
        "start_phase",
        "run_scenario",
        "rebuild_binaries",
    ] {
        assert!(!read_only(name), "{name} changes things");
    }
    let info = s.client.peer_info().expect("server info");
    let instructions = info.instructions.clone().unwrap_or_default();
    for tool in [
        "watch_orchestration",
        "get_current_tasks",
        "run_scenario",
        "start_phase",
    ] {
        assert!(
            instructions.contains(tool),
            "instructions do not mention {tool}"
        );
    }
}

#[tokio::test]
async fn list_orchestrations_with_and_without_status_filter() {
    let s = session().await;
    let all = ok(&s.client, "list_orchestrations", json!({})).await;
    let features: Vec<&str> = all["orchestrations"]
        .as_array()
        .expect("array")
        .iter()
        .map(|o| o["feature_name"].as_str().expect("feature"))
        .collect();
    assert_eq!(features.len(), 2);
    assert!(features.contains(&"auth") && features.contains(&"billing"));
    let executing = ok(
        &s.client,
        "list_orchestrations",
        json!({"status": "executing"}),
    )
    .await;
    let only: Vec<&Value> = executing["orchestrations"]
        .as_array()
        .expect("array")
        .iter()
        .collect();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0]["feature_name"], "auth");
    let complete = ok(
        &s.client,
        "list_orchestrations",
        json!({"status": "complete"}),
    )
    .await;
    assert_eq!(complete["orchestrations"], json!([]));
    let bad = call(&s.client, "list_orchestrations", json!({"status": "done"})).await;
    assert_eq!(bad.is_error, Some(true));
    assert!(text(&bad).contains("done"), "{}", text(&bad));
}

#[tokio::test]
async fn get_orchestration_by_feature_or_id_and_unknown() {
    let s = session().await;
    let by_name = ok(
        &s.client,
        "get_orchestration",
        json!({"orchestration": "auth"}),
    )
    .await;
    assert_eq!(
        by_name["orchestration"]["id"],
        s.seeded.orchestration_id.as_str()
    );
    assert_eq!(by_name["orchestration"]["status"], "executing");
    assert_eq!(by_name["phases"][0]["phase_number"], 1);
    assert_eq!(by_name["phases"][0]["status"], "executing");
    assert_eq!(by_name["team_count"], 2);
    assert_eq!(by_name["task_total"], 7);
    assert_eq!(by_name["task_counts"]["completed"], 4);
    assert_eq!(by_name["task_counts"]["needs_review"], 1);
    let by_id = ok(
        &s.client,
        "get_orchestration",
        json!({"orchestration": s.seeded.orchestration_id}),
    )
    .await;
    assert_eq!(by_id, by_name);
    // Exact names only: a prefix or different case is not found.
    for key in ["aut", "AUTH", "auth-orchestration", ""] {
        let msg = tool_error(
            &s.client,
            "get_orchestration",
            json!({"orchestration": key}),
        )
        .await;
        assert!(msg.contains("not found"), "{msg}");
        assert!(msg.contains(&format!("'{key}'")), "{msg}");
        assert!(msg.contains("list_orchestrations"), "{msg}");
    }
}

#[tokio::test]
async fn detail_groups_tasks_by_team_record() {
    let s = session().await;
    let d = ok(
        &s.client,
        "get_orchestration_detail",
        json!({"orchestration": "auth"}),
    )
    .await;
    assert_eq!(d["orchestration"]["feature_name"], "auth");
    let orch_tasks = d["orchestrator_tasks"].as_array().expect("array");
    assert_eq!(orch_tasks.len(), 2);
    assert!(
        orch_tasks
            .iter()
            .all(|t| t["team_id"] == s.seeded.orchestrator_team_id.as_str())
    );
    let p1 = d["phase_tasks"]["1"].as_array().expect("phase 1 tasks");
    assert_eq!(p1.len(), 5);
    // Task "1" exists in both teams: two distinct tasks.
    assert!(orch_tasks.iter().any(|t| t["task_id"] == "1"));
    assert!(p1.iter().any(|t| t["task_id"] == "1"));
    assert_eq!(d["teams"].as_array().expect("teams").len(), 2);
    assert_eq!(d["team_members"][0]["agent_name"], "executor");
    let msg = tool_error(
        &s.client,
        "get_orchestration_detail",
        json!({"orchestration": "nope"}),
    )
    .await;
    assert!(msg.contains("list_orchestrations"), "{msg}");
}

#[tokio::test]
async fn hierarchy_has_the_phase_team_under_the_orchestrator_team() {
    let s = session().await;
    let h = ok(
        &s.client,
        "get_team_hierarchy",
        json!({"orchestration": "auth"}),
    )
    .await;
    let roots = h["teams"].as_array().expect("roots");
    assert_eq!(roots.len(), 1);
    let root = &roots[0];
    assert_eq!(root["team"]["team_name"], "auth-orchestration");
    assert_eq!(root["task_total"], 2);
    let kids = root["children"].as_array().expect("children");
    assert_eq!(kids.len(), 1);
    assert_eq!(kids[0]["team"]["id"], s.seeded.phase1_team_id.as_str());
    assert_eq!(kids[0]["team"]["phase_number"], 1);
    assert_eq!(
        kids[0]["task_counts"],
        json!({"completed": 3, "in_progress": 1, "needs_review": 1})
    );
    assert_eq!(kids[0]["members"][0]["agent_type"], "phase-executor");
    let msg = tool_error(
        &s.client,
        "get_team_hierarchy",
        json!({"orchestration": "x"}),
    )
    .await;
    assert!(msg.contains("'x'"), "{msg}");
}

#[tokio::test]
async fn current_tasks_filters() {
    let s = session().await;
    let count = |v: &Value| v["count"].as_u64().expect("count");
    let all = ok(
        &s.client,
        "get_current_tasks",
        json!({"orchestration": "auth"}),
    )
    .await;
    assert_eq!(count(&all), 7);
    assert_eq!(all["tasks"].as_array().expect("tasks").len(), 7);
    let p1 = ok(
        &s.client,
        "get_current_tasks",
        json!({"orchestration": "auth", "phase": 1}),
    )
    .await;
    assert_eq!(count(&p1), 5);
    let p2 = ok(
        &s.client,
        "get_current_tasks",
        json!({"orchestration": "auth", "phase": 2}),
    )
    .await;
    assert_eq!(count(&p2), 0);
    let team = ok(
        &s.client,
        "get_current_tasks",
        json!({"orchestration": "auth", "team": "auth-orchestration"}),
    )
    .await;
    assert_eq!(count(&team), 2);
    let done = ok(
        &s.client,
        "get_current_tasks",
        json!({"orchestration": "auth", "status": "completed"}),
    )
    .await;
    assert_eq!(count(&done), 4);
    let odd = ok(
        &s.client,
        "get_current_tasks",
        json!({"orchestration": "auth", "status": "needs_review", "team": s.seeded.phase1_team_name, "phase": 1}),
    )
    .await;
    assert_eq!(count(&odd), 1);
    assert_eq!(odd["tasks"][0]["task_id"], "5");

    let msg = tool_error(
        &s.client,
        "get_current_tasks",
        json!({"orchestration": "auth", "team": "auth-phase"}),
    )
    .await;
    assert!(
        msg.contains("team not found") && msg.contains("get_team_hierarchy"),
        "{msg}"
    );
    // A team of another orchestration is not a team of this one.
    let msg = tool_error(
        &s.client,
        "get_current_tasks",
        json!({"orchestration": "auth", "team": s.seeded.other_team_name}),
    )
    .await;
    assert!(msg.contains("team not found"), "{msg}");
    for phase in [0, 3] {
        let msg = tool_error(
            &s.client,
            "get_current_tasks",
            json!({"orchestration": "auth", "phase": phase}),
        )
        .await;
        assert!(msg.contains("outside 1..=2"), "{msg}");
    }
    let msg = tool_error(
        &s.client,
        "get_current_tasks",
        json!({"orchestration": "zzz"}),
    )
    .await;
    assert!(msg.contains("list_orchestrations"), "{msg}");
}

#[tokio::test]
async fn active_teams_are_those_of_running_orchestrations() {
    let s = session().await;
    let r = ok(&s.client, "list_active_teams", json!({})).await;
    let mut names: Vec<&str> = r["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .map(|t| t["team_name"].as_str().expect("name"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "auth-orchestration",
            "auth-phase-1",
            "billing-orchestration"
        ]
    );
    ok(
        &s.client,
        "advance_phase",
        json!({"orchestration": "auth", "phase": 1, "event": "block", "reason": "tests fail"}),
    )
    .await;
    let r = ok(&s.client, "list_active_teams", json!({})).await;
    let names: Vec<&str> = r["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .map(|t| t["team_name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["billing-orchestration"]);
}

#[tokio::test]
async fn init_orchestration_and_its_refusals() {
    let s = session().await;
    let design = s.dir.path().join("design.md");
    let out = ok(
        &s.client,
        "init_orchestration",
        json!({"feature": "search", "design_doc": design, "total_phases": 3, "no_worktree": true}),
    )
    .await;
    assert_eq!(out["feature_name"], "search");
    assert_eq!(out["total_phases"], 3);
    assert_eq!(out["team_name"], "search-orchestration");
    assert_eq!(out["worktree_path"], Value::Null);
    // The store agrees with what the tool returned.
    let o = s
        .seeded
        .store
        .get_orchestration_by_feature("search")
        .expect("stored");
    assert_eq!(o.id.as_str(), out["orchestration_id"].as_str().expect("id"));
    let team = s
        .seeded
        .store
        .get_team_by_name("search-orchestration")
        .expect("team");
    assert_eq!(team.id.as_str(), out["team_id"].as_str().expect("team id"));

    let msg = tool_error(
        &s.client,
        "init_orchestration",
        json!({"feature": "search", "design_doc": design, "no_worktree": true}),
    )
    .await;
    assert!(msg.contains("already has an orchestration"), "{msg}");
    let msg = tool_error(
        &s.client,
        "init_orchestration",
        json!({"feature": "../evil", "design_doc": design, "no_worktree": true}),
    )
    .await;
    assert!(msg.contains("invalid feature name"), "{msg}");
    let msg = tool_error(
        &s.client,
        "init_orchestration",
        json!({"feature": "x", "design_doc": s.dir.path().join("missing.md"), "no_worktree": true}),
    )
    .await;
    assert!(msg.contains("cannot read design doc"), "{msg}");
    let msg = tool_error(
        &s.client,
        "init_orchestration",
        json!({"feature": "y", "design_doc": design, "total_phases": 0, "no_worktree": true}),
    )
    .await;
    assert!(msg.contains("at least 1"), "{msg}");
    for branch in ["--upload-pack=x", "a b", "a..b", ""] {
        let msg = tool_error(
            &s.client,
            "init_orchestration",
            json!({"feature": "z", "design_doc": design, "branch": branch}),
        )
        .await;
        assert!(msg.contains("argument `branch`"), "{branch}: {msg}");
    }
    assert!(s.seeded.store.get_orchestration_by_feature("z").is_err());
}

#[tokio::test]
async fn init_orchestration_creates_a_worktree_in_a_git_repo() {
    let s = session().await;
    let repo = s.dir.path().join("repo");
    std::fs::create_dir_all(&repo).expect("repo dir");
    let git = |args: &[&str]| {
        let st = std::process::Command::new("git")
            .args(args)
            .current_dir(&repo)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@t")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@t")
            .status()
            .expect("git");
        assert!(st.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    std::fs::write(repo.join("README"), "x").expect("write");
    git(&["add", "README"]);
    git(&["commit", "-q", "-m", "init"]);
    let out = ok(
        &s.client,
        "init_orchestration",
        json!({"feature": "wt", "design_doc": s.dir.path().join("design.md"), "repo": repo}),
    )
    .await;
    assert_eq!(out["branch"], "tina/wt");
    let wt = out["worktree_path"].as_str().expect("worktree path");
    assert!(
        std::path::Path::new(wt).join("README").is_file(),
        "worktree at {wt}"
    );
}

#[tokio::test]
async fn start_phase_registers_the_team_under_its_parent() {
    let s = session().await;
    let plan = s.dir.path().join("plan-2.md");
    std::fs::write(&plan, "# plan 2").expect("plan");
    // Phases run one at a time: phase 2 waits until phase 1 is complete.
    let msg = tool_error(
        &s.client,
        "start_phase",
        json!({"orchestration": "auth", "phase": 2, "plan": plan, "runtime": "none"}),
    )
    .await;
    assert!(msg.contains("phase 1 is executing"), "{msg}");
    for event in ["review", "complete"] {
        ok(
            &s.client,
            "advance_phase",
            json!({"orchestration": "auth", "phase": 1, "event": event}),
        )
        .await;
    }
    let out = ok(
        &s.client,
        "start_phase",
        json!({"orchestration": "auth", "phase": 2, "plan": plan, "parent_team_id": s.seeded.orchestrator_team_id, "runtime": "none"}),
    )
    .await;
    assert_eq!(out["team_name"], "auth-phase-2");
    assert_eq!(out["phase_number"], 2);
    assert_eq!(
        out["parent_team_id"],
        s.seeded.orchestrator_team_id.as_str()
    );
    assert_eq!(out["runtime"], "none");
    let team = s
        .seeded
        .store
        .get_team_by_name("auth-phase-2")
        .expect("registered");
    assert_eq!(
        team.parent_team_id.map(|t| t.0),
        Some(s.seeded.orchestrator_team_id.clone())
    );
    assert_eq!(team.phase_number, Some(2));

    let msg = tool_error(
        &s.client,
        "start_phase",
        json!({"orchestration": "auth", "phase": 2, "plan": plan, "parent_team_id": "no-such-team", "runtime": "none"}),
    )
    .await;
    assert!(msg.contains("no-such-team"), "{msg}");
    let msg = tool_error(
        &s.client,
        "start_phase",
        json!({"orchestration": "billing", "phase": 1, "plan": plan, "parent_team_id": s.seeded.orchestrator_team_id, "runtime": "none"}),
    )
    .await;
    assert!(msg.contains("another orchestration"), "{msg}");
    let msg = tool_error(
        &s.client,
        "start_phase",
        json!({"orchestration": "nope", "phase": 1, "plan": plan, "runtime": "none"}),
    )
    .await;
    assert!(msg.contains("list_orchestrations"), "{msg}");
    let msg = tool_error(
        &s.client,
        "start_phase",
        json!({"orchestration": "auth", "phase": 5, "plan": plan, "runtime": "none"}),
    )
    .await;
    assert!(msg.contains("outside 1..=2"), "{msg}");
    let msg = tool_error(
        &s.client,
        "start_phase",
        json!({"orchestration": "billing", "phase": 1, "plan": s.dir.path().join("nope.md"), "runtime": "none"}),
    )
    .await;
    assert!(msg.contains("does not exist"), "{msg}");
}

#[tokio::test]
async fn advance_phase_walks_the_state_machine() {
    let s = session().await;
    let adv = |event: &str| json!({"orchestration": "auth", "phase": 1, "event": event});
    let r = ok(&s.client, "advance_phase", adv("review")).await;
    assert_eq!(r["previous_status"], "executing");
    assert_eq!(r["phase_status"], "reviewing");
    let r = ok(&s.client, "advance_phase", adv("complete")).await;
    assert_eq!(r["phase_status"], "complete");
    // Phase 2 is not done, so the orchestration is not complete.
    assert_ne!(r["orchestration_status"], "complete");
    let msg = tool_error(&s.client, "advance_phase", adv("complete")).await;
    assert!(msg.contains("cannot apply 'complete'"), "{msg}");
    let msg = tool_error(
        &s.client,
        "advance_phase",
        json!({"orchestration": "auth", "phase": 2, "event": "block"}),
    )
    .await;
    assert!(msg.contains("reason"), "{msg}");
    let r = ok(
        &s.client,
        "advance_phase",
        json!({"orchestration": s.seeded.orchestration_id, "phase": 2, "event": "block", "reason": "flaky CI"}),
    )
    .await;
    assert_eq!(r["phase_status"], "blocked");
    assert_eq!(r["blocked_reason"], "flaky CI");
    assert_eq!(r["orchestration_status"], "blocked");
    let msg = tool_error(
        &s.client,
        "advance_phase",
        json!({"orchestration": "nope", "phase": 1, "event": "review"}),
    )
    .await;
    assert!(msg.contains("list_orchestrations"), "{msg}");
    let bad = call(
        &s.client,
        "advance_phase",
        json!({"orchestration": "auth", "phase": 1, "event": "finish"}),
    )
    .await;
    assert_eq!(bad.is_error, Some(true));
    assert!(text(&bad).contains("finish"), "{}", text(&bad));
}

#[tokio::test]
async fn register_team_upserts_by_exact_name() {
    let s = session().await;
    let r = ok(
        &s.client,
        "register_team",
        json!({"orchestration": "auth", "team_name": "auth-reviewers", "phase_number": 1, "parent_team_id": s.seeded.orchestrator_team_id, "lead_session_id": "sess-1"}),
    )
    .await;
    assert_eq!(r["team"]["team_name"], "auth-reviewers");
    assert_eq!(
        r["team"]["orchestration_id"],
        s.seeded.orchestration_id.as_str()
    );
    assert_eq!(r["team"]["lead_session_id"], "sess-1");
    let again = ok(
        &s.client,
        "register_team",
        json!({"orchestration": s.seeded.orchestration_id, "team_name": "auth-reviewers", "phase_number": 1, "parent_team_id": s.seeded.orchestrator_team_id, "lead_session_id": "sess-2"}),
    )
    .await;
    assert_eq!(again["team"]["id"], r["team"]["id"]);
    assert_eq!(again["team"]["lead_session_id"], "sess-2");

    let msg = tool_error(
        &s.client,
        "register_team",
        json!({"orchestration": "billing", "team_name": "auth-reviewers"}),
    )
    .await;
    assert!(msg.contains("already belongs"), "{msg}");
    let msg = tool_error(
        &s.client,
        "register_team",
        json!({"orchestration": "auth", "team_name": "x", "phase_number": 1, "parent_team_id": s.seeded.other_orchestrator_team_id}),
    )
    .await;
    assert!(
        msg.contains("invalid") || msg.contains("not found"),
        "{msg}"
    );
    let msg = tool_error(
        &s.client,
        "register_team",
        json!({"orchestration": "nope", "team_name": "x"}),
    )
    .await;
    assert!(msg.contains("list_orchestrations"), "{msg}");
    let msg = tool_error(
        &s.client,
        "register_team",
        json!({"orchestration": "auth", "team_name": "  "}),
    )
    .await;
    assert!(msg.contains("argument `team_name`"), "{msg}");
}

#[tokio::test]
async fn malformed_arguments_are_clear_errors_and_the_server_keeps_serving() {
    let s = session().await;
    // Arguments that do not fit the schema come back as tool errors that name the
    // argument, not as protocol errors.
    let cases = [
        (
            "get_orchestration",
            json!({}),
            "missing field `orchestration`",
        ),
        (
            "get_orchestration",
            json!({"orchestration": 5}),
            "orchestration: invalid type",
        ),
        (
            "get_current_tasks",
            json!({"orchestration": "auth", "phase": -1}),
            "phase: invalid value",
        ),
        (
            "get_current_tasks",
            json!({"orchestration": "auth", "feature": "auth"}),
            "unknown field `feature`",
        ),
        (
            "start_phase",
            json!({"orchestration": "auth", "phase": 1, "plan": "p", "runtime": "bash"}),
            "runtime: unknown variant `bash`",
        ),
        (
            "watch_orchestration",
            json!({"orchestration": "auth", "timeout_seconds": "soon"}),
            "timeout_seconds: invalid type",
        ),
    ];
    for (tool, args, needle) in cases {
        let r = call(&s.client, tool, args.clone()).await;
        assert_eq!(r.is_error, Some(true), "{tool} {args} should fail");
        assert!(text(&r).contains(needle), "{tool} {args}: {}", text(&r));
        assert!(text(&r).contains("inputSchema"), "{}", text(&r));
    }
    // An unknown tool is a protocol error.
    let unknown = call_raw(&s.client, "drop_database", json!({})).await;
    let err = unknown.expect_err("unknown tool must be a protocol error");
    assert!(err.to_string().contains("tool not found"), "{err}");
    // Still serving, and nothing was changed by the failed calls.
    let all = ok(
        &s.client,
        "get_current_tasks",
        json!({"orchestration": "auth"}),
    )
    .await;
    assert_eq!(all["count"], 7);
}

#[tokio::test]
async fn concurrent_calls_are_served_together() {
    let s = session().await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..16u32 {
        let peer = s.client.peer().clone();
        set.spawn(async move {
            let phase = if i % 2 == 0 { json!(1) } else { Value::Null };
            let args = json!({"orchestration": "auth", "phase": phase});
            let p = rmcp::model::CallToolRequestParams::new("get_current_tasks")
                .with_arguments(args.as_object().cloned().unwrap_or_default());
            (i, peer.call_tool(p).await)
        });
    }
    let mut seen = 0;
    while let Some(joined) = set.join_next().await {
        let (i, r) = joined.expect("task");
        let r = r.expect("call");
        let want = if i % 2 == 0 { 5 } else { 7 };
        assert_eq!(
            r.structured_content.as_ref().expect("structured")["count"],
            want
        );
        seen += 1;
    }
    assert_eq!(seen, 16);
    // The events the seed wrote are what the tool shows.
    let tasks = s
        .seeded
        .store
        .get_current_tasks(&s.seeded.orchestration_id.as_str().into())
        .expect("tasks");
    assert_eq!(
        tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Completed)
            .count(),
        4
    );
}
