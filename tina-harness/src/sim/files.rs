//! Writes agent-team files the way Claude Code does, through the format module
//! ([`tina_session::claude_code`]): `$CLAUDE_HOME/teams/<folder>/config.json` and
//! `$CLAUDE_HOME/tasks/<folder>/<id>.json` (with `.lock` and `.highwatermark`).
//!
//! Two layouts ([`Layout`]): by default the one Claude Code 2.1.178+ writes — the
//! folder is `session-<first 8 chars of the lead's session id>`, the config carries
//! `leadSessionId` and no description, teammates run in-process — and, selectable per
//! scenario (`claude_layout: "named"`), the older one where the folder is the team name.
//!
//! Writes are deliberately not atomic: the file is truncated, half of it written and
//! flushed, then the rest, so a watcher can observe a half-written file exactly as it
//! can with the real agents.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};
use tina_session::claude_code::{self, ClaudeHome, ConfigMember, IdValue, Layout, TeamConfig};

use crate::scenario::MemberScript;

/// The Claude Code directory the simulated agents write into, and in which layout.
#[derive(Debug, Clone)]
pub struct ClaudeFiles {
    pub claude_home: PathBuf,
    pub layout: Layout,
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
    pub fn new(claude_home: impl Into<PathBuf>, layout: Layout) -> Self {
        Self {
            claude_home: claude_home.into(),
            layout,
        }
    }

    fn home(&self) -> ClaudeHome {
        ClaudeHome::new(&self.claude_home)
    }

    /// The folder a lead with this session id writes its team to (`team` is TINA's
    /// name for the team, used by the older layout).
    pub fn folder(&self, team: &str, lead_session_id: &str) -> String {
        self.layout.folder(lead_session_id, team)
    }

    pub fn team_config_path(&self, folder: &str) -> std::io::Result<PathBuf> {
        self.home()
            .config_path(folder)
            .map_err(std::io::Error::other)
    }

    pub fn task_path(&self, folder: &str, id: &str) -> std::io::Result<PathBuf> {
        self.home()
            .task_path(folder, id)
            .map_err(std::io::Error::other)
    }

    /// Writes the team's config.json listing `members` (the first is the lead).
    pub fn write_team_config(
        &self,
        folder: &str,
        description: &str,
        created_at: i64,
        lead_session_id: &str,
        cwd: &str,
        members: &[MemberScript],
    ) -> std::io::Result<()> {
        let config = team_config(
            self.layout,
            folder,
            description,
            created_at,
            lead_session_id,
            cwd,
            members,
        );
        write_non_atomic(&self.team_config_path(folder)?, &config.to_json_pretty())
    }

    pub fn write_task(&self, folder: &str, task: &TaskFile<'_>) -> std::io::Result<()> {
        let path = self.task_path(folder, task.id)?;
        write_non_atomic(&path, &task_file(task).to_json_pretty())?;
        self.home().touch_side_files(folder)
    }

    /// The staged crash: truncates the task file and writes only the first half of its
    /// next content, as if the agent died mid-write.
    pub fn write_task_half(&self, folder: &str, task: &TaskFile<'_>) -> std::io::Result<()> {
        let text = task_file(task).to_json_pretty();
        let half = text.len() / 2;
        let cut = (0..=half)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        let path = self.task_path(folder, task.id)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut f = std::fs::File::create(path)?;
        f.write_all(&text.as_bytes()[..cut])?;
        f.flush()
    }
}

