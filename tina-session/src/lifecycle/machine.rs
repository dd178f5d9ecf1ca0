//! The phase state machine, as pure functions.
//!
//! ```text
//!   (none) --plan--> planning --execute--> executing --review--> reviewing --complete--> complete
//!   (none) --execute--> executing          reviewing --execute--> executing   (rework)
//!   any but complete --block(reason)--> blocked --resume--> executing
//! ```
//! `start` also accepts an executing phase: it relaunches the team (same record).
//!
//! What a phase change means for the orchestration is not decided here: the one rule is
//! `OrchestrationStatus::derive` (from every phase, in the store's transaction), fed
//! with `OrchestrationStatus::implied_by` the phase's new status.

use serde::{Deserialize, Serialize};

use crate::model::PhaseStatus;

/// An event that moves a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum PhaseEvent {
    Plan,
    Execute,
    Review,
    Complete,
    Block,
    Resume,
}

impl PhaseEvent {
    pub const ALL: &'static [PhaseEvent] = &[
        Self::Plan,
        Self::Execute,
        Self::Review,
        Self::Complete,
        Self::Block,
        Self::Resume,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plan => "plan",
            Self::Execute => "execute",
            Self::Review => "review",
            Self::Complete => "complete",
            Self::Block => "block",
            Self::Resume => "resume",
        }
    }
}

impl std::str::FromStr for PhaseEvent {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown event '{s}'; expected one of: plan, execute, review, complete, block, resume"
                )
            })
    }
}

/// Why the machine refused an event: the status it was in, the event, and the events
/// it allows from there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRefused {
    /// `None`: the phase has not started.
    pub from: Option<PhaseStatus>,
    pub event: PhaseEvent,
    pub allowed: Vec<PhaseEvent>,
}

impl std::fmt::Display for TransitionRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.from == Some(PhaseStatus::Complete) && self.event == PhaseEvent::Block {
            return f.write_str("the phase is already complete");
        }
        let state = self.from.map_or("not started", PhaseStatus::as_str);
        let allowed: Vec<&str> = self.allowed.iter().map(|e| e.as_str()).collect();
        write!(
            f,
            "the phase is {state}; allowed events from here: {}",
            if allowed.is_empty() {
                "none".to_owned()
            } else {
                allowed.join(", ")
            }
        )
    }
}

/// The phase status after `event`, or why the event is not allowed from `current`.
pub fn next_phase_status(
    current: Option<PhaseStatus>,
    event: PhaseEvent,
) -> Result<PhaseStatus, TransitionRefused> {
    transition(current, event).ok_or_else(|| TransitionRefused {
        from: current,
        event,
        allowed: PhaseEvent::ALL
            .iter()
            .copied()
            .filter(|e| transition(current, *e).is_some())
            .collect(),
    })
}

fn transition(current: Option<PhaseStatus>, event: PhaseEvent) -> Option<PhaseStatus> {
    use PhaseEvent as E;
    use PhaseStatus as S;
    Some(match (current, event) {
        (None, E::Plan) => S::Planning,
        (None | Some(S::Planning) | Some(S::Reviewing), E::Execute) => S::Executing,
        (Some(S::Executing), E::Review) => S::Reviewing,
        (Some(S::Reviewing), E::Complete) => S::Complete,
        (Some(S::Complete), E::Block) => return None,
        (_, E::Block) => S::Blocked,
        (Some(S::Blocked), E::Resume) => S::Executing,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use PhaseEvent as E;
    use PhaseStatus as S;

    #[test]
    fn happy_path() {
        let mut s = None;
        for (event, expect) in [
            (E::Plan, S::Planning),
            (E::Execute, S::Executing),
            (E::Review, S::Reviewing),
            (E::Execute, S::Executing),
            (E::Review, S::Reviewing),
            (E::Complete, S::Complete),
        ] {
            let next = next_phase_status(s, event).unwrap();
            assert_eq!(next, expect);
            s = Some(next);
        }
    }

    #[test]
    fn refusals_name_state_and_allowed_events() {
        let err = next_phase_status(Some(S::Executing), E::Complete)
            .unwrap_err()
            .to_string();
        assert!(err.contains("executing"), "{err}");
        assert!(err.contains("review, block"), "{err}");
        assert!(next_phase_status(Some(S::Complete), E::Block).is_err());
        assert!(next_phase_status(None, E::Resume).is_err());
        assert_eq!(
            next_phase_status(Some(S::Blocked), E::Resume),
            Ok(S::Executing)
        );
        assert_eq!(
            next_phase_status(Some(S::Planning), E::Block),
            Ok(S::Blocked)
        );
    }
}
