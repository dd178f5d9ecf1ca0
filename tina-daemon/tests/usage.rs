//! Attention and spend in the daemon: token totals from transcripts (partial lines,
//! restarts, repeated lines), budget enforcement, and the notify command run exactly
//! once per event across a daemon restart (the real binary).

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use proptest::prelude::*;
use support::{Env, wait_for};
use tina_daemon::usage::{Attention, LEAD_AGENT};
use tina_session::attention::{self, BUDGET_EXCEEDED_REASON, Settings};
use tina_session::lifecycle::{self, PhaseEvent};
use tina_session::*;

const SESSION: &str = "8739ce96-1dac-48df-8c52-26613812a012";

fn assistant_line(id: u32, input: u64, output: u64) -> String {
    serde_json::json!({
        "parentUuid": null, "isSidechain": false, "type": "assistant",
        "uuid": format!("uuid-{id}"), "requestId": format!("req_{id}"),
        "sessionId": SESSION, "timestamp": "2026-12-01T10:00:00.000Z",
        "message": {
            "id": format!("msg_{id}"), "type": "message", "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "content": [{"type": "text", "text": "working on it\nwith a newline"}],
            "usage": {"input_tokens": input, "output_tokens": output,
                      "cache_creation_input_tokens": input / 2, "cache_read_input_tokens": input * 3}
        }
    })
    .to_string()
}

fn user_line(n: u32) -> String {
    serde_json::json!({"type": "user", "uuid": format!("user-{n}"),
        "message": {"role": "user", "content": "go on"}})
    .to_string()
}

fn transcript_path(claude_home: &Path) -> PathBuf {
    let dir = claude_home.join("projects").join("-home-dev-project");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{SESSION}.jsonl"))
}

/// An orchestration whose phase-1 team's lead session is [`SESSION`], phase 1 executing.
fn linked(env: &Env, feature: &str) -> (Orchestration, Team) {
    let (orch, root, _) = env.orchestration(feature, 2);
    let team = env
        .store
        .register_team(&TeamRegistration {
            team_name: phase_team_name(feature, 1),
            orchestration_id: orch.id.clone(),
            parent_team_id: Some(root.id.clone()),
            phase_number: Some(1),
            lead_session_id: Some(SESSION.into()),
        })
        .unwrap();
    lifecycle::advance(&*env.store, feature, 1, PhaseEvent::Execute, None).unwrap();
    (orch, team)
}

fn attention(env: &Env) -> Attention {
    Attention::new(env.store.clone(), &env.config, Settings::default())
}

fn totals(store: &Arc<dyn Store>, orch: &Orchestration) -> (TokenCounts, u64) {
    let mut t = TokenCounts::default();
    let mut messages = 0;
    for u in store.list_usage(&orch.id).unwrap() {
        t += u.tokens;
        messages += u.messages;
    }
    (t, messages)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Token totals equal the sum over the distinct messages of the transcript, however
    /// the file is cut while being written and however often the reader restarts.
    #[test]
    fn token_totals_equal_the_transcript_lines_across_partial_writes_and_restarts(
        usage in prop::collection::vec((0u64..50_000, 0u64..5_000), 1..12),
        refs in prop::collection::vec((0usize..12, any::<bool>()), 1..40),
        cuts in prop::collection::vec((0.0f64..1.0, any::<bool>()), 0..8),
    ) {
        let env = Env::new();
        let (orch, _) = linked(&env, "prop");
        // A streamed message repeats its id and usage over several lines.
        let mut text = String::new();
        let mut seen = std::collections::BTreeSet::new();
        let mut expected = TokenCounts::default();
        for (n, (i, with_user)) in refs.iter().enumerate() {
            let id = (i % usage.len()) as u32;
            let (input, output) = usage[id as usize];
            text.push_str(&assistant_line(id, input, output));
            text.push('\n');
            if *with_user {
                text.push_str(&user_line(n as u32));
                text.push('\n');
            }
            if seen.insert(id) {
                expected += TokenCounts { input, output, cache_creation: input / 2, cache_read: input * 3 };
            }
        }
        let path = transcript_path(&env.config.claude_home);
        let bytes = text.as_bytes();
        let mut points: Vec<(usize, bool)> = cuts
            .iter()
            .map(|(f, restart)| (((bytes.len() as f64) * f) as usize, *restart))
            .collect();
        points.sort();
        points.push((bytes.len(), true));
        let mut reader = attention(&env);
        let mut written = 0;
        for (at, restart) in points {
            if at > written {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path).unwrap();
                f.write_all(&bytes[written..at]).unwrap();
                written = at;
            }
            if restart {
                reader = attention(&env);
            }
            reader.pass().unwrap();
        }
        reader.pass().unwrap();
        let (got, messages) = totals(&env.store, &orch);
        prop_assert_eq!(got, expected);
        prop_assert_eq!(messages, seen.len() as u64);
    }
}

