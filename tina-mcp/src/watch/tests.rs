//! `evaluate` on hand-made snapshots: milestones once, anomalies once per episode.

use super::*;
use tina_session::model::{
    CurrentTask, Orchestration, OrchestrationId, OrchestrationStatus, Phase, PhaseStatus, Team,
    TeamActivity, TeamId,
};

const MIN: i64 = 60_000;
const T0: i64 = 1_000_000_000;

fn th() -> Thresholds {
    Thresholds {
        no_orchestration_ms: 5 * MIN,
        team_without_tasks_ms: 2 * MIN,
        no_progress_ms: 10 * MIN,
        heartbeat_stale_ms: 60_000,
        lead_team_folder_ms: 3 * MIN,
    }
}

fn orch(id: &str, status: OrchestrationStatus) -> Orchestration {
    Orchestration {
        id: OrchestrationId::from(id),
        feature_name: "auth".into(),
        design_doc: "/d".into(),
        branch: None,
        worktree_path: None,
        total_phases: 2,
        current_phase: Some(1),
        status,
        started_at: T0,
        completed_at: None,
        updated_at: T0,
    }
}

fn team(id: &str, phase: Option<u32>, at: i64) -> Team {
    Team {
        id: TeamId::from(id),
        team_name: match phase {
            Some(n) => format!("auth-phase-{n}"),
            None => "auth-orchestration".into(),
        },
        orchestration_id: OrchestrationId::from("o1"),
        parent_team_id: phase.map(|_| TeamId::from("t0")),
        phase_number: phase,
        lead_session_id: None,
        claude_team_dir: None,
        created_at: at,
    }
}

fn phase(n: u32, status: PhaseStatus, reason: Option<&str>, at: i64) -> Phase {
    Phase {
        orchestration_id: OrchestrationId::from("o1"),
        phase_number: n,
        status,
        plan_path: None,
        blocked_reason: reason.map(str::to_owned),
        started_at: Some(at),
        completed_at: None,
        updated_at: at,
    }
}

fn task(team: &Team, id: &str, status: TaskStatus, at: i64) -> CurrentTask {
    CurrentTask {
        orchestration_id: OrchestrationId::from("o1"),
        team_id: team.id.clone(),
        team_name: team.team_name.clone(),
        phase_number: team.phase_number,
        task_id: id.into(),
        subject: id.into(),
        description: String::new(),
        active_form: None,
        status,
        owner: None,
        blocked_by: vec![],
        metadata: serde_json::Value::Null,
        recorded_at: at,
        sequence: 0,
    }
}

fn empty(now: i64) -> Snapshot {
    Snapshot {
        now,
        orchestration: None,
        phases: vec![],
        teams: vec![],
        tasks: vec![],
        activity: vec![],
        daemon: Some(DaemonHealth::Heartbeat { age_ms: 500 }),
        attention: vec![],
    }
}

/// A running orchestration: phase 1 executing with 3/5 tasks completed.
fn running(now: i64) -> Snapshot {
    let t0 = team("t0", None, T0);
    let t1 = team("t1", Some(1), T0 + 1);
    let mut tasks = vec![task(&t0, "1", TaskStatus::InProgress, T0 + 2)];
    for i in 1..=5 {
        let status = if i <= 3 {
            TaskStatus::Completed
        } else {
            TaskStatus::Pending
        };
        tasks.push(task(&t1, &i.to_string(), status, T0 + 3));
    }
    Snapshot {
        now,
        orchestration: Some(orch("o1", OrchestrationStatus::Executing)),
        phases: vec![phase(1, PhaseStatus::Executing, None, T0 + 1)],
        teams: vec![t0, t1],
        tasks,
        activity: vec![],
        daemon: Some(DaemonHealth::Heartbeat { age_ms: 500 }),
        attention: vec![],
    }
}

fn messages(events: &[Milestone]) -> Vec<String> {
    events.iter().map(|e| e.message.clone()).collect()
}

/// Round-trips the cursor, as a client would.
fn again(e: &Evaluation) -> Seen {
    let cursors = Cursors::default();
    let cursor = cursors.issue(e.next.clone(), T0);
    match cursors
        .resume(&cursor, &e.next.key)
        .expect("cursor resumes")
    {
        Resumed::Known(seen) => seen,
        other => panic!("a kept cursor resumed as {other:?}"),
    }
}

