//! Writes agent-team files the way Claude Code does (ARCHITECTURE.md section 3):
//! `$CLAUDE_HOME/teams/<team>/config.json` and `$CLAUDE_HOME/tasks/<team>/<id>.json`.
//!
//! Writes are deliberately not atomic: the file is truncated, half of it written and
//! flushed, then the rest, so a watcher can observe a half-written file exactly as it
//! can with the real agents.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::scenario::MemberScript;

/// The Claude Code directory the simulated agents write into.
#[derive(Debug, Clone)]
pub struct ClaudeFiles {
    pub claude_home: PathBuf,
}

/// One task file's content.
#[derive(Debug, Clone)]
pub struct TaskFile<'a> {
    pub id: &'a str,
    pub subject: &'a str,
    pub description: &'a str,
    pub status: &'a str,
    pub owner: Option<&'a str>,
    pub blocks: Vec<String>,
    pub blocked_by: &'a [String],
    /// Written verbatim; `{}` for none. Orchestrator tasks of a phase carry
    /// `{"phase_number": N}`.
    pub metadata: Value,
}

impl ClaudeFiles {
    pub fn team_config_path(&self, team: &str) -> PathBuf {
        self.claude_home
            .join("teams")
            .join(team)
            .join("config.json")
    }

    pub fn task_path(&self, team: &str, id: &str) -> PathBuf {
        self.claude_home
            .join("tasks")
            .join(team)
            .join(format!("{id}.json"))
    }

    /// Writes the team's config.json listing `members` (the first is the lead).
    pub fn write_team_config(
        &self,
        team: &str,
        description: &str,
        created_at: i64,
        lead_session_id: &str,
        cwd: &str,
        members: &[MemberScript],
    ) -> std::io::Result<()> {
        let lead = members
            .first()
            .map(|m| m.name.as_str())
            .unwrap_or("team-lead");
        let members: Vec<Value> = members
            .iter()
            .enumerate()
            .map(|(i, m)| {
                json!({
                    "agentId": format!("{}@{team}", m.name),
                    "name": m.name,
                    "agentType": m.agent_type,
                    "model": m.model,
                    "joinedAt": created_at + i as i64 * 1000,
                    "tmuxPaneId": "",
                    "cwd": cwd,
                    "subscriptions": [],
                })
            })
            .collect();
        let config = json!({
            "name": team,
            "description": description,
            "createdAt": created_at,
            "leadAgentId": format!("{lead}@{team}"),
            "leadSessionId": lead_session_id,
            "members": members,
        });
        write_non_atomic(&self.team_config_path(team), &pretty(&config))
    }

    pub fn write_task(&self, team: &str, task: &TaskFile<'_>) -> std::io::Result<()> {
        write_non_atomic(&self.task_path(team, task.id), &pretty(&task_json(task)))
    }

    /// The staged crash: truncates the task file and writes only the first half of its
    /// next content, as if the agent died mid-write.
    pub fn write_task_half(&self, team: &str, task: &TaskFile<'_>) -> std::io::Result<()> {
        let text = pretty(&task_json(task));
        let half = text.len() / 2;
        let cut = (0..=half)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        let path = self.task_path(team, task.id);
        let mut f = std::fs::File::create(path)?;
        f.write_all(&text.as_bytes()[..cut])?;
        f.flush()
    }
}

fn task_json(task: &TaskFile<'_>) -> Value {
    let mut value = json!({
        "id": task.id,
        "subject": task.subject,
        "description": task.description,
        "activeForm": format!("Working on: {}", task.subject),
        "status": task.status,
        "blocks": task.blocks,
        "blockedBy": task.blocked_by,
        "metadata": task.metadata,
    });
    if let (Some(owner), Some(obj)) = (task.owner, value.as_object_mut()) {
        obj.insert("owner".into(), Value::String(owner.to_owned()));
    }
    value
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// Truncate, write half, flush, pause, write the rest: not atomic on purpose.
pub fn write_non_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let bytes = text.as_bytes();
    let half = (0..=bytes.len() / 2)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    let mut f = std::fs::File::create(path)?;
    f.write_all(&bytes[..half])?;
    f.flush()?;
    std::thread::sleep(Duration::from_millis(2));
    f.write_all(&bytes[half..])?;
    f.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_files_carry_metadata_verbatim() {
        let blocked_by = vec!["1".to_owned()];
        let task = TaskFile {
            id: "2",
            subject: "execute-phase-1",
            description: "execute-phase-1",
            status: "pending",
            owner: Some("team-lead"),
            blocks: vec!["3".to_owned()],
            blocked_by: &blocked_by,
            metadata: json!({"phase_number": 1}),
        };
        let value = task_json(&task);
        assert_eq!(value["metadata"], json!({"phase_number": 1}));
        assert_eq!(value["owner"], "team-lead");
        assert_eq!(value["blockedBy"], json!(["1"]));
        let plain = task_json(&TaskFile {
            metadata: json!({}),
            owner: None,
            ..task
        });
        assert_eq!(plain["metadata"], json!({}));
        assert!(plain.get("owner").is_none());
    }
}
