//! Runs the JSON vectors in `tests/vectors/` against any `Store`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tina_session::store::{Store, StoreError};
use tina_session::*;

pub fn vector_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("vectors dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        // Store vectors are numbered; validation.json holds the input-rule vectors.
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()))
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 5,
        "expected the shared vectors in {}",
        dir.display()
    );
    files
}

fn error_kind(e: &StoreError) -> &'static str {
    match e {
        StoreError::NotFound { .. } => "not_found",
        StoreError::TeamOwnedByOther { .. } => "team_owned_by_other",
        StoreError::Invalid { .. } => "invalid",
        StoreError::FeatureInUse { .. } => "feature_in_use",
        StoreError::Conflict(_) => "conflict",
        StoreError::ConflictingEvent { .. } => "conflicting_event",
        _ => "other",
    }
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

fn n(v: &Value, k: &str) -> Option<u32> {
    v.get(k).and_then(Value::as_u64).map(|x| x as u32)
}

/// Applies one vector to `store` and asserts every expectation. Feature names are
/// distinct across the vector files, so one store can run them all.
pub fn run_vector(store: &dyn Store, path: &Path) {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut orchestrations: BTreeMap<String, OrchestrationId> = BTreeMap::new();
    for o in v["orchestrations"].as_array().unwrap() {
        let feature = s(o, "feature_name").unwrap();
        let (orch, _) = store
            .create_orchestration(&NewOrchestration {
                feature_name: feature.clone(),
                design_doc: s(o, "design_doc").unwrap(),
                branch: None,
                worktree_path: None,
                total_phases: n(o, "total_phases").unwrap(),
                orchestrator_team_name: s(o, "orchestrator_team")
                    .unwrap_or_else(|| orchestrator_team_name(&feature)),
                lead_session_id: None,
                replace: false,
            })
            .unwrap_or_else(|e| panic!("{name}: create {feature}: {e}"));
        orchestrations.insert(feature, orch.id);
    }
    let team_id = |team: &str| -> TeamId {
        store
            .get_team_by_name(team)
            .unwrap_or_else(|e| panic!("{name}: team {team}: {e}"))
            .id
    };
    for t in v["teams"].as_array().unwrap() {
        let reg = TeamRegistration {
            team_name: s(t, "team_name").unwrap(),
            orchestration_id: orchestrations[&s(t, "feature").unwrap()].clone(),
            parent_team_id: s(t, "parent").map(|p| team_id(&p)),
            phase_number: n(t, "phase_number"),
            lead_session_id: None,
        };
        let result = store.register_team(&reg);
        match (s(t, "expect_error"), result) {
            (None, Ok(_)) => {}
            (None, Err(e)) => panic!("{name}: register {}: {e}", reg.team_name),
            (Some(kind), Ok(_)) => panic!("{name}: register {} should fail: {kind}", reg.team_name),
            (Some(kind), Err(e)) => assert_eq!(error_kind(&e), kind, "{name}: {e}"),
        }
    }
    for m in v["members"].as_array().unwrap() {
        store
            .upsert_team_member(&TeamMember {
                team_id: team_id(&s(m, "team").unwrap()),
                agent_name: s(m, "agent_name").unwrap(),
                agent_type: s(m, "agent_type"),
                model: s(m, "model"),
                joined_at: m["joined_at"].as_i64().unwrap(),
            })
            .unwrap_or_else(|e| panic!("{name}: member: {e}"));
    }
    for e in v["events"].as_array().unwrap() {
        let mut event: NewTaskEvent = serde_json::from_value(json!({
            "team_id": "",
            "task_id": e["task_id"], "subject": e["subject"], "description": e["description"],
            "status": e["status"], "owner": e["owner"], "blocked_by": e["blocked_by"],
            "metadata": e["metadata"], "recorded_at": e["recorded_at"], "sequence": e["sequence"],
        }))
        .unwrap();
        event.team_id = team_id(&s(e, "team").unwrap());
        store
            .record_task_event(&event)
            .unwrap_or_else(|err| panic!("{name}: event: {err}"));
    }
    for l in v["lookups"].as_array().unwrap() {
        let feature = s(l, "feature").unwrap();
        let found = l["found"].as_bool().unwrap();
        match store.get_orchestration_by_feature(&feature) {
            Ok(o) => {
                assert!(
                    found,
                    "{name}: lookup '{feature}' must not match, got '{}'",
                    o.feature_name
                );
                assert_eq!(o.feature_name, feature);
            }
            Err(e) => {
                assert!(!found, "{name}: lookup '{feature}': {e}");
                assert!(e.is_not_found(), "{name}: {e}");
            }
        }
    }
    for (feature, expected) in v["expected"].as_object().unwrap() {
        let id = &orchestrations[feature];
        let ctx = format!("{name} [{feature}]");
        let events = store.list_task_events(id).unwrap();
        assert_eq!(
            events.len() as u64,
            expected["event_count"].as_u64().unwrap(),
            "{ctx}: event_count"
        );
        let tasks = store.get_current_tasks(id).unwrap();
        assert_eq!(
            Value::Array(tasks.iter().map(task_projection).collect()),
            expected["current_tasks"],
            "{ctx}: current_tasks"
        );
        let detail = store.get_orchestration_detail(id).unwrap();
        assert_eq!(
            detail_projection(store, &detail),
            expected["detail"],
            "{ctx}: detail"
        );
        let hierarchy = store.get_team_hierarchy(id).unwrap();
        assert_eq!(
            Value::Array(hierarchy.teams.iter().map(node_projection).collect()),
            expected["hierarchy"],
            "{ctx}: hierarchy"
        );
    }
}