#[test]
fn first_call_reports_the_current_state_once() {
    let seen = Seen::new("auth", T0);
    let e = evaluate(&seen, &running(T0 + MIN), &th());
    assert_eq!(
        messages(&e.milestones),
        [
            "orchestration 'auth' appeared (id o1, 2 phases)",
            "orchestrator team registered: auth-orchestration",
            "phase 1 team registered: auth-phase-1",
            "phase 1 executing",
            "orchestrator (auth-orchestration): 0/1 tasks completed",
            "phase 1 (auth-phase-1): 3/5 tasks completed",
            "orchestration 'auth' is executing",
        ]
    );
    assert!(e.new_anomalies.is_empty(), "{:?}", e.new_anomalies);
    let e2 = evaluate(&again(&e), &running(T0 + 2 * MIN), &th());
    assert!(e2.milestones.is_empty(), "{:?}", e2.milestones);
    assert!(!e2.has_news());
}

#[test]
fn progress_and_phase_completion_are_reported_as_they_happen() {
    let e = evaluate(&Seen::new("auth", T0), &running(T0), &th());
    let mut snap = running(T0 + MIN);
    for t in snap.tasks.iter_mut().filter(|t| t.team_id.as_str() == "t1") {
        t.status = TaskStatus::Completed;
    }
    let e = evaluate(&again(&e), &snap, &th());
    assert_eq!(
        messages(&e.milestones),
        ["phase 1 (auth-phase-1): 5/5 tasks completed"]
    );
    snap.phases[0].status = PhaseStatus::Complete;
    snap.orchestration = Some(orch("o1", OrchestrationStatus::Complete));
    let e = evaluate(&again(&e), &snap, &th());
    assert_eq!(
        messages(&e.milestones),
        ["phase 1 complete", "orchestration 'auth' is complete"]
    );
    assert!(evaluate(&again(&e), &snap, &th()).milestones.is_empty());
}

#[test]
fn no_orchestration_is_raised_once_after_the_threshold() {
    let seen = Seen::new("auth", T0);
    let e = evaluate(&seen, &empty(T0 + 4 * MIN), &th());
    assert!(!e.has_news());
    let e = evaluate(&again(&e), &empty(T0 + 6 * MIN), &th());
    assert_eq!(e.new_anomalies.len(), 1);
    assert_eq!(e.new_anomalies[0].kind, AnomalyKind::NoOrchestration);
    assert!(
        e.new_anomalies[0].message.contains("6.0 minutes"),
        "{}",
        e.new_anomalies[0].message
    );
    let e = evaluate(&again(&e), &empty(T0 + 7 * MIN), &th());
    assert!(e.new_anomalies.is_empty());
    assert_eq!(e.ongoing_anomalies.len(), 1);
    // It appears: the anomaly clears and the milestone comes.
    let e = evaluate(&again(&e), &running(T0 + 8 * MIN), &th());
    assert!(e.ongoing_anomalies.is_empty() && e.new_anomalies.is_empty());
    assert_eq!(e.milestones[0].kind, MilestoneKind::OrchestrationAppeared);
}

#[test]
fn phase_team_without_tasks_after_threshold() {
    let mut snap = running(T0 + MIN);
    let t2 = team("t2", Some(2), T0 + MIN);
    snap.teams.push(t2);
    let e = evaluate(&Seen::new("auth", T0), &snap, &th());
    assert!(e.new_anomalies.is_empty());
    snap.now = T0 + 3 * MIN + 1;
    let e = evaluate(&again(&e), &snap, &th());
    assert_eq!(e.new_anomalies.len(), 1);
    assert_eq!(e.new_anomalies[0].kind, AnomalyKind::TeamWithoutTasks);
    assert_eq!(
        e.new_anomalies[0].team_name.as_deref(),
        Some("auth-phase-2")
    );
    let e = evaluate(&again(&e), &snap, &th());
    assert!(e.new_anomalies.is_empty());
    assert_eq!(e.ongoing_anomalies.len(), 1);
}

#[test]
fn stall_is_reported_once_per_episode() {
    let snap = running(T0 + 11 * MIN);
    let e = evaluate(&Seen::new("auth", T0), &snap, &th());
    let stalls: Vec<_> = e
        .new_anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::NoTaskProgress)
        .collect();
    assert_eq!(stalls.len(), 1);
    let e = evaluate(&again(&e), &running(T0 + 12 * MIN), &th());
    assert!(e.new_anomalies.is_empty());
    // Progress, then a new stall: a new anomaly.
    let mut snap = running(T0 + 13 * MIN);
    snap.tasks[0].recorded_at = T0 + 13 * MIN;
    snap.tasks[0].status = TaskStatus::Completed;
    let e = evaluate(&again(&e), &snap, &th());
    assert!(e.new_anomalies.is_empty() && e.ongoing_anomalies.is_empty());
    snap.now = T0 + 24 * MIN;
    let e = evaluate(&again(&e), &snap, &th());
    assert_eq!(e.new_anomalies.len(), 1);
    assert_eq!(e.new_anomalies[0].kind, AnomalyKind::NoTaskProgress);
}

