//! Fixed data for demos, end-to-end tests and benchmarks, written through the ordinary
//! [`Store`] API (the same calls `tina-session` and the daemon make).
//!
//! [`seed_demo`] is the two-phase orchestration the browser tests assert on; its contents
//! are part of those tests' contract, so change both together. [`seed_bulk`] makes an
//! orchestration of any size for the performance measurements.

use serde::Serialize;
use serde_json::json;
use tina_session::*;

/// The feature name of [`seed_demo`].
pub const DEMO_FEATURE: &str = "verbose-flag";

/// What a seeding function created.
#[derive(Debug, Clone, Serialize)]
pub struct Seeded {
    pub orchestration_id: OrchestrationId,
    pub feature_name: String,
    pub orchestrator_team: Team,
    /// By phase number.
    pub phase_teams: Vec<Team>,
    pub task_total: usize,
}

/// `verbose-flag`: phase 1 complete, phase 2 executing. The orchestrator team and both
/// phase teams each have a task "1"; phase 1 has a task with a status TINA does not know
/// (`deleted`); phase 2 has an unowned task. The orchestrator's per-phase tasks (1-5)
/// carry `metadata.phase_number` (see [`for_phase`]); its task "6" belongs to no phase.
pub fn seed_demo(store: &dyn Store) -> Result<Seeded, StoreError> {
    let (orch, root) = create(store, DEMO_FEATURE, 2)?;
    member(store, &root, "team-lead", "team-lead", "opus", 1_000)?;

    let p1 = start_phase(store, &orch, &root, 1)?;
    for (name, kind, model, at) in [
        ("team-lead", "team-lead", "opus", 1_100),
        ("implementer", "general-purpose", "sonnet", 1_101),
        ("tester", "general-purpose", "haiku", 1_102),
    ] {
        member(store, &p1, name, kind, model, at)?;
    }
    finish_phase(store, &orch, 1)?;

    let p2 = start_phase(store, &orch, &root, 2)?;
    for (name, kind, model, at) in [
        ("team-lead", "team-lead", "opus", 2_100),
        ("implementer", "general-purpose", "sonnet", 2_101),
        ("reviewer", "code-reviewer", "opus", 2_102),
    ] {
        member(store, &p2, name, kind, model, at)?;
    }

    let lead = Some("team-lead");
    let of_phase =
        |n, id, subject, status, at| for_phase(task(&root, id, subject, status, lead, at), n);
    let events = vec![
        of_phase(1, "1", "plan-phase-1", "completed", 1_000),
        of_phase(1, "2", "execute-phase-1", "completed", 1_001),
        of_phase(1, "3", "review-phase-1", "completed", 1_002),
        of_phase(2, "4", "plan-phase-2", "completed", 2_000),
        of_phase(2, "5", "execute-phase-2", "in_progress", 2_001),
        task(&root, "6", "finish-orchestration", "pending", lead, 2_002),
        task(
            &p1,
            "1",
            "Implement --verbose flag",
            "completed",
            Some("implementer"),
            1_200,
        ),
        task(&p1, "2", "Add tests", "completed", Some("tester"), 1_201),
        task(
            &p1,
            "3",
            "Update README",
            "completed",
            Some("implementer"),
            1_202,
        ),
        task(
            &p1,
            "4",
            "Drop legacy logging shim",
            "deleted",
            Some("implementer"),
            1_203,
        ),
        task(
            &p2,
            "1",
            "Wire flag into logger",
            "in_progress",
            Some("implementer"),
            2_200,
        ),
        task(&p2, "2", "Add logger tests", "pending", None, 2_201),
        task(
            &p2,
            "10",
            "Document log levels",
            "pending",
            Some("reviewer"),
            2_202,
        ),
    ];
    let task_total = events.len();
    store.record_task_events(&events)?;
    Ok(Seeded {
        orchestration_id: orch.id,
        feature_name: orch.feature_name,
        orchestrator_team: root,
        phase_teams: vec![p1, p2],
        task_total,
    })
}

