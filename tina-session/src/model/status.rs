//! Status enums. Orchestration and phase statuses are closed sets; task status is open,
//! because agents may report statuses TINA does not know yet, and those must stay visible.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ts_rs::TS;

macro_rules! closed_status {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        #[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
        #[serde(rename_all = "snake_case")]
        #[ts(export)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} '{other}'; expected one of: {}",
                        stringify!($name),
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

closed_status!(
    /// Where an orchestration stands as a whole.
    OrchestrationStatus {
        Planning => "planning",
        Executing => "executing",
        Reviewing => "reviewing",
        Complete => "complete",
        Blocked => "blocked",
    }
);

closed_status!(
    /// Where one phase stands.
    PhaseStatus {
        Planning => "planning",
        Executing => "executing",
        Reviewing => "reviewing",
        Complete => "complete",
        Blocked => "blocked",
    }
);

/// The one orchestration-status rule. The SQLite store applies it in the transaction of
/// every phase change; `convex/model/status.ts` mirrors it for the Convex functions; the
/// vectors in `tests/vectors/orchestration_status.json` hold both to the same answers.
impl OrchestrationStatus {
    /// Complete and blocked orchestrations may be replaced by a new run of the feature;
    /// the others are running (their teams are active).
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Complete | Self::Blocked)
    }

    /// The running statuses (not [`Self::is_terminal`]), in declaration order.
    pub fn running() -> impl Iterator<Item = Self> {
        Self::ALL.iter().copied().filter(|s| !s.is_terminal())
    }

    /// What one phase reaching `status` says about the orchestration before the other
    /// phases are counted (the `orchestration_status` of a `PhaseTransition`).
    pub fn implied_by(status: PhaseStatus) -> Self {
        match status {
            PhaseStatus::Planning => Self::Planning,
            PhaseStatus::Executing => Self::Executing,
            PhaseStatus::Reviewing => Self::Reviewing,
            PhaseStatus::Complete => Self::Complete,
            PhaseStatus::Blocked => Self::Blocked,
        }
    }

    /// The orchestration's status after a phase change, from every phase as stored in
    /// the same transaction (`phases`, the changed one included): blocked while any
    /// phase is blocked; complete once all `total` phases are complete; otherwise what
    /// the changed phase implies ([`Self::implied_by`]), except that a completed phase
    /// with others still open means planning the next one.
    pub fn derive(
        implied: Self,
        phases: impl IntoIterator<Item = PhaseStatus>,
        total: u32,
    ) -> Self {
        let (mut blocked, mut complete) = (0u32, 0u32);
        for p in phases {
            match p {
                PhaseStatus::Blocked => blocked += 1,
                PhaseStatus::Complete => complete += 1,
                _ => {}
            }
        }
        if blocked > 0 {
            Self::Blocked
        } else if complete >= total {
            Self::Complete
        } else if implied.is_terminal() {
            Self::Planning
        } else {
            implied
        }
    }
}

/// A task's status as its team reported it. Known values get variants; anything else is
/// kept verbatim in `Other` so it is shown, counted and never dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, TS)]
#[ts(export, type = "string")]
pub enum TaskStatus {
    Pending,
    InProgress,
    Completed,
    Other(String),
}

impl TaskStatus {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "pending",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Other(s) => s,
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "pending" => Self::Pending,
            "in_progress" => Self::InProgress,
            "completed" => Self::Completed,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl std::fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TaskStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TaskStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(d)?))
    }
}

/// Any string: the known values are listed as examples, not as an enum, because an
/// unknown status is valid and kept.
#[cfg(feature = "json-schema")]
impl schemars::JsonSchema for TaskStatus {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TaskStatus".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A task's status as its team reported it: pending, in_progress, \
                completed, or any other status the agent reported (kept verbatim).",
            "examples": ["pending", "in_progress", "completed"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_task_status_round_trips() {
        let s: TaskStatus = serde_json::from_str("\"deleted\"").unwrap();
        assert_eq!(s, TaskStatus::Other("deleted".into()));
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"deleted\"");
        assert_eq!(TaskStatus::parse("in_progress"), TaskStatus::InProgress);
    }

    #[test]
    fn orchestration_status_follows_every_phase() {
        use OrchestrationStatus as O;
        use PhaseStatus as P;
        // Resuming one phase while another is blocked keeps the run blocked.
        assert_eq!(
            O::derive(O::Executing, [P::Executing, P::Blocked], 2),
            O::Blocked
        );
        // The last phase completing while an earlier one is open is not the end.
        assert_eq!(
            O::derive(O::Complete, [P::Executing, P::Complete], 2),
            O::Planning
        );
        assert_eq!(
            O::derive(O::Planning, [P::Complete, P::Complete], 2),
            O::Complete
        );
        assert_eq!(O::derive(O::Reviewing, [P::Reviewing], 2), O::Reviewing);
        let running: Vec<_> = O::running().collect();
        assert_eq!(running, [O::Planning, O::Executing, O::Reviewing]);
    }

    #[test]
    fn closed_status_parse_names_valid_values() {
        let err = "done".parse::<PhaseStatus>().unwrap_err();
        assert!(
            err.contains("planning, executing, reviewing, complete, blocked"),
            "{err}"
        );
    }
}