#[test]
fn blocked_phase_and_daemon_health() {
    let mut snap = running(T0 + MIN);
    snap.phases[0] = phase(1, PhaseStatus::Blocked, Some("tests fail"), T0 + MIN);
    snap.daemon = Some(DaemonHealth::Heartbeat { age_ms: 90_000 });
    let e = evaluate(&Seen::new("auth", T0), &snap, &th());
    let kinds: Vec<_> = e.new_anomalies.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [AnomalyKind::PhaseBlocked, AnomalyKind::DaemonHeartbeatStale]
    );
    assert_eq!(e.new_anomalies[0].message, "phase 1 blocked: tests fail");
    assert!(
        !messages(&e.milestones)
            .iter()
            .any(|m| m.contains("blocked"))
    );
    snap.daemon = Some(DaemonHealth::NotRunning);
    let e = evaluate(&again(&e), &snap, &th());
    let kinds: Vec<_> = e.new_anomalies.iter().map(|a| a.kind).collect();
    assert_eq!(kinds, [AnomalyKind::DaemonNotRunning]);
    // Resumed and blocked again later: a new episode.
    snap.phases[0] = phase(1, PhaseStatus::Blocked, Some("again"), T0 + 2 * MIN);
    let e = evaluate(&again(&e), &snap, &th());
    assert_eq!(e.new_anomalies.len(), 1);
    assert_eq!(e.new_anomalies[0].message, "phase 1 blocked: again");
}

#[test]
fn replaced_orchestration_is_reported_from_scratch() {
    let e = evaluate(&Seen::new("auth", T0), &running(T0), &th());
    let mut snap = running(T0 + MIN);
    snap.orchestration = Some(orch("o2", OrchestrationStatus::Planning));
    snap.teams.truncate(1);
    snap.teams[0].id = TeamId::from("t9");
    snap.tasks.clear();
    snap.phases.clear();
    let e = evaluate(&again(&e), &snap, &th());
    assert_eq!(
        messages(&e.milestones),
        [
            "orchestration 'auth' was replaced by a new run (id o2 replaces o1)",
            "orchestrator team registered: auth-orchestration",
            "orchestration 'auth' is planning",
        ]
    );
}

#[test]
fn cursors_are_short_and_checked() {
    let e = evaluate(&Seen::new("auth", T0), &running(T0), &th());
    let cursors = Cursors::default();
    let cursor = cursors.issue(e.next.clone(), T0 + 90 * MIN);
    assert!(cursor.len() <= 24, "{cursor} is {} chars", cursor.len());
    // The same state gets the same cursor.
    assert_eq!(cursors.issue(e.next.clone(), T0 + 90 * MIN), cursor);
    assert!(cursors.resume(&cursor, "auth").is_ok());
    let other = cursors.resume(&cursor, "billing").expect_err("other key");
    assert!(
        other.to_string().contains("belongs to a watch of 'auth'"),
        "{other}"
    );
    for bad in [
        "",
        "w1.!!!",
        "xyz",
        "w1.eyJ9",
        ".",
        "a.",
        "zzzzzzzzzzzzzzz.1",
    ] {
        let err = cursors.resume(bad, "auth").expect_err("bad cursor");
        assert!(err.to_string().contains("invalid cursor"), "{err}");
    }
    // A long input is quoted in part only.
    let long = "x".repeat(5000);
    let err = cursors.resume(&long, "auth").expect_err("bad cursor");
    assert!(err.to_string().len() < 400, "{err}");
    // Another server (restarted) does not know the state: it resumes from the time.
    assert_eq!(
        Cursors::default().resume(&cursor, "auth").expect("parses"),
        Resumed::AsOf(T0 + 90 * MIN)
    );
}

