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

impl OrchestrationStatus {
    /// Complete and blocked orchestrations may be replaced by a new run of the feature.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Complete | Self::Blocked)
    }

    /// The orchestration's status after a phase change, from every phase as stored in
    /// the same transaction: blocked while any phase is blocked; complete once all
    /// `total` phases are complete; otherwise what the changed phase implies, except
    /// that a completed phase with others still open means planning the next one.
    /// Both store backends apply exactly this rule.
    pub fn derive(implied: Self, blocked: u32, complete: u32, total: u32) -> Self {
        if blocked > 0 {
            Self::Blocked
        } else if complete >= total {
            Self::Complete
        } else if implied == Self::Complete || implied == Self::Blocked {
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
        // Resuming one phase while another is blocked keeps the run blocked.
        assert_eq!(O::derive(O::Executing, 1, 0, 2), O::Blocked);
        // The last phase completing while an earlier one is open is not the end.
        assert_eq!(O::derive(O::Complete, 0, 1, 2), O::Planning);
        assert_eq!(O::derive(O::Planning, 0, 2, 2), O::Complete);
        assert_eq!(O::derive(O::Reviewing, 0, 0, 2), O::Reviewing);
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
