//! The agent-team files under `$CLAUDE_HOME`, as Claude Code writes them.
//!
//! ```text
//! teams/<folder>/config.json     name, createdAt, leadAgentId, leadSessionId, members[...]
//! teams/<folder>/inboxes/...     messages between agents: not TINA's
//! tasks/<folder>/<id>.json       id, subject, description, activeForm, status, owner, ...
//! tasks/<folder>/.lock           side files Claude Code keeps beside the tasks:
//! tasks/<folder>/.highwatermark    ignored (as is any hidden or non-.json file)
//! ```
//!
//! Since 2.1.178 `<folder>` is `session-<first 8 chars of the lead's session id>` and
//! `leadSessionId` is the full id; before, it was the name the lead chose. Under `-p`
//! (no team) tasks go to `tasks/<full session id>/`. Folder names are labels: who a
//! folder belongs to is decided by the lead session id (see the daemon's linking).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use crate::Millis;
use crate::paths::{self, PathError};

/// The folder of team configs under `$CLAUDE_HOME`.
pub const TEAMS_DIR: &str = "teams";
/// The folder of task lists under `$CLAUDE_HOME`.
pub const TASKS_DIR: &str = "tasks";
/// A team folder's configuration file.
pub const CONFIG_FILE: &str = "config.json";
/// The lock file Claude Code keeps in a task folder.
pub const LOCK_FILE: &str = ".lock";
/// The file in which Claude Code keeps the highest task number it handed out.
pub const HIGHWATERMARK_FILE: &str = ".highwatermark";
/// The inbox folder inside a team folder (messages between agents).
pub const INBOXES_DIR: &str = "inboxes";

/// How a Claude Code version names a lead's team folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// 2.1.178 and later: `session-<first 8 chars of the lead session id>`, the team
    /// linked by `leadSessionId`.
    #[default]
    Session,
    /// Before 2.1.178: the folder is the team name the lead chose.
    Named,
}

impl Layout {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Session => "session",
            Self::Named => "named",
        }
    }

    /// The folder a lead with this session id and (TINA-chosen) team name writes to.
    pub fn folder(self, lead_session_id: &str, team_name: &str) -> String {
        match self {
            Self::Session => session_team_name(lead_session_id),
            Self::Named => team_name.to_owned(),
        }
    }
}

impl std::str::FromStr for Layout {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "session" => Ok(Self::Session),
            "named" => Ok(Self::Named),
            other => Err(format!(
                "unknown Claude Code layout {}; use 'session' (2.1.178+) or 'named' (older)",
                crate::model::input::quote(other)
            )),
        }
    }
}

/// The implicit team folder of a lead session: `session-<first 8 chars of its id>`.
/// Only for writing and display — never used to find the team of a folder.
pub fn session_team_name(session_id: &str) -> String {
    let short: String = session_id.chars().take(8).collect();
    format!("session-{short}")
}

/// `<id>.json`, not hidden: a task file.
pub fn is_task_file_name(name: &str) -> bool {
    !name.starts_with('.') && name.len() > ".json".len() && name.ends_with(".json")
}

/// A file Claude Code keeps beside the tasks that is not a task (`.lock`, `*.lock`,
/// `.highwatermark`, any hidden file).
pub fn is_side_file(name: &str) -> bool {
    name.starts_with('.') || name.ends_with(".lock") || name == HIGHWATERMARK_FILE
}

/// Why a file's bytes are not the expected record.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// Nothing but white space: the file is being written.
    #[error("the file is empty (being written?)")]
    Empty,
    /// Not JSON, or not the expected shape.
    #[error("{0}")]
    Json(String),
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, FormatError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FormatError::Empty);
    }
    serde_json::from_slice(bytes).map_err(|e| FormatError::Json(e.to_string()))
}

fn pretty<T: Serialize>(value: &T) -> String {
    // These types hold only strings, numbers and JSON values: serializing cannot fail.
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// A time stamp in ms as Claude Code writes it (an integer; a float is accepted).
pub fn number_ms(n: &Number) -> Option<Millis> {
    n.as_i64().or_else(|| n.as_f64().map(|f| f as Millis))
}

/// Task ids are strings ("1"); numbers are accepted too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IdValue {
    Text(String),
    Number(Number),
}

