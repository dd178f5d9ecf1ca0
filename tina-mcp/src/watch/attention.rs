//! Attention events as watch anomalies: a member waiting on a person, a stalled phase,
//! a budget warning or exceeded. The daemon records them (`tina_session::attention`);
//! a watch reports each once when it opens (waking the watcher), lists it as ongoing
//! while it holds, and drops it when it clears. The anomaly key is the event id, so a
//! new prompt or a new stall is a new anomaly. Blocked phases are `phase_blocked`
//! already, so blocked events are not repeated here.

use tina_session::model::input::truncate;
use tina_session::model::{AttentionEvent, AttentionKind};

use super::{Anomaly, AnomalyKind, event};

/// The open events of the snapshot as (key, anomaly) pairs.
pub fn holding(events: &[AttentionEvent]) -> Vec<(String, Anomaly)> {
    events
        .iter()
        .filter(|e| e.is_open())
        .filter_map(|e| {
            let kind = match e.kind {
                AttentionKind::Waiting => AnomalyKind::WaitingOnPerson,
                AttentionKind::Stall => AnomalyKind::Stall,
                AttentionKind::BudgetWarning => AnomalyKind::BudgetWarning,
                AttentionKind::BudgetExceeded => AnomalyKind::BudgetExceeded,
                AttentionKind::Blocked => return None,
            };
            let team = e.detail.get("team_name").and_then(|v| v.as_str());
            let message = truncate(&e.message, 200).into_owned();
            Some((e.id.clone(), event(kind, message, e.phase_number, team)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use tina_session::model::OrchestrationId;

    use super::super::{Seen, Snapshot, Thresholds, evaluate};
    use super::*;

    fn waiting(id: &str) -> AttentionEvent {
        AttentionEvent {
            id: id.into(),
            orchestration_id: OrchestrationId::from("o1"),
            kind: AttentionKind::Waiting,
            team_id: None,
            phase_number: None,
            session_id: Some("s".into()),
            agent_name: Some("team-lead".into()),
            message: "team-lead of team t is waiting on a person: Claude needs your permission"
                .into(),
            detail: serde_json::json!({"team_name": "t"}),
            created_at: 1,
            cleared_at: None,
            delivered_at: None,
        }
    }

    fn snap(attention: Vec<AttentionEvent>) -> Snapshot {
        Snapshot {
            now: 1_000,
            orchestration: None,
            phases: vec![],
            teams: vec![],
            tasks: vec![],
            activity: vec![],
            daemon: None,
            attention,
        }
    }

    #[test]
    fn a_waiting_member_wakes_the_watcher_once_then_is_ongoing_until_cleared() {
        let t = Thresholds {
            no_orchestration_ms: 60_000,
            team_without_tasks_ms: 60_000,
            no_progress_ms: 60_000,
            heartbeat_stale_ms: 60_000,
            lead_team_folder_ms: 60_000,
        };
        let seen = Seen::new("f", 1_000);
        let first = evaluate(&seen, &snap(vec![waiting("w1")]), &t);
        assert!(first.has_news());
        assert_eq!(first.new_anomalies[0].kind, AnomalyKind::WaitingOnPerson);
        assert_eq!(first.new_anomalies[0].team_name.as_deref(), Some("t"));
        let again = evaluate(&first.next, &snap(vec![waiting("w1")]), &t);
        assert!(!again.has_news());
        assert_eq!(again.ongoing_anomalies.len(), 1);
        let cleared = evaluate(&again.next, &snap(vec![]), &t);
        assert!(cleared.ongoing_anomalies.is_empty() && !cleared.has_news());
        // A new prompt later is a new anomaly.
        let later = evaluate(&cleared.next, &snap(vec![waiting("w2")]), &t);
        assert_eq!(later.new_anomalies.len(), 1);
    }
}
