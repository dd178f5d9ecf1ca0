//! Seeds a temporary TINA home through the library (the same calls the CLI makes), for
//! the in-process tests, the stdio tests and the benchmark.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use tina_session::Config;
use tina_session::lifecycle::{self, InitRequest, Runtime, StartRequest};
use tina_session::model::{NewTaskEvent, TaskStatus, TeamId, TeamMember};
use tina_session::store::Store;

/// What the seed created.
pub struct Seeded {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub feature: String,
    pub orchestration_id: String,
    pub orchestrator_team_id: String,
    pub phase1_team_id: String,
    pub phase1_team_name: String,
    /// A second orchestration, to check that nothing leaks across.
    pub other_feature: String,
    pub other_team_name: String,
    pub other_orchestrator_team_id: String,
}

pub fn event(team: &str, task: &str, status: TaskStatus, at: i64, seq: i64) -> NewTaskEvent {
    NewTaskEvent {
        team_id: TeamId::from(team),
        task_id: task.to_owned(),
        subject: format!("task {task}"),
        description: String::new(),
        active_form: None,
        status,
        owner: Some("executor".into()),
        blocked_by: vec![],
        metadata: serde_json::Value::Null,
        recorded_at: at,
        sequence: seq,
    }
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// `auth` (2 phases): orchestrator team with tasks 1 (completed) and 2 (in progress);
/// phase 1 team with tasks 1-3 completed, 4 in progress, 5 "needs_review" (an unknown
/// status), one member. `billing` (1 phase) with its orchestrator team only.
pub fn seed(dir: &Path) -> Seeded {
    let config = Config::at(dir.join("tina"), dir.join("claude"));
    std::fs::create_dir_all(&config.tina_home).expect("create tina home");
    let store = config.open_store().expect("open store");
    let design = dir.join("design.md");
    write(&design, "# design\n");
    let plan = dir.join("plan-1.md");
    write(&plan, "# plan 1\n");
    let init = |feature: &str, phases: u32| {
        lifecycle::init(
            &*store,
            &InitRequest {
                feature: feature.into(),
                design_doc: design.clone(),
                repo: None,
                branch: None,
                total_phases: phases,
                no_worktree: true,
                replace: false,
                worktrees_dir: config.tina_home.join("worktrees"),
            },
        )
        .expect("init")
    };
    let other = init("billing", 1);
    let auth = init("auth", 2);
    let started = lifecycle::start(
        &*store,
        &StartRequest {
            orchestration: "auth".into(),
            phase: 1,
            plan,
            parent_team_id: Some(auth.team_id.clone()),
            runtime: Runtime::None,
        },
    )
    .expect("start phase 1");
    let now = tina_session::model::now_ms();
    let orch_team = auth.team_id.0.clone();
    let p1 = started.team_id.0.clone();
    let mut events = vec![
        event(&orch_team, "1", TaskStatus::Completed, now, 1),
        event(&orch_team, "2", TaskStatus::InProgress, now, 2),
    ];
    for (i, status) in [
        TaskStatus::Completed,
        TaskStatus::Completed,
        TaskStatus::Completed,
        TaskStatus::InProgress,
        TaskStatus::Other("needs_review".into()),
    ]
    .into_iter()
    .enumerate()
    {
        events.push(event(&p1, &(i + 1).to_string(), status, now, 10 + i as i64));
    }
    store.record_task_events(&events).expect("record events");
    store
        .upsert_team_member(&TeamMember {
            team_id: started.team_id.clone(),
            agent_name: "executor".into(),
            agent_type: Some("phase-executor".into()),
            model: Some("sonnet".into()),
            joined_at: now,
        })
        .expect("member");
    Seeded {
        config,
        store,
        feature: "auth".into(),
        orchestration_id: auth.orchestration_id.0,
        orchestrator_team_id: orch_team,
        phase1_team_id: p1,
        phase1_team_name: started.team_name,
        other_feature: "billing".into(),
        other_team_name: other.team_name,
        other_orchestrator_team_id: other.team_id.0,
    }
}
