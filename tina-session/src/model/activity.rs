//! Team activity: what Claude Code's hooks report about a team's sessions and agents
//! (a lead session started or ended, a teammate went idle, a notification, a stop).
//! Recorded by `tina-session hook`, read by `watch_orchestration` as milestones and
//! anomalies. Append-only; an entry is identified by (team, kind, session, agent,
//! recorded_at), so a hook delivered twice is recorded once.

use serde::{Deserialize, Serialize};

use super::{Millis, OrchestrationId, TeamId};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    SessionStart,
    SessionEnd,
    TeammateIdle,
    Notification,
    Stop,
    SubagentStart,
    SubagentStop,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 7] = [
        Self::SessionStart,
        Self::SessionEnd,
        Self::TeammateIdle,
        Self::Notification,
        Self::Stop,
        Self::SubagentStart,
        Self::SubagentStop,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SessionStart => "session_start",
            Self::SessionEnd => "session_end",
            Self::TeammateIdle => "teammate_idle",
            Self::Notification => "notification",
            Self::Stop => "stop",
            Self::SubagentStart => "subagent_start",
            Self::SubagentStop => "subagent_stop",
        }
    }
}

impl std::str::FromStr for ActivityKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown activity kind '{s}'"))
    }
}

impl std::fmt::Display for ActivityKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An activity entry as a writer submits it; the store fills in the orchestration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTeamActivity {
    pub team_id: TeamId,
    pub kind: ActivityKind,
    /// The Claude Code session that reported it (the lead's, for in-process teammates).
    pub session_id: String,
    /// The teammate or subagent involved, if any.
    pub agent_name: Option<String>,
    /// A short, bounded detail: the end reason, start source, notification type, ...
    pub detail: Option<String>,
    pub recorded_at: Millis,
}

/// One stored activity entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamActivity {
    pub orchestration_id: OrchestrationId,
    pub team_id: TeamId,
    pub kind: ActivityKind,
    pub session_id: String,
    pub agent_name: Option<String>,
    pub detail: Option<String>,
    pub recorded_at: Millis,
}
