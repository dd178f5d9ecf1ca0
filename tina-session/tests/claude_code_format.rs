//! The Claude Code format module against what Claude Code 2.1.332 really wrote and sent
//! (`fixtures/claude-code-2.1.332/`, copied from a run of the real binary; see its
//! README.md for how they were captured).

use std::path::PathBuf;

use tina_session::claude_code::{
    ClaudeHome, HookEvent, HookPayload, IdValue, TaskFile, TeamConfig, session_team_name,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/claude-code-2.1.332")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn team_config_of_2_1_332_parses_with_its_lead_session() {
    let config = TeamConfig::parse(&fixture("team-config.json")).unwrap();
    let lead = config.lead_session().unwrap();
    assert_eq!(lead, "8739ce96-1dac-48df-8c52-26613812a012");
    assert_eq!(
        config.name.as_deref(),
        Some(session_team_name(lead).as_str())
    );
    assert_eq!(config.description, None);
    assert_eq!(config.created_at_ms(), Some(1796133376037));
    assert_eq!(config.lead_process.as_ref().unwrap()["pid"], 26997);
    let names: Vec<&str> = config.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["team-lead", "implementer"]);
    let implementer = &config.members[1];
    assert_eq!(implementer.tmux_pane_id.as_deref(), Some("in-process"));
    assert_eq!(implementer.backend_type.as_deref(), Some("in-process"));
    assert_eq!(implementer.model.as_deref(), Some("claude-opus-5-5"));
    assert_eq!(implementer.color.as_deref(), Some("blue"));
    assert_eq!(implementer.plan_mode_required, Some(false));
    assert_eq!(implementer.joined_at_ms(), Some(1796133376590));
    assert_eq!(config.members[0].agent_type.as_deref(), Some("team-lead"));
}

#[test]
fn team_config_round_trips_to_the_same_json() {
    let bytes = fixture("team-config.json");
    let config = TeamConfig::parse(&bytes).unwrap();
    let original: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let written: serde_json::Value = serde_json::from_str(&config.to_json_pretty()).unwrap();
    assert_eq!(written, original);
}

#[test]
fn task_of_2_1_332_parses_with_its_active_form() {
    let bytes = fixture("task.json");
    let task = TaskFile::parse(&bytes).unwrap();
    assert_eq!(task.id, Some(IdValue::Text("1".into())));
    assert_eq!(task.subject, "Implement the flag");
    assert_eq!(task.description.as_deref(), Some("Add --verbose"));
    assert_eq!(task.active_form.as_deref(), Some("Implementing the flag"));
    assert_eq!(task.status, "pending");
    assert_eq!(task.owner, None);
    assert!(task.blocked_by_ids().is_empty());
    assert_eq!(task.metadata_or_empty(), serde_json::json!({}));
    let original: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let written: serde_json::Value = serde_json::from_str(&task.to_json_pretty()).unwrap();
    assert_eq!(written, original);
}

#[test]
fn the_older_named_layout_parses_too() {
    let config = TeamConfig::parse(
        br#"{"name": "feat-phase-1", "description": "Phase 1", "createdAt": 1000,
             "leadAgentId": "team-lead@feat-phase-1", "leadSessionId": "",
             "members": [{"agentId": "w@feat-phase-1", "name": "worker", "agentType": "coder",
                          "joinedAt": 1500.0, "tmuxPaneId": "%3", "cwd": "/w",
                          "sessionId": "s-2", "subscriptions": []}]}"#,
    )
    .unwrap();
    assert_eq!(config.lead_session(), None);
    assert_eq!(config.description.as_deref(), Some("Phase 1"));
    assert_eq!(config.members[0].joined_at_ms(), Some(1500));
    assert_eq!(config.members[0].session_id.as_deref(), Some("s-2"));
}

#[test]
fn every_hook_sample_parses_and_passes_the_input_rules() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude-code-2.1.332/hooks");
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let payload = HookPayload::parse(&std::fs::read(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        payload
            .validate()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(payload.transcript_path.is_some() && payload.cwd.is_some());
        seen.push(payload.hook_event_name.clone());
        match (&*payload.hook_event_name, &payload.event) {
            (
                "TaskCreated" | "TaskCompleted",
                HookEvent::TaskCreated(t) | HookEvent::TaskCompleted(t),
            ) => {
                assert_eq!(t.task_id, "1");
                assert_eq!(t.task_subject, "Implement the change");
                assert_eq!(
                    t.team_name, None,
                    "2.1.332 sends no team_name for the lead's tasks"
                );
            }
            ("TeammateIdle", HookEvent::TeammateIdle(t)) => {
                assert_eq!(t.teammate_name, "implementer");
                assert_eq!(t.team_name.as_deref(), Some("session-8739ce96"));
                assert_eq!(payload.session_id, "8739ce96-1dac-48df-8c52-26613812a012");
            }
            ("SessionStart", HookEvent::SessionStart { source, model }) => {
                assert_eq!(source.as_deref(), Some("startup"));
                assert_eq!(model.as_deref(), Some("claude-opus-5-5"));
            }
            ("SessionEnd", HookEvent::SessionEnd { reason }) => {
                assert_eq!(reason.as_deref(), Some("other"));
            }
            (
                "Notification",
                HookEvent::Notification {
                    notification_type, ..
                },
            ) => {
                assert_eq!(notification_type.as_deref(), Some("permission_prompt"));
            }
            (
                "Stop",
                HookEvent::Stop {
                    last_assistant_message,
                },
            ) => {
                assert_eq!(last_assistant_message.as_deref(), Some("All done."));
            }
            (
                "SubagentStart" | "SubagentStop",
                HookEvent::SubagentStart { agent_type, .. }
                | HookEvent::SubagentStop { agent_type, .. },
            ) => {
                assert_eq!(agent_type.as_deref(), Some("implementer"));
            }
            ("UserPromptSubmit", HookEvent::Other) => {}
            (name, event) => panic!("{name} parsed as {event:?}"),
        }
        assert_eq!(
            HookPayload::from_value(payload.to_value()).unwrap(),
            payload
        );
    }
    seen.sort();
    assert_eq!(seen.len(), 10, "{seen:?}");
}

#[test]
fn written_files_parse_back_where_the_daemon_looks() {
    let dir = tempfile::tempdir().unwrap();
    let home = ClaudeHome::new(dir.path());
    let config = TeamConfig::parse(&fixture("team-config.json")).unwrap();
    let folder = session_team_name(config.lead_session().unwrap());
    let path = home.write_team_config(&folder, &config).unwrap();
    assert_eq!(path, dir.path().join("teams/session-8739ce96/config.json"));
    let task = TaskFile::parse(&fixture("task.json")).unwrap();
    let path = home.write_task(&folder, &task).unwrap();
    assert_eq!(path, dir.path().join("tasks/session-8739ce96/1.json"));
    assert_eq!(
        TaskFile::parse(&std::fs::read(path).unwrap()).unwrap(),
        task
    );
    assert!(
        dir.path()
            .join("tasks/session-8739ce96/.highwatermark")
            .is_file()
    );
}
