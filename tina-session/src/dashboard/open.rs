//! Open attention events as the dashboard shows them: who waits on a person (since when,
//! with the agent's message), stalled phases and budget alerts, each placed on its phase
//! and member so the page can badge the orchestration, the phase and the member alike.
//!
//! Blocked-phase events are left out: the blocked phase, its reason and since when are
//! already [`super::Attention::blocked`], read from the phase records themselves.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::*;

/// One open attention event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OpenItem {
    pub id: String,
    pub kind: AttentionKind,
    /// What a person reads. Agent text (a permission prompt's message) is kept verbatim:
    /// escape it when showing it.
    pub message: String,
    /// Since when it holds, in ms since the epoch (for waiting: the notification's time).
    #[ts(type = "number")]
    pub since: Millis,
    pub team_id: Option<TeamId>,
    /// The event's phase, else its team's (`None` for the orchestrator team or a
    /// whole-orchestration budget).
    pub phase_number: Option<u32>,
    /// The member concerned (waiting: the agent that asked).
    pub agent_name: Option<String>,
    /// For waiting: `permission_prompt`, `idle_prompt` or `elicitation_dialog`.
    pub notification_type: Option<String>,
}

impl OpenItem {
    pub fn is_waiting(&self) -> bool {
        self.kind == AttentionKind::Waiting
    }
}

/// Most urgent first: a person can act on a waiting agent at once; an exceeded budget
/// stops work; a stall and a warning can wait a little.
fn urgency(kind: AttentionKind) -> u8 {
    match kind {
        AttentionKind::Waiting => 0,
        AttentionKind::BudgetExceeded => 1,
        AttentionKind::Stall => 2,
        AttentionKind::BudgetWarning => 3,
        AttentionKind::Blocked => 4,
    }
}

/// The open events of one orchestration (others are ignored), placed on their phases,
/// most urgent first, oldest first within a kind.
pub fn open_items(events: &[AttentionEvent], teams: &[Team]) -> Vec<OpenItem> {
    let phase_of: HashMap<&TeamId, Option<u32>> =
        teams.iter().map(|t| (&t.id, t.phase_number)).collect();
    let mut items: Vec<OpenItem> = events
        .iter()
        .filter(|e| e.is_open() && e.kind != AttentionKind::Blocked)
        .map(|e| {
            let since = match e.kind {
                AttentionKind::Waiting => e.detail.get("since").and_then(serde_json::Value::as_i64),
                _ => None,
            };
            OpenItem {
                id: e.id.clone(),
                kind: e.kind,
                message: e.message.clone(),
                since: since.unwrap_or(e.created_at),
                phase_number: e.phase_number.or_else(|| {
                    e.team_id
                        .as_ref()
                        .and_then(|t| phase_of.get(t).copied().flatten())
                }),
                team_id: e.team_id.clone(),
                agent_name: e.agent_name.clone(),
                notification_type: e
                    .detail
                    .get("notification_type")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned),
            }
        })
        .collect();
    items.sort_by(|a, b| (urgency(a.kind), a.since, &a.id).cmp(&(urgency(b.kind), b.since, &b.id)));
    items
}

/// Waiting members, counted once per (team, member): two prompts of one agent are one
/// person to answer.
pub fn waiting_count(items: &[OpenItem]) -> u32 {
    let mut seen: Vec<(&Option<TeamId>, &Option<String>)> = items
        .iter()
        .filter(|i| i.is_waiting())
        .map(|i| (&i.team_id, &i.agent_name))
        .collect();
    seen.sort();
    seen.dedup();
    seen.len() as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(id: &str, kind: AttentionKind, team: Option<&str>, at: Millis) -> AttentionEvent {
        AttentionEvent {
            id: id.into(),
            orchestration_id: OrchestrationId::from("o"),
            kind,
            team_id: team.map(TeamId::from),
            phase_number: None,
            session_id: None,
            agent_name: Some("team-lead".into()),
            message: format!("{id} says <b>hi</b>"),
            detail: json!({"notification_type": "permission_prompt", "since": at - 5}),
            created_at: at,
            cleared_at: None,
            delivered_at: None,
        }
    }

    fn team(id: &str, phase: Option<u32>) -> Team {
        Team {
            id: TeamId::from(id),
            team_name: id.into(),
            orchestration_id: OrchestrationId::from("o"),
            parent_team_id: None,
            phase_number: phase,
            lead_session_id: None,
            claude_team_dir: None,
            created_at: 0,
        }
    }

    #[test]
    fn open_items_are_placed_on_phases_and_ordered_by_urgency() {
        use AttentionKind as K;
        let mut cleared = event("w-old", K::Waiting, Some("p2"), 10);
        cleared.cleared_at = Some(20);
        let events = [
            event("warn", K::BudgetWarning, None, 50),
            event("stall", K::Stall, Some("p2"), 40),
            event("w2", K::Waiting, Some("p2"), 300),
            event("w1", K::Waiting, Some("root"), 200),
            event("blocked", K::Blocked, Some("p2"), 5),
            cleared,
        ];
        let teams = [team("root", None), team("p2", Some(2))];
        let items = open_items(&events, &teams);
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["w1", "w2", "stall", "warn"]);
        assert_eq!(
            items[0].phase_number, None,
            "the orchestrator team has no phase"
        );
        assert_eq!(items[1].phase_number, Some(2), "placed by its team");
        assert_eq!(items[1].since, 295, "a wait holds since its notification");
        assert_eq!(items[2].since, 40);
        assert_eq!(
            items[0].notification_type.as_deref(),
            Some("permission_prompt")
        );
        assert_eq!(items[0].message, "w1 says <b>hi</b>", "kept verbatim");
        assert_eq!(waiting_count(&items), 2);
        let twice = [
            items[0].clone(),
            OpenItem {
                id: "w1b".into(),
                ..items[0].clone()
            },
        ];
        assert_eq!(
            waiting_count(&twice),
            1,
            "one member asking twice is one wait"
        );
    }
}
