//! Untrusted MCP arguments: names that would leave a folder, huge values and bad
//! branches come back as tool errors that name the argument and quote at most ~120
//! characters of it; nothing is written.

mod common;

use common::*;
use serde_json::json;

fn short(msg: &str) {
    assert!(msg.len() < 600, "{} bytes: {}", msg.len(), &msg[..300]);
}

#[tokio::test]
async fn register_team_refuses_traversal_names_and_huge_values() {
    let s = session().await;
    let huge = "x".repeat(1 << 20);
    let cases = [
        (
            json!({"orchestration": "auth", "team_name": "../../victim", "phase_number": 1}),
            "team_name",
            "invalid team name '../../victim'",
        ),
        (
            json!({"orchestration": "auth", "team_name": "esc\u{1b}]0;t\u{7}"}),
            "team_name",
            "\\u{1b}",
        ),
        (
            json!({"orchestration": "auth", "team_name": huge}),
            "team_name",
            "1048576 characters",
        ),
        (
            json!({"orchestration": "auth", "team_name": "auth-x", "phase_number": 1, "lead_session_id": huge}),
            "lead_session_id",
            "limit of 128",
        ),
        (
            json!({"orchestration": "auth", "team_name": "auth-x", "phase_number": 7}),
            "phase_number",
            "outside 1..=2",
        ),
        (
            json!({"orchestration": "auth", "team_name": "auth-x", "phase_number": 0}),
            "phase_number",
            "outside 1..=2",
        ),
        (
            json!({"orchestration": "auth", "team_name": "auth-x", "parent_team_id": s.seeded.orchestrator_team_id}),
            "",
            "no phase number",
        ),
        (
            json!({"orchestration": huge, "team_name": "auth-x"}),
            "",
            "list_orchestrations",
        ),
    ];
    for (args, arg, what) in cases {
        let msg = tool_error(&s.client, "register_team", args).await;
        short(&msg);
        assert!(msg.contains(what), "{msg}");
        if !arg.is_empty() {
            assert!(msg.contains(&format!("argument `{arg}`")), "{msg}");
        }
        assert!(!msg.contains('\u{1b}'), "{msg:?}");
    }
    let tree = ok(
        &s.client,
        "get_team_hierarchy",
        json!({"orchestration": "auth"}),
    )
    .await;
    let text = tree.to_string();
    assert!(
        !text.contains("victim") && !text.contains("auth-x"),
        "{text}"
    );
    // A phase team without a parent hangs below the orchestrator team.
    let r = ok(
        &s.client,
        "register_team",
        json!({"orchestration": "auth", "team_name": "auth-reviewers", "phase_number": 2}),
    )
    .await;
    assert_eq!(
        r["team"]["parent_team_id"],
        s.seeded.orchestrator_team_id.as_str()
    );
}

#[tokio::test]
async fn lifecycle_tools_bound_reasons_paths_and_branches() {
    let s = session().await;
    let huge = "r".repeat(1 << 20);
    let msg = tool_error(
        &s.client,
        "advance_phase",
        json!({"orchestration": "auth", "phase": 1, "event": "block", "reason": huge}),
    )
    .await;
    short(&msg);
    assert!(
        msg.contains("argument `reason`") && msg.contains("limit of 2000"),
        "{msg}"
    );
    let design = s.dir.path().join("design.md").display().to_string();
    for (args, arg) in [
        (
            json!({"feature": "new", "design_doc": design, "no_worktree": true, "branch": "--upload-pack=x"}),
            "branch",
        ),
        (
            json!({"feature": "new", "design_doc": design, "branch": "a b"}),
            "branch",
        ),
        (
            json!({"feature": "../new", "design_doc": design, "no_worktree": true}),
            "feature",
        ),
        (
            json!({"feature": huge, "design_doc": design, "no_worktree": true}),
            "feature",
        ),
        (
            json!({"feature": "new", "design_doc": huge, "no_worktree": true}),
            "design_doc",
        ),
    ] {
        let msg = tool_error(&s.client, "init_orchestration", args).await;
        short(&msg);
        assert!(msg.contains(&format!("argument `{arg}`")), "{msg}");
    }
    let msg = tool_error(
        &s.client,
        "start_phase",
        json!({"orchestration": "auth", "phase": 1, "plan": huge, "runtime": "none"}),
    )
    .await;
    short(&msg);
    assert!(msg.contains("argument `plan`"), "{msg}");
    let list = ok(&s.client, "list_orchestrations", json!({})).await;
    assert!(!list.to_string().contains("\"new\""), "{list}");
}

#[tokio::test]
async fn init_replaces_a_blocked_feature_only_with_replace() {
    let s = session().await;
    let design = s.dir.path().join("design.md").display().to_string();
    let first = ok(
        &s.client,
        "init_orchestration",
        json!({"feature": "stuck", "design_doc": design, "no_worktree": true}),
    )
    .await;
    ok(
        &s.client,
        "advance_phase",
        json!({"orchestration": "stuck", "phase": 1, "event": "block", "reason": "CI red"}),
    )
    .await;
    let msg = tool_error(
        &s.client,
        "init_orchestration",
        json!({"feature": "stuck", "design_doc": design, "no_worktree": true}),
    )
    .await;
    assert!(msg.contains("blocked"), "{msg}");
    let again = ok(
        &s.client,
        "init_orchestration",
        json!({"feature": "stuck", "design_doc": design, "no_worktree": true, "replace": true}),
    )
    .await;
    assert_ne!(again["orchestration_id"], first["orchestration_id"]);
}