impl IdValue {
    pub fn into_string(self) -> String {
        match self {
            Self::Text(s) => s,
            Self::Number(n) => n.to_string(),
        }
    }
}

impl From<&str> for IdValue {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}

/// `teams/<folder>/config.json`. Unknown fields are kept in `extra` (and written back).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Only the older layout writes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_agent_id: Option<String>,
    /// The lead's `--session-id`: what links the folder to a TINA team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_session_id: Option<String>,
    /// `{pid, pidSpace, claimedAt, procStart}` in 2.1.332; kept as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_process: Option<Value>,
    #[serde(default)]
    pub members: Vec<ConfigMember>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of `members` in config.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigMember {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined_at: Option<Number>,
    /// `"leader"`, `"in-process"`, or a tmux pane id (`%3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmux_pane_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriptions: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_mode_required: Option<bool>,
    /// `"in-process"` or `"tmux"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend_type: Option<String>,
    /// The older layout's teammates ran as their own sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TeamConfig {
    pub fn parse(bytes: &[u8]) -> Result<Self, FormatError> {
        parse(bytes)
    }

    pub fn to_json_pretty(&self) -> String {
        pretty(self)
    }

    pub fn created_at_ms(&self) -> Option<Millis> {
        self.created_at.as_ref().and_then(number_ms)
    }

    /// The lead session id, `None` when absent or empty.
    pub fn lead_session(&self) -> Option<&str> {
        self.lead_session_id.as_deref().filter(|s| !s.is_empty())
    }
}

impl ConfigMember {
    pub fn joined_at_ms(&self) -> Option<Millis> {
        self.joined_at.as_ref().and_then(number_ms)
    }
}

/// `tasks/<folder>/<id>.json`. Unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<IdValue>,
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The present-continuous line Claude Code shows while the task runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_form: Option<String>,
    pub status: String,
    /// Absent until the task is assigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Vec<IdValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<Vec<IdValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TaskFile {
    /// A task the way Claude Code writes a new one: status `pending`, empty lists.
    pub fn new(id: &str, subject: &str) -> Self {
        Self {
            id: Some(id.into()),
            subject: subject.to_owned(),
            description: Some(String::new()),
            active_form: None,
            status: "pending".to_owned(),
            owner: None,
            blocks: Some(Vec::new()),
            blocked_by: Some(Vec::new()),
            metadata: None,
            extra: Map::new(),
        }
    }

    pub fn parse(bytes: &[u8]) -> Result<Self, FormatError> {
        parse(bytes)
    }

    pub fn to_json_pretty(&self) -> String {
        pretty(self)
    }

    /// `blockedBy` as strings.
    pub fn blocked_by_ids(&self) -> Vec<String> {
        self.blocked_by
            .iter()
            .flatten()
            .cloned()
            .map(IdValue::into_string)
            .collect()
    }

    /// `metadata`, `{}` when absent or null.
    pub fn metadata_or_empty(&self) -> Value {
        match &self.metadata {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(v) => v.clone(),
        }
    }
}

/// Paths under one `$CLAUDE_HOME`. Every path built from a folder name goes through
/// [`paths::confined`], so an agent-written name cannot reach outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaudeHome {
    root: PathBuf,
}

impl ClaudeHome {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn teams_dir(&self) -> PathBuf {
        self.root.join(TEAMS_DIR)
    }

    pub fn tasks_dir(&self) -> PathBuf {
        self.root.join(TASKS_DIR)
    }

    /// `teams/<folder>`.
    pub fn team_dir(&self, folder: &str) -> Result<PathBuf, PathError> {
        paths::confined(&self.teams_dir(), folder)
    }

    /// `tasks/<folder>`.
    pub fn task_dir(&self, folder: &str) -> Result<PathBuf, PathError> {
        paths::confined(&self.tasks_dir(), folder)
    }

    /// `teams/<folder>/config.json`.
    pub fn config_path(&self, folder: &str) -> Result<PathBuf, PathError> {
        Ok(self.team_dir(folder)?.join(CONFIG_FILE))
    }

    /// `tasks/<folder>/<id>.json`.
    pub fn task_path(&self, folder: &str, task_id: &str) -> Result<PathBuf, PathError> {
        paths::confined(&self.task_dir(folder)?, &format!("{task_id}.json"))
    }