#[test]
fn a_restarted_server_rebuilds_what_was_reported_from_the_cursor_time() {
    // Everything in `running` happened by T0 + MIN; a cursor taken at T0 + 2 MIN
    // has seen it all, so the rebuilt state reports nothing new.
    let snap = running(T0 + 3 * MIN);
    let told = evaluate(&Seen::new("auth", T0), &running(T0 + 2 * MIN), &th());
    let rebuilt = Seen::as_of("auth", T0, T0 + 2 * MIN, &snap, &th());
    let e = evaluate(&rebuilt, &snap, &th());
    assert!(e.milestones.is_empty(), "{:?}", messages(&e.milestones));
    assert_eq!(rebuilt.teams, told.next.teams);
    assert_eq!(rebuilt.phases, told.next.phases);
    assert_eq!(rebuilt.status, told.next.status);
    // A cursor from before the orchestration existed reports it as new.
    let early = Seen::as_of("auth", T0 - 10 * MIN, T0 - 5 * MIN, &snap, &th());
    let e = evaluate(&early, &snap, &th());
    assert_eq!(e.milestones[0].kind, MilestoneKind::OrchestrationAppeared);
}

#[test]
fn a_phase_completes_after_its_tasks_within_one_call() {
    let e = evaluate(&Seen::new("auth", T0), &running(T0), &th());
    let mut snap = running(T0 + MIN);
    for t in snap.tasks.iter_mut() {
        t.status = TaskStatus::Completed;
    }
    snap.phases[0].status = PhaseStatus::Complete;
    snap.orchestration = Some(orch("o1", OrchestrationStatus::Complete));
    let e = evaluate(&again(&e), &snap, &th());
    assert_eq!(
        messages(&e.milestones),
        [
            "orchestrator (auth-orchestration): 1/1 tasks completed",
            "phase 1 (auth-phase-1): 5/5 tasks completed",
            "phase 1 complete",
            "orchestration 'auth' is complete",
        ]
    );
}

#[test]
fn an_unhealthy_daemon_is_an_anomaly_until_it_recovers() {
    use tina_session::daemon::ProblemKind;
    let mut snap = running(T0 + MIN);
    snap.daemon = Some(DaemonHealth::Unhealthy {
        problem: ProblemKind::DiskFull,
    });
    let e = evaluate(&Seen::new("auth", T0), &snap, &th());
    let kinds: Vec<_> = e.new_anomalies.iter().map(|a| a.kind).collect();
    assert_eq!(kinds, [AnomalyKind::DaemonUnhealthy]);
    assert!(
        e.new_anomalies[0].message.contains("disk"),
        "{:?}",
        e.new_anomalies
    );
    // Still full on the next call: ongoing, not new.
    let e = evaluate(&again(&e), &snap, &th());
    assert!(e.new_anomalies.is_empty());
    assert_eq!(e.ongoing_anomalies[0].kind, AnomalyKind::DaemonUnhealthy);
    // Writes succeed again: the anomaly clears.
    snap.daemon = Some(DaemonHealth::Heartbeat { age_ms: 500 });
    let e = evaluate(&again(&e), &snap, &th());
    assert!(e.new_anomalies.is_empty() && e.ongoing_anomalies.is_empty());
}

fn activity(
    kind: tina_session::model::ActivityKind,
    at: i64,
    detail: Option<&str>,
) -> TeamActivity {
    TeamActivity {
        orchestration_id: OrchestrationId::from("o1"),
        team_id: TeamId::from("t1"),
        kind,
        session_id: "s1".into(),
        agent_name: (kind == tina_session::model::ActivityKind::TeammateIdle)
            .then(|| "implementer".to_owned()),
        detail: detail.map(str::to_owned),
        recorded_at: at,
    }
}

