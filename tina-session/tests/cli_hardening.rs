//! Untrusted input against the real `tina-session` binary: names that would escape a
//! folder, huge arguments, agent-written text with control characters, overlapping
//! phases, a blocked feature, a worktree path TINA did not derive. Each run has its own
//! temporary TINA_HOME and CLAUDE_HOME; records an agent (or an old build) could have
//! written are put in the real store directly.

use std::path::Path;

use serde_json::{Value, json};
use tina_session::Store;
use tina_session::model::{NewTaskEvent, TaskStatus, TeamId, TeamMember};
use tina_session::test_support::CliEnv;

/// The shared CLI fixture, with a design doc and a plan; errors must be short.
struct Env(CliEnv);

impl std::ops::Deref for Env {
    type Target = CliEnv;
    fn deref(&self) -> &CliEnv {
        &self.0
    }
}

impl Env {
    fn new() -> Self {
        let env = CliEnv::new(env!("CARGO_BIN_EXE_tina-session"));
        env.write("design.md", "# Design\n")
            .write("plan.md", "# Plan\n");
        Self(env)
    }

    /// Runs, asserts exit code 1 and a short message; returns stderr.
    fn fails(&self, args: &[&str]) -> String {
        let err = self.0.fails(args);
        assert!(
            err.len() < 600,
            "{args:?}: the error echoes {} bytes: {}",
            err.len(),
            &err[..300]
        );
        err
    }

    fn init(&self, feature: &str, phases: &str) -> Value {
        self.json(&[
            "init",
            "--feature",
            feature,
            "--design-doc",
            &self.path("design.md"),
            "--no-worktree",
            "--total-phases",
            phases,
        ])
    }
}

#[test]
fn register_team_refuses_names_that_leave_a_folder_and_huge_inputs() {
    let env = Env::new();
    let init = env.init("auth", "2");
    let orch = init["orchestration_id"].as_str().unwrap();
    let err = env.fails(&[
        "register-team",
        "--orchestration-id",
        orch,
        "--team",
        "../../victim",
        "--phase-number",
        "1",
    ]);
    assert!(
        err.contains("--team") && err.contains("invalid team name '../../victim'"),
        "{err}"
    );
    for bad in ["esc\u{1b}]0;title\u{7}", "tab\there", "-rf", ".hidden"] {
        let team = format!("--team={bad}");
        let err = env.fails(&["register-team", "--orchestration-id", orch, &team]);
        assert!(!err.contains('\u{1b}') && !err.contains('\t'), "{err:?}");
    }
    // 100 KB (a single argument may not exceed 128 KiB on Linux).
    let huge = "n".repeat(100_000);
    let err = env.fails(&["register-team", "--orchestration-id", orch, "--team", &huge]);
    assert!(err.contains("100000 characters"), "{err}");
    let err = env.fails(&[
        "register-team",
        "--orchestration-id",
        orch,
        "--team",
        "auth-helpers",
        "--phase-number",
        "1",
        "--lead-session-id",
        &huge,
    ]);
    assert!(err.contains("--lead-session-id"), "{err}");
    // The hierarchy rules, through the CLI.
    for (phase, parent, what) in [
        ("0", None, "outside 1..=2"),
        ("7", None, "outside 1..=2"),
        (
            "",
            Some(init["team_id"].as_str().unwrap()),
            "no phase number",
        ),
    ] {
        let mut args = vec![
            "register-team",
            "--orchestration-id",
            orch,
            "--team",
            "auth-helpers",
        ];
        if !phase.is_empty() {
            args.extend(["--phase-number", phase]);
        }
        if let Some(p) = parent {
            args.extend(["--parent-team-id", p]);
        }
        let err = env.fails(&args);
        assert!(err.contains(what), "{args:?}: {err}");
    }
    // A phase team without a parent hangs below the orchestrator team.
    let team = env.json(&[
        "register-team",
        "--orchestration-id",
        "auth",
        "--team",
        "auth-helpers",
        "--phase-number",
        "2",
    ]);
    assert_eq!(team["parent_team_id"], init["team_id"]);
    let tree = env.json(&["hierarchy", "--feature", "auth"]);
    assert_eq!(tree["teams"].as_array().unwrap().len(), 1, "{tree}");
    assert_eq!(tree["teams"][0]["children"].as_array().unwrap().len(), 1);
}