    /// Writes config.json atomically (a hidden temp file renamed into place), creating
    /// the folder. For tests, benches and tools; the simulated agents write the same
    /// bytes non-atomically on purpose.
    pub fn write_team_config(&self, folder: &str, config: &TeamConfig) -> std::io::Result<PathBuf> {
        let path = self.config_path(folder).map_err(std::io::Error::other)?;
        write_atomic(&path, config.to_json_pretty().as_bytes())?;
        Ok(path)
    }

    /// Writes `<id>.json` atomically, creating the folder and its `.lock` the way Claude
    /// Code does. The id is the task's `id` field.
    pub fn write_task(&self, folder: &str, task: &TaskFile) -> std::io::Result<PathBuf> {
        let id = task
            .id
            .clone()
            .map(IdValue::into_string)
            .unwrap_or_default();
        let path = self.task_path(folder, &id).map_err(std::io::Error::other)?;
        write_atomic(&path, task.to_json_pretty().as_bytes())?;
        self.touch_side_files(folder)?;
        Ok(path)
    }

    /// Creates `.lock` and `.highwatermark` in a task folder, as Claude Code keeps them.
    pub fn touch_side_files(&self, folder: &str) -> std::io::Result<()> {
        let dir = self.task_dir(folder).map_err(std::io::Error::other)?;
        std::fs::create_dir_all(&dir)?;
        for name in [LOCK_FILE, HIGHWATERMARK_FILE] {
            let path = dir.join(name);
            if !path.exists() {
                std::fs::write(path, b"")?;
            }
        }
        Ok(())
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other(format!("{} has no parent", path.display())))?;
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_folder_is_the_first_eight_chars() {
        assert_eq!(
            session_team_name("8739ce96-1dac-48df-8c52-26613812a012"),
            "session-8739ce96"
        );
        assert_eq!(session_team_name("abc"), "session-abc");
        assert_eq!(
            Layout::Named.folder("8739ce96-1dac", "f-phase-1"),
            "f-phase-1"
        );
        assert_eq!(
            Layout::Session.folder("8739ce96-1dac", "f-phase-1"),
            "session-8739ce96"
        );
        assert_eq!("named".parse::<Layout>(), Ok(Layout::Named));
        assert!("x".parse::<Layout>().unwrap_err().contains("'session'"));
    }

    #[test]
    fn side_files_are_not_tasks() {
        for side in [".lock", "a.lock", ".highwatermark", ".1.json.tmp-3"] {
            assert!(is_side_file(side), "{side}");
            assert!(!is_task_file_name(side), "{side}");
        }
        assert!(is_task_file_name("1.json"));
        assert!(!is_side_file("1.json"));
        assert!(!is_task_file_name(".json"));
        assert!(!is_task_file_name("notes.txt"));
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let text = r#"{"id": 3, "subject": "s", "status": "deferred", "futureField": {"a": 1}}"#;
        let task = TaskFile::parse(text.as_bytes()).unwrap();
        assert_eq!(
            task.id.clone().map(IdValue::into_string).as_deref(),
            Some("3")
        );
        let again: Value = serde_json::from_str(&task.to_json_pretty()).unwrap();
        assert_eq!(again["futureField"], serde_json::json!({"a": 1}));
        assert_eq!(again["status"], "deferred");
        assert!(matches!(TaskFile::parse(b"  \n"), Err(FormatError::Empty)));
        assert!(matches!(
            TaskFile::parse(b"{\"subj"),
            Err(FormatError::Json(_))
        ));
    }

    #[test]
    fn writes_refuse_folders_outside_the_home() {
        let dir = tempfile::tempdir().unwrap();
        let home = ClaudeHome::new(dir.path());
        assert!(
            home.write_task("../escape", &TaskFile::new("1", "s"))
                .is_err()
        );
        assert!(home.write_task("t", &TaskFile::new("../1", "s")).is_err());
        let path = home.write_task("t", &TaskFile::new("1", "s")).unwrap();
        assert!(path.ends_with("tasks/t/1.json"));
        assert!(dir.path().join("tasks/t/.lock").is_file());
    }
}
