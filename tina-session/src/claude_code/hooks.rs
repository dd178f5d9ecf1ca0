//! Hook payloads: the JSON object Claude Code pipes to a hook command's stdin.
//!
//! Every payload carries `session_id`, `transcript_path`, `cwd` and `hook_event_name`
//! (most a `prompt_id`); the rest depends on the event. What 2.1.332 sent:
//! - `TaskCreated` / `TaskCompleted`: `task_id`, `task_subject`, `task_description`; no
//!   `team_name` or `teammate_name` for a task the lead created.
//! - `TeammateIdle`: `teammate_name`, `team_name` (`session-<8>`), `agent_id`,
//!   `agent_type`, and the **lead's** `session_id` (teammates run in-process).
//! - `SessionStart`: `source`, `model`. `SessionEnd`: `reason`.
//!   `Notification`: `message`, `notification_type`. `Stop`: `last_assistant_message`.
//! - `SubagentStart` / `SubagentStop`: `agent_id`, `agent_type`.
//!
//! Unknown fields are ignored and unknown events parse as [`HookEvent::Other`], so a
//! newer Claude Code never makes the ingest fail. [`HookPayload::validate`] applies the
//! input rules of [`crate::model::input`] to every field TINA stores.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::model::input::{
    self, DESCRIPTION_MAX, InputError, NameKind, PATH_MAX, REASON_MAX, SUBJECT_MAX,
};

/// Why a payload was refused.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    /// Not a JSON object, or a field of the wrong type.
    #[error("the hook payload is not a Claude Code hook object: {0}")]
    Malformed(String),
    /// A field breaks TINA's input rules.
    #[error("the hook payload's {0}")]
    Invalid(#[from] InputError),
}

/// One hook payload.
#[derive(Debug, Clone, PartialEq)]
pub struct HookPayload {
    pub session_id: String,
    pub transcript_path: Option<String>,
    pub cwd: Option<String>,
    pub prompt_id: Option<String>,
    /// As sent, also for events this module does not know.
    pub hook_event_name: String,
    pub event: HookEvent,
}

/// What happened, per `hook_event_name`.
#[derive(Debug, Clone, PartialEq)]
pub enum HookEvent {
    TaskCreated(TaskHook),
    TaskCompleted(TaskHook),
    TeammateIdle(TeammateIdleHook),
    SessionStart {
        source: Option<String>,
        model: Option<String>,
    },
    SessionEnd {
        reason: Option<String>,
    },
    Notification {
        message: Option<String>,
        notification_type: Option<String>,
    },
    Stop {
        last_assistant_message: Option<String>,
    },
    SubagentStart {
        agent_id: Option<String>,
        agent_type: Option<String>,
    },
    SubagentStop {
        agent_id: Option<String>,
        agent_type: Option<String>,
    },
    /// Any other event (`UserPromptSubmit`, `PreToolUse`, ...): not recorded.
    Other,
}

/// `TaskCreated` / `TaskCompleted`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskHook {
    #[serde(deserialize_with = "id_string")]
    pub task_id: String,
    pub task_subject: String,
    #[serde(default)]
    pub task_description: Option<String>,
    /// Set when a teammate created or completed it.
    #[serde(default)]
    pub teammate_name: Option<String>,
    #[serde(default)]
    pub team_name: Option<String>,
}

/// `TeammateIdle`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeammateIdleHook {
    pub teammate_name: String,
    #[serde(default)]
    pub team_name: Option<String>,
    #[serde(default)]
    pub agent_id: Option<String>,
    #[serde(default)]
    pub agent_type: Option<String>,
}

fn id_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(super::IdValue::deserialize(d)?.into_string())
}

#[derive(Deserialize)]
struct Common {
    session_id: String,
    #[serde(default)]
    transcript_path: Option<String>,
    #[serde(default)]
    cwd: Option<String>,
    #[serde(default)]
    prompt_id: Option<String>,
    hook_event_name: String,
}