#[test]
fn huge_arguments_are_refused_with_short_messages() {
    let env = Env::new();
    env.init("auth", "1");
    let huge = "r".repeat(100_000);
    let err = env.fails(&[
        "advance",
        "--feature",
        "auth",
        "--phase",
        "1",
        "--event",
        "block",
        "--reason",
        &huge,
    ]);
    assert!(
        err.contains("--reason") && err.contains("limit of 2000"),
        "{err}"
    );
    let status = env.json(&["status", "--feature", "auth"]);
    assert!(
        status["phases"].as_array().unwrap().is_empty(),
        "nothing stored"
    );
    let err = env.fails(&["status", "--feature", &huge]);
    assert!(err.contains("not found"), "{err}");
    let err = env.fails(&[
        "init",
        "--feature",
        &huge,
        "--design-doc",
        &env.path("design.md"),
        "--no-worktree",
    ]);
    assert!(err.contains("--feature"), "{err}");
    let err = env.fails(&[
        "init",
        "--feature",
        "other",
        "--design-doc",
        &env.path("design.md"),
        "--branch=--upload-pack=evil",
    ]);
    assert!(err.contains("--branch"), "{err}");
    let err = env.fails(&["cleanup", "--feature", &huge]);
    assert!(err.contains("--feature"), "{err}");
}

#[test]
fn text_output_escapes_agent_strings_and_json_keeps_them_exact() {
    let env = Env::new();
    let init = env.init("auth", "1");
    let store = env.store();
    let team = TeamId::from(init["team_id"].as_str().unwrap());
    let subject =
        "fix it\n1                            #9    [completed] fake \u{1b}]0;pwned\u{7}\u{1b}[2J";
    let owner = "bob\u{1b}[31m";
    store
        .record_task_event(&NewTaskEvent {
            team_id: team.clone(),
            task_id: "1".into(),
            subject: subject.into(),
            description: String::new(),
            active_form: None,
            status: TaskStatus::parse("in_progress"),
            owner: Some(owner.into()),
            blocked_by: vec![],
            metadata: json!({}),
            recorded_at: 1,
            sequence: 0,
        })
        .unwrap();
    store
        .upsert_team_member(&TeamMember {
            team_id: team,
            agent_name: "lead\u{1b}[2J\nforged".into(),
            agent_type: None,
            model: None,
            joined_at: 1,
        })
        .unwrap();

    let text = env.ok(&["tasks", "--feature", "auth"]);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert_eq!(text.lines().count(), 1, "one task, one line: {text:?}");
    assert!(text.contains("fix it\\n1"), "{text:?}");
    assert!(text.contains("\\u{1b}]0;pwned\\u{7}"), "{text:?}");
    assert!(text.contains("bob\\u{1b}[31m"), "{text:?}");

    let tree = env.ok(&["hierarchy", "--feature", "auth"]);
    assert!(!tree.contains('\u{1b}'), "{tree:?}");
    assert!(tree.contains("lead\\u{1b}[2J\\nforged"), "{tree:?}");
    assert!(!tree.lines().any(|l| l.starts_with("forged")), "{tree:?}");

    let json = env.json(&["tasks", "--feature", "auth"]);
    assert_eq!(json[0]["subject"], subject);
    assert_eq!(json[0]["owner"], owner);
    let tree = env.json(&["hierarchy", "--feature", "auth"]);
    assert_eq!(
        tree["teams"][0]["members"][0]["agent_name"],
        "lead\u{1b}[2J\nforged"
    );
}