/// An orchestration of `phases` phases (all but the last complete) with exactly
/// `total_tasks` current tasks: three orchestrator tasks per phase (each
/// tagged with its phase), the rest spread evenly
/// over the phase teams, four members each.
pub fn seed_bulk(
    store: &dyn Store,
    feature: &str,
    phases: u32,
    total_tasks: usize,
) -> Result<Seeded, StoreError> {
    let (orch, root) = create(store, feature, phases)?;
    member(store, &root, "team-lead", "team-lead", "opus", 1)?;
    let mut teams = Vec::new();
    for n in 1..=phases {
        let team = start_phase(store, &orch, &root, n)?;
        for (i, name) in ["team-lead", "implementer-a", "implementer-b", "tester"]
            .iter()
            .enumerate()
        {
            member(
                store,
                &team,
                name,
                "general-purpose",
                "sonnet",
                i64::from(n) * 10 + i as i64,
            )?;
        }
        if n < phases {
            finish_phase(store, &orch, n)?;
        }
        teams.push(team);
    }

    let mut events = Vec::with_capacity(total_tasks);
    let orchestrator_tasks = (3 * phases as usize).min(total_tasks);
    for i in 0..orchestrator_tasks {
        let status = if i + 1 < orchestrator_tasks {
            "completed"
        } else {
            "in_progress"
        };
        let subject = format!(
            "{}-phase-{}",
            ["plan", "execute", "review"][i % 3],
            i / 3 + 1
        );
        events.push(for_phase(
            task(
                &root,
                &(i + 1).to_string(),
                &subject,
                status,
                Some("team-lead"),
                i as i64,
            ),
            (i / 3 + 1) as u32,
        ));
    }
    let rest = total_tasks - orchestrator_tasks;
    let owners = ["implementer-a", "implementer-b", "tester"];
    for i in 0..rest {
        let team = &teams[i % teams.len()];
        let k = i / teams.len();
        let last = team.phase_number == Some(phases);
        let status = match (last, k % 4) {
            (false, _) => "completed",
            (true, 0) => "completed",
            (true, 1) => "in_progress",
            _ => "pending",
        };
        let subject = format!("Task {} of phase {}", k + 1, team.phase_number.unwrap_or(0));
        events.push(task(
            team,
            &(k + 1).to_string(),
            &subject,
            status,
            Some(owners[k % 3]),
            1_000 + i as i64,
        ));
    }
    store.record_task_events(&events)?;
    Ok(Seeded {
        orchestration_id: orch.id,
        feature_name: orch.feature_name,
        orchestrator_team: root,
        phase_teams: teams,
        task_total: events.len(),
    })
}

/// A task event for `team` at a fixed time (fixtures must not depend on the clock).
pub fn task(
    team: &Team,
    id: &str,
    subject: &str,
    status: &str,
    owner: Option<&str>,
    at: i64,
) -> NewTaskEvent {
    NewTaskEvent {
        team_id: team.id.clone(),
        task_id: id.to_owned(),
        subject: subject.to_owned(),
        description: String::new(),
        active_form: None,
        status: TaskStatus::parse(status),
        owner: owner.map(str::to_owned),
        blocked_by: vec![],
        metadata: json!({}),
        recorded_at: at,
        sequence: 1,
    }
}

/// Marks an orchestrator task as belonging to phase `n`: the dashboard places an
/// orchestrator task under a phase by `metadata.phase_number`, never by its subject.
pub fn for_phase(mut event: NewTaskEvent, n: u32) -> NewTaskEvent {
    event.metadata = json!({ "phase_number": n });
    event
}

fn create(
    store: &dyn Store,
    feature: &str,
    phases: u32,
) -> Result<(Orchestration, Team), StoreError> {
    store.create_orchestration(&NewOrchestration {
        feature_name: feature.to_owned(),
        design_doc: format!("docs/plans/{feature}-design.md"),
        branch: Some(format!("tina/{feature}")),
        worktree_path: None,
        total_phases: phases,
        orchestrator_team_name: orchestrator_team_name(feature),
        lead_session_id: None,
        replace: true,
    })
}

fn member(
    store: &dyn Store,
    team: &Team,
    name: &str,
    kind: &str,
    model: &str,
    at: i64,
) -> Result<(), StoreError> {
    store.upsert_team_member(&TeamMember {
        team_id: team.id.clone(),
        agent_name: name.to_owned(),
        agent_type: Some(kind.to_owned()),
        model: Some(model.to_owned()),
        joined_at: at,
    })?;
    Ok(())
}

fn start_phase(
    store: &dyn Store,
    orch: &Orchestration,
    root: &Team,
    n: u32,
) -> Result<Team, StoreError> {
    let out = store.apply_phase_transition(&PhaseTransition {
        orchestration_id: orch.id.clone(),
        phase_number: n,
        expected: None,
        status: PhaseStatus::Executing,
        plan_path: Some(format!("docs/plans/{}-phase-{n}.md", orch.feature_name)),
        blocked_reason: None,
        orchestration_status: OrchestrationStatus::Executing,
        register_team: Some(TeamRegistration {
            team_name: phase_team_name(&orch.feature_name, n),
            orchestration_id: orch.id.clone(),
            parent_team_id: Some(root.id.clone()),
            phase_number: Some(n),
            lead_session_id: None,
        }),
    })?;
    out.team
        .ok_or_else(|| StoreError::Backend(format!("phase {n} transition registered no team")))
}

fn finish_phase(store: &dyn Store, orch: &Orchestration, n: u32) -> Result<(), StoreError> {
    store.apply_phase_transition(&PhaseTransition {
        orchestration_id: orch.id.clone(),
        phase_number: n,
        expected: Some(PhaseStatus::Executing),
        status: PhaseStatus::Complete,
        plan_path: None,
        blocked_reason: None,
        orchestration_status: OrchestrationStatus::Executing,
        register_team: None,
    })?;
    Ok(())
}