fn field<T: serde::de::DeserializeOwned>(
    object: &Map<String, Value>,
    name: &str,
) -> Result<Option<T>, HookError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|e| HookError::Malformed(format!("field {name}: {e}"))),
    }
}

impl HookPayload {
    /// Parses a payload; no input rules yet (see [`Self::validate`]).
    pub fn parse(bytes: &[u8]) -> Result<Self, HookError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| HookError::Malformed(e.to_string()))?;
        Self::from_value(value)
    }

    pub fn from_value(value: Value) -> Result<Self, HookError> {
        let Value::Object(object) = value else {
            return Err(HookError::Malformed("expected a JSON object".into()));
        };
        let common: Common = serde_json::from_value(Value::Object(object.clone()))
            .map_err(|e| HookError::Malformed(e.to_string()))?;
        let whole = || Value::Object(object.clone());
        let malformed = |e: serde_json::Error| HookError::Malformed(e.to_string());
        let event = match common.hook_event_name.as_str() {
            "TaskCreated" => {
                HookEvent::TaskCreated(serde_json::from_value(whole()).map_err(malformed)?)
            }
            "TaskCompleted" => {
                HookEvent::TaskCompleted(serde_json::from_value(whole()).map_err(malformed)?)
            }
            "TeammateIdle" => {
                HookEvent::TeammateIdle(serde_json::from_value(whole()).map_err(malformed)?)
            }
            "SessionStart" => HookEvent::SessionStart {
                source: field(&object, "source")?,
                model: field(&object, "model")?,
            },
            "SessionEnd" => HookEvent::SessionEnd {
                reason: field(&object, "reason")?,
            },
            "Notification" => HookEvent::Notification {
                message: field(&object, "message")?,
                notification_type: field(&object, "notification_type")?,
            },
            "Stop" => HookEvent::Stop {
                last_assistant_message: field(&object, "last_assistant_message")?,
            },
            "SubagentStart" => HookEvent::SubagentStart {
                agent_id: field(&object, "agent_id")?,
                agent_type: field(&object, "agent_type")?,
            },
            "SubagentStop" => HookEvent::SubagentStop {
                agent_id: field(&object, "agent_id")?,
                agent_type: field(&object, "agent_type")?,
            },
            _ => HookEvent::Other,
        };
        Ok(Self {
            session_id: common.session_id,
            transcript_path: common.transcript_path,
            cwd: common.cwd,
            prompt_id: common.prompt_id,
            hook_event_name: common.hook_event_name,
            event,
        })
    }

    /// Applies TINA's input rules to every field that is stored or used for a lookup.
    pub fn validate(&self) -> Result<(), HookError> {
        input::validate_session_id(&self.session_id)?;
        input::check_len("hook_event_name", &self.hook_event_name, 64)?;
        for (name, value) in [
            ("transcript_path", &self.transcript_path),
            ("cwd", &self.cwd),
        ] {
            if let Some(v) = value {
                input::check_len(name, v, PATH_MAX)?;
            }
        }
        let optional_name = |kind, v: &Option<String>| match v {
            Some(v) => input::validate_name(kind, v),
            None => Ok(()),
        };
        match &self.event {
            HookEvent::TaskCreated(t) | HookEvent::TaskCompleted(t) => {
                input::validate_task_id(&t.task_id)?;
                input::check_len("task_subject", &t.task_subject, SUBJECT_MAX)?;
                if let Some(d) = &t.task_description {
                    input::check_len("task_description", d, DESCRIPTION_MAX)?;
                }
                optional_name(NameKind::Team, &t.team_name)?;
                optional_name(NameKind::Agent, &t.teammate_name)?;
            }
            HookEvent::TeammateIdle(t) => {
                input::validate_name(NameKind::Agent, &t.teammate_name)?;
                optional_name(NameKind::Team, &t.team_name)?;
            }
            HookEvent::SessionStart { source, model } => {
                for v in [source, model].into_iter().flatten() {
                    input::check_len("session start field", v, REASON_MAX)?;
                }
            }
            HookEvent::SessionEnd { reason } => {
                if let Some(r) = reason {
                    input::check_len("reason", r, REASON_MAX)?;
                }
            }
            // Free text only logged or truncated when stored.
            HookEvent::Notification { .. }
            | HookEvent::Stop { .. }
            | HookEvent::SubagentStart { .. }
            | HookEvent::SubagentStop { .. }
            | HookEvent::Other => {}
        }
        Ok(())
    }

    /// The payload as Claude Code sends it (for the simulated agents and tests).
    pub fn to_value(&self) -> Value {
        let mut object = Map::new();
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                object.insert(k.to_owned(), Value::String(v.to_owned()));
            }
        };
        put("session_id", Some(&self.session_id));
        put("transcript_path", self.transcript_path.as_deref());
        put("cwd", self.cwd.as_deref());
        put("prompt_id", self.prompt_id.as_deref());
        put("hook_event_name", Some(&self.hook_event_name));
        let extra = match &self.event {
            HookEvent::TaskCreated(t) | HookEvent::TaskCompleted(t) => serde_json::to_value(t),
            HookEvent::TeammateIdle(t) => serde_json::to_value(t),
            HookEvent::SessionStart { source, model } => {
                Ok(serde_json::json!({"source": source, "model": model}))
            }
            HookEvent::SessionEnd { reason } => Ok(serde_json::json!({"reason": reason})),
            HookEvent::Notification {
                message,
                notification_type,
            } => {
                Ok(serde_json::json!({"message": message, "notification_type": notification_type}))
            }
            HookEvent::Stop {
                last_assistant_message,
            } => Ok(serde_json::json!({"last_assistant_message": last_assistant_message})),
            HookEvent::SubagentStart {
                agent_id,
                agent_type,
            }
            | HookEvent::SubagentStop {
                agent_id,
                agent_type,
            } => Ok(serde_json::json!({"agent_id": agent_id, "agent_type": agent_type})),
            HookEvent::Other => Ok(Value::Null),
        };
        if let Ok(Value::Object(extra)) = extra {
            object.extend(extra.into_iter().filter(|(_, v)| !v.is_null()));
        }
        Value::Object(object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_events_and_fields_parse() {
        let p = HookPayload::parse(
            br#"{"session_id": "s-1", "hook_event_name": "PreCompact", "new": [1]}"#,
        )
        .unwrap();
        assert_eq!(p.event, HookEvent::Other);
        assert_eq!(p.hook_event_name, "PreCompact");
        p.validate().unwrap();
    }

    #[test]
    fn refuses_what_the_input_rules_refuse() {
        for bad in [
            r#"[]"#,
            r#"{"hook_event_name": "Stop"}"#,
            r#"{"session_id": "s", "hook_event_name": "TaskCreated", "task_id": "1"}"#,
        ] {
            assert!(HookPayload::parse(bad.as_bytes()).is_err(), "{bad}");
        }
        let traversal = HookPayload::parse(
            br#"{"session_id": "s", "hook_event_name": "TaskCreated", "task_id": "../x", "task_subject": "s"}"#,
        )
        .unwrap();
        assert!(matches!(traversal.validate(), Err(HookError::Invalid(_))));
        let bad_session =
            HookPayload::parse(br#"{"session_id": "a/b", "hook_event_name": "Stop"}"#).unwrap();
        assert!(bad_session.validate().is_err());
    }

    #[test]
    fn numeric_task_ids_become_strings_and_round_trip() {
        let p = HookPayload::parse(
            br#"{"session_id": "s", "hook_event_name": "TaskCompleted", "task_id": 4, "task_subject": "x"}"#,
        )
        .unwrap();
        let HookEvent::TaskCompleted(t) = &p.event else {
            panic!("{p:?}")
        };
        assert_eq!(t.task_id, "4");
        assert_eq!(HookPayload::from_value(p.to_value()).unwrap(), p);
    }
}