#[test]
fn a_second_phase_cannot_start_while_one_is_open() {
    let env = Env::new();
    env.init("two", "2");
    let plan = env.path("plan.md");
    let start = |phase: &'static str| {
        vec![
            "start",
            "--feature",
            "two",
            "--phase",
            phase,
            "--plan",
            &plan,
            "--runtime",
            "none",
        ]
    };
    env.json(&start("1"));
    let err = env.fails(&start("2"));
    assert!(
        err.contains("phase 1 is executing") && err.contains("one at a time"),
        "{err}"
    );
    let err = env.fails(&[
        "advance",
        "--feature",
        "two",
        "--phase",
        "2",
        "--event",
        "plan",
    ]);
    assert!(err.contains("phase 1 is executing"), "{err}");
    for event in ["review", "complete"] {
        env.json(&[
            "advance",
            "--feature",
            "two",
            "--phase",
            "1",
            "--event",
            event,
        ]);
    }
    let status = env.json(&["status", "--feature", "two"]);
    assert_eq!(status["orchestration"]["status"], "planning");
    assert_eq!(status["orchestration"]["current_phase"], 1);
    let started = env.json(&start("2"));
    assert_eq!(started["phase_number"], 2);
    let status = env.json(&["status", "--feature", "two"]);
    assert_eq!(status["orchestration"]["status"], "executing");
    assert_eq!(status["orchestration"]["current_phase"], 2);
}

#[test]
fn init_replaces_a_blocked_feature_only_with_replace() {
    let env = Env::new();
    let first = env.init("stuck", "1");
    env.json(&[
        "advance",
        "--feature",
        "stuck",
        "--phase",
        "1",
        "--event",
        "block",
        "--reason",
        "CI red",
    ]);
    let args = [
        "init",
        "--feature",
        "stuck",
        "--design-doc",
        &env.path("design.md"),
        "--no-worktree",
    ];
    let err = env.fails(&args);
    assert!(
        err.contains("blocked") && err.contains("--replace"),
        "{err}"
    );
    let status = env.json(&["status", "--feature", "stuck"]);
    assert_eq!(status["orchestration"]["id"], first["orchestration_id"]);
    assert_eq!(status["phases"][0]["blocked_reason"], "CI red");
    let mut with_replace = args.to_vec();
    with_replace.push("--replace");
    let again = env.json(&with_replace);
    assert_ne!(again["orchestration_id"], first["orchestration_id"]);
}

#[test]
fn cleanup_removes_only_the_worktree_tina_derived() {
    let env = Env::new();
    env.init("auth", "1");
    let victim = env.root.join("victim");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("precious.txt"), "keep").unwrap();
    // A record whose worktree path points elsewhere (an old build, a hand edit).
    set_worktree(&env.root.join("tina-home/tina.db"), "auth", &victim);
    let out = env.json(&["cleanup", "--feature", "auth", "--worktree"]);
    assert_eq!(out["removed"], true);
    assert_eq!(out["worktree_removed"], Value::Null);
    assert_eq!(out["worktree_kept"], victim.display().to_string());
    assert!(victim.join("precious.txt").is_file());

    // The worktree TINA made itself is removed.
    env.init("mine", "1");
    let own = env.root.join("tina-home/worktrees/mine");
    std::fs::create_dir_all(&own).unwrap();
    set_worktree(&env.root.join("tina-home/tina.db"), "mine", &own);
    let out = env.json(&["cleanup", "--feature", "mine", "--worktree"]);
    assert_eq!(out["worktree_removed"], own.display().to_string());
    assert!(!own.exists());
}

fn set_worktree(db: &Path, feature: &str, path: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let n = conn
        .execute(
            "UPDATE orchestrations SET worktree_path = ?1 WHERE feature_name = ?2",
            rusqlite::params![path.display().to_string(), feature],
        )
        .unwrap();
    assert_eq!(n, 1);
}