#[test]
fn usage_is_attributed_to_the_lead_member_of_the_linked_team_with_its_cost() {
    let env = Env::new();
    let (orch, team) = linked(&env, "attr");
    let path = transcript_path(&env.config.claude_home);
    std::fs::write(
        &path,
        format!(
            "{}\n{}\n",
            assistant_line(1, 1_000_000, 0),
            assistant_line(2, 0, 100_000)
        ),
    )
    .unwrap();
    attention(&env).pass().unwrap();
    let view = attention::usage_view(&*env.store, &orch.id).unwrap();
    assert_eq!(view.teams.len(), 1);
    assert_eq!(view.teams[0].team_id, team.id);
    assert_eq!(view.teams[0].members[0].agent_name, LEAD_AGENT);
    assert_eq!(view.phases["1"].messages, 2);
    // Sonnet 4.5 defaults: 1M input $3 + 500k cache write $1.875 + 3M cache read $0.90,
    // and 100k output $1.50.
    assert_eq!(
        view.total.cost_micros,
        3_000_000 + 1_875_000 + 900_000 + 1_500_000
    );
    assert_eq!(view.orchestrator.messages, 0);
}

#[test]
fn budget_exceeded_blocks_the_phase_refuses_tasks_and_raising_it_resumes() {
    let env = Env::new();
    let (orch, team) = linked(&env, "budget");
    attention::set_budget(&*env.store, "budget", Some(1), Some(1.0)).unwrap();
    let path = transcript_path(&env.config.claude_home);
    // Each input token of these lines costs $5.775 per million with its cache tokens:
    // 150k is $0.87, 87 %, a warning only.
    std::fs::write(&path, format!("{}\n", assistant_line(1, 150_000, 0))).unwrap();
    let mut reader = attention(&env);
    reader.pass().unwrap();
    let kinds = |store: &Arc<dyn Store>| -> Vec<(AttentionKind, bool)> {
        store
            .list_attention(&orch.id)
            .unwrap()
            .into_iter()
            .map(|e| (e.kind, e.is_open()))
            .collect()
    };
    assert_eq!(
        kinds(&env.store),
        vec![(AttentionKind::BudgetWarning, true)]
    );
    assert_eq!(attention::task_refusal(&*env.store, &team).unwrap(), None);

    // Another $0.58: over budget.
    std::fs::write(
        &path,
        format!(
            "{}\n{}\n",
            assistant_line(1, 150_000, 0),
            assistant_line(2, 100_000, 0)
        ),
    )
    .unwrap();
    reader.pass().unwrap();
    let phase = env.store.list_phases(&orch.id).unwrap().remove(0);
    assert_eq!(phase.status, PhaseStatus::Blocked);
    assert_eq!(
        phase.blocked_reason.as_deref(),
        Some(BUDGET_EXCEEDED_REASON)
    );
    let refusal = attention::task_refusal(&*env.store, &team)
        .unwrap()
        .expect("refused");
    assert!(
        refusal.contains("tina-session budget --feature budget --phase 1"),
        "{refusal}"
    );
    assert_eq!(
        kinds(&env.store),
        vec![
            (AttentionKind::BudgetWarning, false),
            (AttentionKind::BudgetExceeded, true)
        ]
    );
    // The orchestrator team has no phase budget: only the orchestration's applies.
    let root = lifecycle::orchestrator_team(&*env.store, &orch).unwrap();
    assert_eq!(attention::task_refusal(&*env.store, &root).unwrap(), None);

    // Raised: resumed at once, tasks allowed, the exceeded event cleared.
    let (_, done) = attention::set_budget(&*env.store, "budget", Some(1), Some(5.0)).unwrap();
    assert_eq!(done.resumed, vec![1]);
    let phase = env.store.list_phases(&orch.id).unwrap().remove(0);
    assert_eq!(phase.status, PhaseStatus::Executing);
    assert_eq!(attention::task_refusal(&*env.store, &team).unwrap(), None);
    assert!(
        env.store
            .list_attention(&orch.id)
            .unwrap()
            .iter()
            .all(|e| !e.is_open())
    );

    // A phase a person blocked is never resumed by a budget change.
    lifecycle::advance(
        &*env.store,
        "budget",
        1,
        PhaseEvent::Block,
        Some("tests fail".into()),
    )
    .unwrap();
    attention::set_budget(&*env.store, "budget", Some(1), Some(50.0)).unwrap();
    reader.pass().unwrap();
    let phase = env.store.list_phases(&orch.id).unwrap().remove(0);
    assert_eq!(phase.blocked_reason.as_deref(), Some("tests fail"));
}