/// config.json as the layout's Claude Code writes it.
fn team_config(
    layout: Layout,
    folder: &str,
    description: &str,
    created_at: i64,
    lead_session_id: &str,
    cwd: &str,
    members: &[MemberScript],
) -> TeamConfig {
    let lead = members.first().map_or("team-lead", |m| m.name.as_str());
    let members = members
        .iter()
        .enumerate()
        .map(|(i, m)| ConfigMember {
            agent_id: Some(format!("{}@{folder}", m.name)),
            name: m.name.clone(),
            agent_type: Some(m.agent_type.clone()),
            model: Some(m.model.clone()),
            joined_at: Some((created_at + i as i64 * 1000).into()),
            tmux_pane_id: Some(match (layout, i) {
                (Layout::Named, _) => String::new(),
                (Layout::Session, 0) => "leader".into(),
                (Layout::Session, _) => "in-process".into(),
            }),
            cwd: Some(cwd.to_owned()),
            subscriptions: Some(Vec::new()),
            backend_type: (layout == Layout::Session).then(|| "in-process".into()),
            ..ConfigMember::default()
        })
        .collect();
    TeamConfig {
        name: Some(folder.to_owned()),
        description: (layout == Layout::Named).then(|| description.to_owned()),
        created_at: Some(created_at.into()),
        lead_agent_id: Some(format!("{lead}@{folder}")),
        lead_session_id: Some(lead_session_id.to_owned()),
        members,
        ..TeamConfig::default()
    }
}

fn task_file(task: &TaskFile<'_>) -> claude_code::TaskFile {
    claude_code::TaskFile {
        id: Some(task.id.into()),
        subject: task.subject.to_owned(),
        description: Some(task.description.to_owned()),
        active_form: Some(format!("Working on: {}", task.subject)),
        status: task.status.to_owned(),
        owner: task.owner.map(str::to_owned),
        blocks: Some(
            task.blocks
                .iter()
                .map(|b| IdValue::from(b.as_str()))
                .collect(),
        ),
        blocked_by: Some(
            task.blocked_by
                .iter()
                .map(|b| IdValue::from(b.as_str()))
                .collect(),
        ),
        metadata: Some(task.metadata.clone()),
        extra: Map::new(),
    }
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

    fn task() -> TaskFile<'static> {
        TaskFile {
            id: "2",
            subject: "execute-phase-1",
            description: "execute-phase-1",
            status: "pending",
            owner: Some("team-lead"),
            blocks: vec!["3".to_owned()],
            blocked_by: &[],
            metadata: serde_json::json!({"phase_number": 1}),
        }
    }

    #[test]
    fn task_files_carry_metadata_verbatim_and_parse_back() {
        let text = task_file(&task()).to_json_pretty();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["metadata"], serde_json::json!({"phase_number": 1}));
        assert_eq!(value["owner"], "team-lead");
        assert_eq!(value["activeForm"], "Working on: execute-phase-1");
        let plain = task_file(&TaskFile {
            owner: None,
            ..task()
        });
        assert!(plain.owner.is_none());
        assert!(!plain.to_json_pretty().contains("\"owner\""));
    }

    #[test]
    fn both_layouts_write_where_and_what_claude_code_writes() {
        let dir = tempfile::tempdir().unwrap();
        let members = [MemberScript {
            name: "team-lead".into(),
            agent_type: "tina:team-lead".into(),
            model: "m".into(),
        }];
        let session = "8739ce96-1dac-48df-8c52-26613812a012";
        for layout in [Layout::Session, Layout::Named] {
            let files = ClaudeFiles::new(dir.path(), layout);
            let folder = files.folder("feat-phase-1", session);
            files
                .write_team_config(&folder, "Phase 1", 1_000, session, "/w", &members)
                .unwrap();
            files.write_task(&folder, &task()).unwrap();
            let config = TeamConfig::parse(
                &std::fs::read(dir.path().join("teams").join(&folder).join("config.json")).unwrap(),
            )
            .unwrap();
            assert_eq!(config.lead_session(), Some(session));
            assert_eq!(config.name.as_deref(), Some(folder.as_str()));
            assert!(
                dir.path()
                    .join("tasks")
                    .join(&folder)
                    .join(".lock")
                    .is_file()
            );
            match layout {
                Layout::Session => {
                    assert_eq!(folder, "session-8739ce96");
                    assert_eq!(config.description, None);
                    assert_eq!(config.members[0].tmux_pane_id.as_deref(), Some("leader"));
                }
                Layout::Named => {
                    assert_eq!(folder, "feat-phase-1");
                    assert_eq!(config.description.as_deref(), Some("Phase 1"));
                }
            }
        }
    }
}