#[test]
fn hook_activity_is_reported_once_and_an_ended_lead_session_is_an_anomaly() {
    use tina_session::model::ActivityKind::*;
    let mut snap = running(T0 + MIN);
    snap.teams[1].lead_session_id = Some("s1".into());
    snap.activity = vec![
        activity(SessionStart, T0 + 5, Some("startup")),
        activity(TeammateIdle, T0 + 6, None),
        activity(Stop, T0 + 6, Some("All done.")),
        activity(SessionEnd, T0 + 7, Some("other")),
    ];
    let first = evaluate(&Seen::new("auth", T0), &snap, &th());
    let lines = messages(&first.milestones);
    for expected in [
        "phase 1 (auth-phase-1): lead session started (startup)",
        "phase 1 (auth-phase-1): teammate implementer is idle",
        "phase 1 (auth-phase-1): lead session ended (other)",
    ] {
        assert!(lines.contains(&expected.to_owned()), "{lines:#?}");
    }
    assert!(!lines.iter().any(|l| l.contains("All done")), "{lines:#?}");
    assert_eq!(first.new_anomalies.len(), 1, "{:#?}", first.new_anomalies);
    assert_eq!(first.new_anomalies[0].kind, AnomalyKind::LeadSessionEnded);
    assert!(first.new_anomalies[0].message.contains("(other)"));

    // Nothing new: nothing repeated; the anomaly is ongoing.
    let second = evaluate(&again(&first), &snap, &th());
    assert!(second.milestones.is_empty(), "{:#?}", second.milestones);
    assert!(second.new_anomalies.is_empty());
    assert_eq!(second.ongoing_anomalies.len(), 1);

    // Another entry in the same millisecond as the last reported one is still new; a
    // new lead session clears the anomaly.
    snap.activity.push(activity(TeammateIdle, T0 + 7, None));
    snap.activity
        .push(activity(SessionStart, T0 + 9, Some("resume")));
    let third = evaluate(&again(&second), &snap, &th());
    assert_eq!(
        messages(&third.milestones),
        [
            "phase 1 (auth-phase-1): teammate implementer is idle",
            "phase 1 (auth-phase-1): lead session started (resume)"
        ]
    );
    assert!(third.new_anomalies.is_empty() && third.ongoing_anomalies.is_empty());

    // A session that ends after its phase completed is no anomaly.
    snap.activity.push(activity(SessionEnd, T0 + 10, None));
    snap.phases[0].status = PhaseStatus::Complete;
    let fourth = evaluate(&again(&third), &snap, &th());
    assert!(
        !fourth
            .new_anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::LeadSessionEnded)
    );
}

#[test]
fn a_launched_lead_without_a_team_folder_is_an_anomaly_once_until_linked() {
    let kind = AnomalyKind::LeadTeamFolderMissing;
    let of_kind = |events: &[Anomaly]| -> Vec<Anomaly> {
        events.iter().filter(|a| a.kind == kind).cloned().collect()
    };
    // Launched (a lead session id), not linked, within the launcher's wait: nothing.
    let mut snap = running(T0 + 2 * MIN);
    snap.teams[1].lead_session_id = Some("s1".into());
    let early = evaluate(&Seen::new("auth", T0), &snap, &th());
    assert!(of_kind(&early.new_anomalies).is_empty(), "{early:#?}");

    // Past the wait: one anomaly naming the team, waking the watcher.
    snap.now = T0 + 4 * MIN;
    let first = evaluate(&again(&early), &snap, &th());
    let raised = of_kind(&first.new_anomalies);
    assert_eq!(raised.len(), 1, "{:#?}", first.new_anomalies);
    assert!(first.has_news());
    assert_eq!(raised[0].team_name.as_deref(), Some("auth-phase-1"));
    assert_eq!(raised[0].phase_number, Some(1));
    let message = &raised[0].message;
    assert!(
        message
            .starts_with("phase 1 (auth-phase-1): no Claude Code team folder linked 4.0 minutes")
            && message.contains("tina-session status")
            && message.contains("tmux attach -t "),
        "{message}"
    );

    // Still missing: ongoing, not repeated.
    let second = evaluate(&again(&first), &snap, &th());
    assert!(of_kind(&second.new_anomalies).is_empty());
    assert_eq!(
        second
            .ongoing_anomalies
            .iter()
            .map(|a| a.label())
            .collect::<Vec<_>>(),
        ["lead_team_folder_missing (auth-phase-1)"]
    );

    // The daemon links the folder: cleared.
    snap.teams[1].claude_team_dir = Some("session-abcdef12".into());
    let linked = evaluate(&again(&second), &snap, &th());
    assert!(of_kind(&linked.new_anomalies).is_empty() && linked.ongoing_anomalies.is_empty());

    // A team TINA did not launch (no lead session), or whose phase is complete, never
    // raises it.
    snap.teams[1].claude_team_dir = None;
    snap.teams[1].lead_session_id = None;
    let unlaunched = evaluate(&Seen::new("auth", T0), &snap, &th());
    assert!(of_kind(&unlaunched.new_anomalies).is_empty());
    snap.teams[1].lead_session_id = Some("s1".into());
    snap.phases[0].status = PhaseStatus::Complete;
    let complete = evaluate(&Seen::new("auth", T0), &snap, &th());
    assert!(of_kind(&complete.new_anomalies).is_empty());
}