/// The events the notify command wrote: complete lines only (a command may be writing
/// its line while the test reads).
fn notified(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    complete
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("one event JSON per line"))
        .collect()
}

#[test]
fn notify_runs_exactly_once_per_event_across_a_daemon_restart() {
    let env = Env::new();
    let (orch, _) = linked(&env, "notify");
    let out = env.dir.path().join("notified.jsonl");
    std::fs::create_dir_all(&env.config.tina_home).unwrap();
    std::fs::write(
        env.config.tina_home.join("config.toml"),
        // One append per event (printf writes its line at once): commands for two events
        // run at the same time, and `cat >> f; echo >> f` could interleave their halves.
        format!(
            "notify_command = \"printf '%s\\\\n' \\\"$(cat)\\\" >> '{}'\"\n",
            out.display()
        ),
    )
    .unwrap();
    lifecycle::advance(
        &*env.store,
        "notify",
        1,
        PhaseEvent::Block,
        Some("tests fail".into()),
    )
    .unwrap();
    attention::set_budget(&*env.store, "notify", None, Some(1.0)).unwrap();
    std::fs::write(
        transcript_path(&env.config.claude_home),
        format!("{}\n", assistant_line(1, 150_000, 0)),
    )
    .unwrap();

    let daemon = env.spawn();
    wait_for("two notifications", || notified(&out).len() >= 2);
    daemon.terminate();
    let first = notified(&out);
    let mut kinds: Vec<String> = first
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    kinds.sort();
    assert_eq!(kinds, vec!["blocked", "budget_warning"]);
    assert!(
        first
            .iter()
            .all(|e| e["orchestration_id"] == orch.id.as_str())
    );

    // Restarted: the old events are not sent again; a new one is sent once.
    let daemon = env.spawn();
    lifecycle::advance(&*env.store, "notify", 1, PhaseEvent::Resume, None).unwrap();
    lifecycle::advance(
        &*env.store,
        "notify",
        1,
        PhaseEvent::Block,
        Some("again".into()),
    )
    .unwrap();
    wait_for("the third notification", || notified(&out).len() >= 3);
    daemon.terminate();
    let all = notified(&out);
    let mut ids: Vec<&str> = all.iter().map(|e| e["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((all.len(), ids.len()), (3, 3), "{all:#?}");
    assert!(env.store.undelivered_attention().unwrap().is_empty());
}

fn hook_sample(name: &str) -> tina_session::claude_code::HookPayload {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tina-session/tests/fixtures/claude-code-2.1.332/hooks")
        .join(format!("{name}.json"));
    let p = tina_session::claude_code::HookPayload::parse(&std::fs::read(path).unwrap()).unwrap();
    p.validate().unwrap();
    p
}

fn ingest(env: &Env, name: &str) {
    let claude = tina_session::claude_code::ClaudeHome::new(&env.config.claude_home);
    tina_session::claude_code::ingest(&*env.store, &claude, &hook_sample(name), now_ms()).unwrap();
}

fn open_of(env: &Env, orch: &Orchestration, kind: AttentionKind) -> Vec<AttentionEvent> {
    env.store
        .list_attention(&orch.id)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == kind && e.is_open())
        .collect()
}

#[test]
fn a_permission_prompt_marks_the_member_waiting_until_the_session_acts_again() {
    let env = Env::new();
    let (orch, team) = linked(&env, "waiting");
    let mut reader = attention(&env);
    // The real Notification payload Claude Code 2.1.332 sent for a permission prompt.
    ingest(&env, "Notification-permission_prompt");
    reader.pass().unwrap();
    let waiting = open_of(&env, &orch, AttentionKind::Waiting);
    assert_eq!(waiting.len(), 1, "{waiting:#?}");
    let w = &waiting[0];
    assert_eq!(w.team_id.as_ref(), Some(&team.id));
    assert_eq!(w.session_id.as_deref(), Some(SESSION));
    assert!(
        w.message.contains("Claude needs your permission"),
        "{}",
        w.message
    );
    assert_eq!(w.detail["notification_type"], "permission_prompt");
    // Another pass: still one event, not a second.
    reader.pass().unwrap();
    assert_eq!(env.store.list_attention(&orch.id).unwrap().len(), 1);

    // The same session acts again (its turn ends): no longer waiting.
    std::thread::sleep(std::time::Duration::from_millis(5));
    ingest(&env, "Stop");
    reader.pass().unwrap();
    assert!(open_of(&env, &orch, AttentionKind::Waiting).is_empty());
}

#[test]
fn a_second_permission_prompt_after_a_task_change_is_waiting_again() {
    let env = Env::new();
    let (orch, team) = linked(&env, "again");
    let mut reader = attention(&env);
    ingest(&env, "Notification-permission_prompt");
    reader.pass().unwrap();
    assert_eq!(open_of(&env, &orch, AttentionKind::Waiting).len(), 1);

    // The session acts (a task of its team changes), then asks again.
    std::thread::sleep(std::time::Duration::from_millis(5));
    env.store
        .record_task_event(&NewTaskEvent {
            team_id: team.id.clone(),
            task_id: "1".into(),
            subject: "Implement".into(),
            description: String::new(),
            active_form: None,
            status: TaskStatus::InProgress,
            owner: None,
            blocked_by: vec![],
            metadata: serde_json::json!({}),
            recorded_at: now_ms(),
            sequence: 0,
        })
        .unwrap();
    reader.pass().unwrap();
    assert!(open_of(&env, &orch, AttentionKind::Waiting).is_empty());
    std::thread::sleep(std::time::Duration::from_millis(5));
    let asked_again = now_ms();
    ingest(&env, "Notification-permission_prompt");
    reader.pass().unwrap();
    let waiting = open_of(&env, &orch, AttentionKind::Waiting);
    assert_eq!(waiting.len(), 1, "{waiting:#?}");
    assert!(
        waiting[0].detail["since"].as_i64().unwrap() >= asked_again,
        "waits since the second prompt: {waiting:#?}"
    );
}

#[test]
fn a_quiet_executing_phase_and_an_idle_lead_with_pending_tasks_are_stalls() {
    let env = Env::new();
    let (orch, team) = linked(&env, "stalled");
    let settings = Settings {
        stall_after: std::time::Duration::from_millis(400),
        ..Settings::default()
    };
    let mut reader = Attention::new(env.store.clone(), &env.config, settings);
    env.store
        .record_task_event(&NewTaskEvent {
            team_id: team.id.clone(),
            task_id: "1".into(),
            subject: "Implement".into(),
            description: String::new(),
            active_form: None,
            status: TaskStatus::Pending,
            owner: None,
            blocked_by: vec![],
            metadata: serde_json::json!({}),
            recorded_at: now_ms(),
            sequence: 0,
        })
        .unwrap();
    reader.pass().unwrap();
    assert!(open_of(&env, &orch, AttentionKind::Stall).is_empty());

    // The lead stops with a task pending; a quarter of the stall time later it is a stall.
    std::thread::sleep(std::time::Duration::from_millis(5));
    ingest(&env, "Stop");
    std::thread::sleep(std::time::Duration::from_millis(150));
    reader.pass().unwrap();
    let stalls = open_of(&env, &orch, AttentionKind::Stall);
    assert_eq!(stalls.len(), 1, "{stalls:#?}");
    assert_eq!(stalls[0].detail["reason"], "lead_idle");
    assert_eq!(stalls[0].detail["pending_tasks"], 1);
    assert_eq!(
        stalls[0].detail["last_activity"]["team-lead"]["last"],
        "stop"
    );

    // Nothing at all for the whole stall time: the phase is quiet too.
    std::thread::sleep(std::time::Duration::from_millis(450));
    reader.pass().unwrap();
    let mut reasons: Vec<String> = open_of(&env, &orch, AttentionKind::Stall)
        .iter()
        .map(|e| e.detail["reason"].as_str().unwrap().to_owned())
        .collect();
    reasons.sort();
    assert_eq!(reasons, vec!["lead_idle", "no_progress"]);

    // A teammate goes idle (activity): both stall conditions end.
    ingest(&env, "TeammateIdle");
    reader.pass().unwrap();
    assert!(open_of(&env, &orch, AttentionKind::Stall).is_empty());
}
