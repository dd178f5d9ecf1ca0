//! Every read and lifecycle tool through a real MCP client, including the error paths.

mod common;

use common::*;
use serde_json::{Value, json};
use tina_session::model::TaskStatus;

/// (team, task id, status) of every task of a grouped reply, in reply order.
fn tasks_of(v: &Value) -> Vec<(String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    v["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .flat_map(|g| {
            g["tasks"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |t| (s(&g["team"]), s(&t["id"]), s(&t["status"])))
        })
        .collect()
}

/// No null, empty array or empty object anywhere in a compact reply.
fn assert_compact(v: &Value) {
    match v {
        Value::Null => panic!("null in a reply"),
        Value::Array(a) => {
            assert!(!a.is_empty(), "empty array in a reply");
            a.iter().for_each(assert_compact);
        }
        Value::Object(o) => {
            assert!(!o.is_empty(), "empty object in a reply");
            o.values().for_each(assert_compact);
        }
        _ => {}
    }
}

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
        // When to use it, in a sentence or two; the workflow is in the instructions.
        assert!(
            tool.description
                .as_deref()
                .is_some_and(|d| d.len() > 20 && d.len() <= 200),
            "{} has no description, or a long one: {:?}",
            tool.name,
            tool.description
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
        // Output schemas: no descriptions (the input side says it), no bare `true`.
        fn check(v: &Value, at: &str, tool: &str) {
            match v {
                Value::Bool(_) => panic!("{tool}: bare boolean schema at {at}"),
                Value::Object(o) => {
                    for (k, c) in o {
                        assert_ne!(k, "description", "{tool}: description at {at}");
                        // Property maps and $defs hold schemas by name.
                        if k == "properties" || k == "$defs" {
                            for (name, p) in c.as_object().into_iter().flatten() {
                                check(p, &format!("{at}/{k}/{name}"), tool);
                            }
                        } else if matches!(k.as_str(), "items" | "additionalProperties") {
                            check(c, &format!("{at}/{k}"), tool);
                        }
                    }
                }
                _ => {}
            }
        }
        check(&Value::Object((**output).clone()), "", &tool.name);
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
        "init_orchestration",
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
        .map(|o| o["feature"].as_str().expect("feature"))
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
    assert_eq!(only[0]["feature"], "auth");
    let complete = ok(
        &s.client,
        "list_orchestrations",
        json!({"status": "complete"}),
    )
    .await;
    assert_eq!(complete["orchestrations"], json!([]));
    let by_feature = ok(&s.client, "list_orchestrations", json!({"feature": "bill"})).await;
    assert_eq!(by_feature["orchestrations"][0]["feature"], "billing");
    assert_eq!(
        by_feature["orchestrations"].as_array().map(Vec::len),
        Some(1)
    );
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
    assert_eq!(by_name["id"], s.seeded.orchestration_id.as_str());
    assert_eq!(by_name["status"], "executing");
    assert_eq!(by_name["phases"][0]["phase"], 1);
    assert_eq!(by_name["phases"][0]["status"], "executing");
    assert_eq!(by_name["teams"], 2);
    assert_eq!(by_name["tasks"]["completed"], 4);
    assert_eq!(by_name["tasks"]["needs_review"], 1);
    assert_compact(&by_name);
    // Paths and timestamps only on request.
    assert!(by_name.get("design_doc").is_none() && by_name.get("started_at").is_none());
    let full = ok(
        &s.client,
        "get_orchestration",
        json!({"orchestration": "auth", "detail": "full"}),
    )
    .await;
    assert!(
        full["design_doc"]
            .as_str()
            .is_some_and(|d| d.ends_with("design.md")),
        "{full}"
    );
    assert!(full["started_at"].as_i64().is_some(), "{full}");
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
    assert_eq!(d["feature"], "auth");
    assert_compact(&d);
    let teams = d["teams"].as_array().expect("teams");
    assert_eq!(teams.len(), 2);
    // The orchestrator team first, named once with its id, then its tasks.
    assert_eq!(teams[0]["id"], s.seeded.orchestrator_team_id.as_str());
    assert_eq!(teams[0]["team"], "auth-orchestration");
    let orch_tasks = teams[0]["tasks"].as_array().expect("array");
    assert_eq!(orch_tasks.len(), 2);
    let p1 = teams[1]["tasks"].as_array().expect("phase 1 tasks");
    assert_eq!(teams[1]["phase"], 1);
    assert_eq!(p1.len(), 5);
    // Task "1" exists in both teams: two distinct tasks.
    assert!(orch_tasks.iter().any(|t| t["id"] == "1"));
    assert!(p1.iter().any(|t| t["id"] == "1"));
    // Active before complete.
    assert_eq!(p1[0]["status"], "in_progress");
    assert_eq!(p1[4]["status"], "completed");
    assert_eq!(teams[1]["members"][0]["name"], "executor");
    assert_eq!(teams[1]["members"][0]["type"], "phase-executor");
    // A bounded page: the rest through get_current_tasks with the cursor.
    let page = ok(
        &s.client,
        "get_orchestration_detail",
        json!({"orchestration": "auth", "limit": 3}),
    )
    .await;
    assert_eq!(page["more"], 4);
    let rest = ok(
        &s.client,
        "get_current_tasks",
        json!({"orchestration": "auth", "cursor": page["cursor"]}),
    )
    .await;
    assert_eq!(tasks_of(&rest).len(), 4);
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
    assert_eq!(root["team"], "auth-orchestration");
    assert_eq!(root["tasks"], json!({"completed": 1, "in_progress": 1}));
    let kids = root["children"].as_array().expect("children");
    assert_eq!(kids.len(), 1);
    assert_eq!(kids[0]["id"], s.seeded.phase1_team_id.as_str());
    assert_eq!(kids[0]["phase"], 1);
    assert_eq!(
        kids[0]["tasks"],
        json!({"completed": 3, "in_progress": 1, "needs_review": 1})
    );
    assert_eq!(kids[0]["members"][0]["type"], "phase-executor");
    assert_compact(&h);
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
    let count = |v: &Value| tasks_of(v).len();
    let all = ok(
        &s.client,
        "get_current_tasks",
        json!({"orchestration": "auth"}),
    )
    .await;
    assert_eq!(count(&all), 7);
    assert_compact(&all);
    // Grouped: each team named once; active tasks first within it.
    let groups = all["teams"].as_array().expect("teams");
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["team"], "auth-orchestration");
    assert!(groups[0].get("phase").is_none());
    assert_eq!(groups[1]["phase"], 1);
    let p1: Vec<_> = tasks_of(&all)
        .into_iter()
        .filter(|t| t.0 == "auth-phase-1")
        .map(|t| (t.1, t.2))
        .collect();
    assert_eq!(
        p1,
        [
            ("4", "in_progress"),
            ("5", "needs_review"),
            ("1", "completed"),
            ("2", "completed"),
            ("3", "completed")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    // Compact tasks: no ids of teams or orchestrations, no descriptions or timestamps.
    let first = &groups[1]["tasks"][0];
    let mut keys: Vec<&String> = first.as_object().expect("task").keys().collect();
    keys.sort();
    assert_eq!(keys, ["id", "owner", "status", "subject"]);
    let full = ok(
        &s.client,
        "get_current_tasks",
        json!({"orchestration": "auth", "detail": "full"}),
    )
    .await;
    assert!(
        full["teams"][1]["tasks"][0]["updated_at"]
            .as_i64()
            .is_some(),
        "{full}"
    );
    // Pages: limit, "more" and a cursor that continues where the page ended.
    let page1 = ok(
        &s.client,
        "get_current_tasks",
        json!({"orchestration": "auth", "limit": 3}),
    )
    .await;
    assert_eq!(count(&page1), 3);
    assert_eq!(page1["more"], 4);
    // The most relevant first: both in-progress tasks are on the first page.
    assert_eq!(
        tasks_of(&page1)
            .iter()
            .filter(|t| t.2 == "in_progress")
            .count(),
        2
    );
    let page2 = ok(
        &s.client,
        "get_current_tasks",
        json!({"orchestration": "auth", "limit": 3, "cursor": page1["cursor"]}),
    )
    .await;
    let page3 = ok(
        &s.client,
        "get_current_tasks",
        json!({"orchestration": "auth", "limit": 3, "cursor": page2["cursor"]}),
    )
    .await;
    assert_eq!((count(&page2), count(&page3)), (3, 1));
    assert!(page3.get("more").is_none() && page3.get("cursor").is_none());
    let mut every: Vec<_> = [&page1, &page2, &page3]
        .iter()
        .flat_map(|p| tasks_of(p))
        .collect();
    every.sort();
    let mut want = tasks_of(&all);
    want.sort();
    assert_eq!(every, want);
    for (args, needle) in [
        (
            json!({"orchestration": "auth", "cursor": "x".repeat(500)}),
            "invalid cursor",
        ),
        (
            json!({"orchestration": "auth", "limit": 0}),
            "limit must be 1..=",
        ),
    ] {
        let msg = tool_error(&s.client, "get_current_tasks", args).await;
        assert!(msg.contains(needle) && msg.len() < 400, "{msg}");
    }
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
    assert_eq!(odd["teams"][0]["tasks"][0]["id"], "5");

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
        // The CLI's `tasks --phase` refuses with the same library text
        // (views::filter_tasks); MCP names its argument.
        assert!(
            msg.contains(&format!(
                "argument `phase`: phase {phase} is outside 1..=2 for feature 'auth'"
            )),
            "{msg}"
        );
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
    let names_of = |r: &Value| -> Vec<String> {
        r["orchestrations"]
            .as_array()
            .expect("orchestrations")
            .iter()
            .flat_map(|o| o["teams"].as_array().expect("teams").clone())
            .map(|t| t["team"].as_str().expect("name").to_owned())
            .collect()
    };
    let r = ok(&s.client, "list_active_teams", json!({})).await;
    assert_compact(&r);
    // Grouped by orchestration: each named once (id and feature), then its teams.
    let auth = r["orchestrations"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["feature"] == "auth")
        .expect("auth group");
    assert_eq!(auth["id"], s.seeded.orchestration_id.as_str());
    assert_eq!(auth["teams"].as_array().map(Vec::len), Some(2));
    let mut names = names_of(&r);
    names.sort();
    assert_eq!(
        names,
        [
            "auth-orchestration",
            "auth-phase-1",
            "billing-orchestration"
        ]
    );
    let page = ok(&s.client, "list_active_teams", json!({"limit": 1})).await;
    assert_eq!((names_of(&page).len(), page["more"].clone()), (1, json!(2)));
    let only = ok(&s.client, "list_active_teams", json!({"feature": "bill"})).await;
    assert_eq!(names_of(&only), ["billing-orchestration"]);
    ok(
        &s.client,
        "advance_phase",
        json!({"orchestration": "auth", "phase": 1, "event": "block", "reason": "tests fail"}),
    )
    .await;
    let r = ok(&s.client, "list_active_teams", json!({})).await;
    assert_eq!(names_of(&r), ["billing-orchestration"]);
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
    // No nulls: an absent worktree is left out.
    assert!(out.get("worktree_path").is_none(), "{out}");
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
    // Tool errors name the tool's arguments, never the CLI's flags.
    assert!(
        msg.contains("pass replace") && !msg.contains("--replace"),
        "{msg}"
    );
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
    assert!(msg.contains("total_phases must be at least 1"), "{msg}");
    let long = "y".repeat(3000);
    let msg = tool_error(
        &s.client,
        "init_orchestration",
        json!({"feature": "z", "design_doc": design, "branch": format!("-{long}")}),
    )
    .await;
    assert!(
        msg.len() < 400,
        "an error echoes a long input in part only: {msg}"
    );
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
    assert!(msg.contains("reason") && !msg.contains("--reason"), "{msg}");
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
    assert_eq!(r["team"]["team"], "auth-reviewers");
    assert_eq!(r["team"]["phase"], 1);
    let stored = s
        .seeded
        .store
        .get_team_by_name("auth-reviewers")
        .expect("team");
    assert_eq!(stored.orchestration_id.as_str(), s.seeded.orchestration_id);
    assert_eq!(stored.lead_session_id.as_deref(), Some("sess-1"));
    let again = ok(
        &s.client,
        "register_team",
        json!({"orchestration": s.seeded.orchestration_id, "team_name": "auth-reviewers", "phase_number": 1, "parent_team_id": s.seeded.orchestrator_team_id, "lead_session_id": "sess-2"}),
    )
    .await;
    assert_eq!(again["team"]["id"], r["team"]["id"]);
    let stored = s
        .seeded
        .store
        .get_team_by_name("auth-reviewers")
        .expect("team");
    assert_eq!(stored.lead_session_id.as_deref(), Some("sess-2"));

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
            json!({"orchestration": "auth", "features": "auth"}),
            "unknown field `features`",
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
    assert_eq!(tasks_of(&all).len(), 7);
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
            tasks_of(r.structured_content.as_ref().expect("structured")).len(),
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

#[tokio::test]
async fn spend_and_budgets_in_get_orchestration_hierarchy_and_init() {
    use tina_session::model::*;
    let s = session().await;
    let store = &s.seeded.store;
    store
        .record_usage(&UsageBatch {
            transcript: "/t/lead.jsonl".into(),
            offset: 10,
            lines: vec![UsageLine {
                message_key: "msg_1:req_1".into(),
                team_id: TeamId(s.seeded.phase1_team_id.clone()),
                session_id: "s-1".into(),
                agent_name: "team-lead".into(),
                model: "claude-sonnet-4-5".into(),
                tokens: TokenCounts {
                    input: 1000,
                    output: 200,
                    cache_creation: 0,
                    cache_read: 0,
                },
                cost_micros: Some(1_250_000),
            }],
        })
        .expect("usage");
    let o = ok(
        &s.client,
        "get_orchestration",
        json!({"orchestration": "auth"}),
    )
    .await;
    assert_eq!(o["spend"], json!({"cost_usd": 1.25, "tokens": 1200}));
    let h = ok(
        &s.client,
        "get_team_hierarchy",
        json!({"orchestration": "auth"}),
    )
    .await;
    assert_eq!(
        h["team_spend"],
        json!([{"team": "auth-phase-1", "cost_usd": 1.25, "tokens": 1200}])
    );
    assert_eq!(h["teams"][0]["team"], "auth-orchestration");

    let design = s.dir.path().join("design.md");
    ok(
        &s.client,
        "init_orchestration",
        json!({"feature": "capped", "design_doc": design, "no_worktree": true, "budget_usd": 2.5}),
    )
    .await;
    let o = ok(
        &s.client,
        "get_orchestration",
        json!({"orchestration": "capped"}),
    )
    .await;
    assert_eq!(
        o["spend"]["budgets"],
        json!([{"budget_usd": 2.5, "percent": 0, "state": "ok"}])
    );

    // Hostile budgets are refused naming the argument, and nothing is created.
    for bad in [json!(-1.0), json!(1e12)] {
        let msg = tool_error(
            &s.client,
            "init_orchestration",
            json!({"feature": "hostile", "design_doc": design, "no_worktree": true, "budget_usd": bad}),
        )
        .await;
        assert!(msg.contains("budget_usd"), "{msg}");
    }
    assert!(
        s.seeded
            .store
            .get_orchestration_by_feature("hostile")
            .is_err(),
        "a refused init leaves nothing behind"
    );
}
