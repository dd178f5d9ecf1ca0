//! Records of attention and spend: token usage read from Claude Code transcripts,
//! budgets, and attention events (waiting on a person, stalls, blocks, budget alerts).
//!
//! Money is kept as integer micro-dollars ([`Micros`]), so sums are exact and both
//! stores agree to the cent; a float only appears where a person types or reads dollars.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::{Millis, OrchestrationId, TeamId};

/// Millionths of a US dollar.
pub type Micros = i64;

/// Dollars (as typed on a command line or in config) to [`Micros`], rounded to the
/// nearest micro-dollar. `None` for a negative, non-finite or absurdly large amount.
pub fn usd_to_micros(usd: f64) -> Option<Micros> {
    if !usd.is_finite() || !(0.0..=1e9).contains(&usd) {
        return None;
    }
    Some((usd * 1e6).round() as Micros)
}

/// [`Micros`] as dollars, for display.
pub fn micros_to_usd(micros: Micros) -> f64 {
    micros as f64 / 1e6
}

/// The four token counts an assistant message's `usage` reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[ts(export)]
pub struct TokenCounts {
    #[ts(type = "number")]
    pub input: u64,
    #[ts(type = "number")]
    pub output: u64,
    #[ts(type = "number")]
    pub cache_creation: u64,
    #[ts(type = "number")]
    pub cache_read: u64,
}

impl TokenCounts {
    pub fn total(&self) -> u64 {
        self.input + self.output + self.cache_creation + self.cache_read
    }
}

impl std::ops::AddAssign for TokenCounts {
    fn add_assign(&mut self, o: Self) {
        self.input += o.input;
        self.output += o.output;
        self.cache_creation += o.cache_creation;
        self.cache_read += o.cache_read;
    }
}

/// One assistant message's usage, read from a transcript line and attributed to a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageLine {
    /// Identifies the message across lines and restarts (`message.id` + `requestId`,
    /// else the line's `uuid`): recording it twice counts it once.
    pub message_key: String,
    pub team_id: TeamId,
    /// The Claude Code session whose transcript holds the line.
    pub session_id: String,
    /// The member that spent it: the line's agent name, else `team-lead` (the lead's
    /// own transcript).
    pub agent_name: String,
    pub model: String,
    pub tokens: TokenCounts,
    /// Cost at the price table in force when the line was read; `None` when the model
    /// has no price (counted as unpriced).
    pub cost_micros: Option<Micros>,
}

/// What the daemon read from one transcript in one pass: the new lines and the byte
/// offset just past the last complete line. Recorded in one transaction, so the offset
/// never moves without its lines (and the per-message key keeps a re-read harmless).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageBatch {
    /// The transcript's path, as the daemon found it (the offset's key).
    pub transcript: String,
    pub offset: u64,
    pub lines: Vec<UsageLine>,
}

/// Usage summed per (team, session, member, model).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct UsageTotal {
    pub orchestration_id: OrchestrationId,
    pub team_id: TeamId,
    pub session_id: String,
    pub agent_name: String,
    pub model: String,
    pub tokens: TokenCounts,
    /// Assistant messages counted.
    pub messages: u64,
    /// Of those, messages whose model had no price (their cost is not in `cost_micros`).
    pub unpriced_messages: u64,
    pub cost_micros: Micros,
}

/// A spending limit on a whole orchestration (`phase_number` None) or one phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct Budget {
    pub orchestration_id: OrchestrationId,
    pub phase_number: Option<u32>,
    pub usd_micros: Micros,
    pub updated_at: Millis,
}

/// What needs a person's attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AttentionKind {
    /// An agent waits on a person (permission prompt, idle prompt, elicitation dialog).
    Waiting,
    /// An executing phase shows no progress.
    Stall,
    /// A phase was blocked.
    Blocked,
    /// Spend reached 80 % of a budget.
    BudgetWarning,
    /// Spend reached the budget: TINA blocked the phase and refuses new tasks.
    BudgetExceeded,
}

impl AttentionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Stall => "stall",
            Self::Blocked => "blocked",
            Self::BudgetWarning => "budget_warning",
            Self::BudgetExceeded => "budget_exceeded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Waiting,
            Self::Stall,
            Self::Blocked,
            Self::BudgetWarning,
            Self::BudgetExceeded,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One attention event. Its `id` is derived from what it is about (for example
/// `budget_exceeded:<orchestration>:phase-2:<budget>`), so noticing the same thing
/// again records nothing new and the notify command runs once per event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct AttentionEvent {
    pub id: String,
    pub orchestration_id: OrchestrationId,
    pub kind: AttentionKind,
    pub team_id: Option<TeamId>,
    pub phase_number: Option<u32>,
    pub session_id: Option<String>,
    pub agent_name: Option<String>,
    /// What a person reads (agent text is truncated and kept verbatim; escape it
    /// before printing to a terminal).
    pub message: String,
    /// Evidence: budget and spend, last activity per member, the notification type.
    pub detail: Value,
    pub created_at: Millis,
    /// When the condition ended (the agent resumed, the budget was raised); `None` while
    /// it holds.
    pub cleared_at: Option<Millis>,
    /// When the notify command was started for it; `None` until then.
    pub delivered_at: Option<Millis>,
}

impl AttentionEvent {
    pub fn is_open(&self) -> bool {
        self.cleared_at.is_none()
    }
}