fn task_projection(t: &CurrentTask) -> Value {
    json!({
        "team": t.team_name, "task_id": t.task_id, "phase_number": t.phase_number,
        "subject": t.subject, "status": t.status, "owner": t.owner,
        "recorded_at": t.recorded_at, "sequence": t.sequence,
    })
}

fn short_task(t: &CurrentTask) -> Value {
    json!({ "team": t.team_name, "task_id": t.task_id, "subject": t.subject, "status": t.status })
}

fn detail_projection(store: &dyn Store, d: &OrchestrationDetail) -> Value {
    let team_name = |id: &TeamId| store.get_team(id).unwrap().team_name;
    let mut teams: Vec<Value> = d
        .teams
        .iter()
        .map(|t| {
            json!({
                "team_name": t.team_name,
                "parent": t.parent_team_id.as_ref().map(&team_name),
                "phase_number": t.phase_number,
            })
        })
        .collect();
    teams.sort_by_key(|t| t["team_name"].as_str().unwrap().to_owned());
    let mut members: Vec<(String, String)> = d
        .team_members
        .iter()
        .map(|m| (team_name(&m.team_id), m.agent_name.clone()))
        .collect();
    members.sort();
    json!({
        "orchestrator_tasks": d.orchestrator_tasks.iter().map(short_task).collect::<Vec<_>>(),
        "phase_tasks": d.phase_tasks.iter()
            .map(|(k, v)| (k.clone(), Value::Array(v.iter().map(short_task).collect())))
            .collect::<serde_json::Map<_, _>>(),
        "teams": teams,
        "team_members": members.iter()
            .map(|(t, a)| json!({ "team": t, "agent_name": a }))
            .collect::<Vec<_>>(),
    })
}

fn node_projection(n: &TeamNode) -> Value {
    let mut members: Vec<&str> = n.members.iter().map(|m| m.agent_name.as_str()).collect();
    members.sort();
    json!({
        "team": n.team.team_name, "phase_number": n.team.phase_number, "members": members,
        "task_counts": n.task_counts, "task_total": n.task_total,
        "children": n.children.iter().map(node_projection).collect::<Vec<_>>(),
    })
}
