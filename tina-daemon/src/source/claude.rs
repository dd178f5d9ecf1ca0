//! Claude Code's agent-team files: the only code that knows their layout.
//!
//! ```text
//! $CLAUDE_HOME/teams/<team>/config.json   name, createdAt, leadSessionId, members[...]
//! $CLAUDE_HOME/teams/<team>/...           anything else (inboxes) is not ours
//! $CLAUDE_HOME/tasks/<team>/<id>.json     id, subject, description, status, owner, ...
//! ```
//!
//! The directory name is the team name, for both the config and the tasks, so members
//! and tasks always land on the same team; a `name` field in config.json that disagrees
//! with its directory is logged, not followed. Likewise the file name is the task id; an
//! `id` field that disagrees is logged, not followed. Unknown fields are ignored, unknown
//! task statuses are kept verbatim, numeric ids are accepted as strings. Hidden files and
//! non-`.json` files (Claude Code keeps lock files beside the tasks) are skipped.
//!
//! Only this layout is imported: a team directory must be a real directory (not a
//! symlink) whose name passes the team naming rule, and a task file's name must be a
//! valid task id plus `.json`. Files are read through [`super::read`]: regular files
//! only, inside `$CLAUDE_HOME`, up to a size limit.
//!
//! The file formats themselves (serde types, side files, layouts) live in
//! [`tina_session::claude_code`]; this module maps them to the sync engine's records.

use std::path::{Component, Path, PathBuf};

use tina_session::TaskStatus;
use tina_session::claude_code::files::{CONFIG_FILE, FormatError};
use tina_session::claude_code::{ClaudeHome, IdValue, TaskFile, TeamConfig};
use tina_session::model::input::{self, NameKind};

use super::read::{is_real_dir, read_regular};
use super::{Change, MemberRecord, ReadError, SourceFile, TaskRecord, TeamRecord};

/// Reads Claude Code team and task files under one `$CLAUDE_HOME`.
#[derive(Debug, Clone)]
pub struct ClaudeSource {
    root: PathBuf,
    /// `root` with links resolved, once it exists (files must resolve inside it).
    real_root: std::sync::OnceLock<PathBuf>,
    teams_dir: PathBuf,
    tasks_dir: PathBuf,
    /// Files larger than this are reported, not read.
    max_file: u64,
}

impl ClaudeSource {
    /// The source under `claude_home`, reading files up to [`input::FILE_READ_MAX`].
    pub fn new(claude_home: &Path) -> Self {
        let home = ClaudeHome::new(claude_home);
        Self {
            root: claude_home.to_owned(),
            real_root: std::sync::OnceLock::new(),
            teams_dir: home.teams_dir(),
            tasks_dir: home.tasks_dir(),
            max_file: input::FILE_READ_MAX,
        }
    }

    /// The root every file must resolve inside (canonical once it exists).
    fn real_root(&self) -> &Path {
        if let Some(real) = self.real_root.get() {
            return real;
        }
        match self.root.canonicalize() {
            Ok(real) => self.real_root.get_or_init(|| real),
            Err(_) => &self.root,
        }
    }

    /// The same source with another per-file read limit (bytes).
    pub fn with_file_limit(mut self, max_file: u64) -> Self {
        self.max_file = max_file;
        self
    }

    /// The directories to watch (recursively). They are created if missing, so a watch
    /// can be placed before the first team exists.
    pub fn watch_roots(&self) -> [&Path; 2] {
        [&self.teams_dir, &self.tasks_dir]
    }

    /// What a changed path means, or `None` when it is not one of ours.
    pub fn classify(&self, path: &Path) -> Option<Change> {
        if let Some(rest) = relative(path, &self.teams_dir) {
            return match rest.as_slice() {
                [team] if is_team_name(team) => Some(Change::Team(team.clone())),
                [team, file] if file == CONFIG_FILE && is_team_name(team) => {
                    Some(Change::File(SourceFile::TeamConfig {
                        team: team.clone(),
                        path: path.to_owned(),
                    }))
                }
                _ => None,
            };
        }
        if let Some(rest) = relative(path, &self.tasks_dir) {
            return match rest.as_slice() {
                [team] if is_team_name(team) => Some(Change::Team(team.clone())),
                [team, file] if is_task_file(file) && is_team_name(team) => {
                    Some(Change::File(SourceFile::Task {
                        team: team.clone(),
                        path: path.to_owned(),
                    }))
                }
                _ => None,
            };
        }
        None
    }

    /// Every team that has a team or task directory (a real one: a symlink is skipped,
    /// and so is a name that is not a valid team name).
    pub fn list_teams(&self) -> std::io::Result<Vec<String>> {
        let mut teams = Vec::new();
        for dir in self.watch_roots() {
            for name in list_dir(dir)? {
                if is_team_name(&name) && is_real_dir(&dir.join(&name)) {
                    teams.push(name);
                }
            }
        }
        teams.sort();
        teams.dedup();
        Ok(teams)
    }

    /// Every file of one team: its config (if present) and its task files.
    pub fn team_files(&self, team: &str) -> std::io::Result<Vec<SourceFile>> {
        let mut files = Vec::new();
        if !is_team_name(team) {
            return Ok(files);
        }
        let team_dir = self.teams_dir.join(team);
        let config = team_dir.join(CONFIG_FILE);
        // Whatever the config is (a FIFO, a symlink), reading it reports it.
        if is_real_dir(&team_dir) && std::fs::symlink_metadata(&config).is_ok() {
            files.push(SourceFile::TeamConfig {
                team: team.to_owned(),
                path: config,
            });
        }
        let dir = self.tasks_dir.join(team);
        if !is_real_dir(&dir) {
            return Ok(files);
        }
        for name in list_dir(&dir)? {
            if is_task_file(&name) {
                files.push(SourceFile::Task {
                    team: team.to_owned(),
                    path: dir.join(name),
                });
            }
        }
        Ok(files)
    }

    /// Whether a team or task folder of this name exists (as anything: a link counts).
    pub fn folder_exists(&self, folder: &str) -> bool {
        self.watch_roots()
            .iter()
            .any(|root| std::fs::symlink_metadata(root.join(folder)).is_ok())
    }

    /// The `leadSessionId` of a folder's config.json, when it has a readable one.
    pub fn folder_lead_session(&self, folder: &str) -> Option<String> {
        let path = self.teams_dir.join(folder).join(CONFIG_FILE);
        match self.read_team(folder, &path) {
            Ok(record) => record.lead_session_id,
            Err(ReadError::Missing(_)) => None,
            Err(e) => {
                tracing::debug!(folder, error = %e, "no lead session id readable for folder");
                None
            }
        }
    }

    /// Reads a team's config.json.
    pub fn read_team(&self, team: &str, path: &Path) -> Result<TeamRecord, ReadError> {
        let (bytes, _) = read_regular(self.real_root(), path, self.max_file)?;
        let file = TeamConfig::parse(&bytes).map_err(|e| malformed(path, e))?;
        if let Some(name) = file.name.as_deref().filter(|n| *n != team) {
            tracing::warn!(
                path = %path.display(),
                config_name = name,
                directory = team,
                "team config names a different team than its directory; using the directory name"
            );
        }
        let created_at = file.created_at_ms();
        let lead_session_id = file.lead_session().map(str::to_owned);
        let members = file
            .members
            .into_iter()
            .map(|m| MemberRecord {
                joined_at: m.joined_at_ms().or(created_at).unwrap_or(0),
                agent_name: m.name,
                agent_type: m.agent_type,
                model: m.model,
            })
            .collect();
        Ok(TeamRecord {
            team_name: team.to_owned(),
            lead_session_id,
            members,
        })
    }

    /// Reads one task file. The task id is the file name without `.json` (Claude Code
    /// writes `<id>.json`): one file is one task, so two files can never take turns
    /// overwriting one task. An `id` field that disagrees is logged, not followed.
    pub fn read_task(&self, team: &str, path: &Path) -> Result<TaskRecord, ReadError> {
        let (bytes, modified_at) = read_regular(self.real_root(), path, self.max_file)?;
        let file = TaskFile::parse(&bytes).map_err(|e| malformed(path, e))?;
        let task_id = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        if task_id.is_empty() {
            return Err(ReadError::Malformed {
                path: path.to_owned(),
                reason: "the task file has no name before .json".into(),
            });
        }
        if let Some(id) = file
            .id
            .clone()
            .map(IdValue::into_string)
            .filter(|id| *id != task_id)
        {
            tracing::warn!(
                path = %path.display(),
                json_id = id,
                file_id = task_id,
                "task file's id field disagrees with its file name; using the file name"
            );
        }
        Ok(TaskRecord {
            team_name: team.to_owned(),
            task_id,
            blocked_by: file.blocked_by_ids(),
            metadata: file.metadata_or_empty(),
            subject: file.subject,
            description: file.description.unwrap_or_default(),
            active_form: file.active_form.filter(|a| !a.is_empty()).map(|a| {
                tina_session::model::input::truncate(
                    &a,
                    tina_session::model::input::ACTIVE_FORM_MAX,
                )
                .into_owned()
            }),
            status: TaskStatus::parse(&file.status),
            owner: file.owner.filter(|o| !o.is_empty()),
            modified_at,
        })
    }
}

/// `.../tasks/<team>/<id>.json`: a valid task id followed by `.json`.
fn is_task_file(name: &str) -> bool {
    name.strip_suffix(".json")
        .is_some_and(|id| input::validate_task_id(id).is_ok())
}

/// A directory name that can be a team: it passes the one naming rule.
fn is_team_name(name: &str) -> bool {
    input::validate_name(NameKind::Team, name).is_ok()
}

fn malformed(path: &Path, e: FormatError) -> ReadError {
    ReadError::Malformed {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

/// The components of `path` below `root`, as strings; `None` when `path` is not below
/// `root` or a component is not valid UTF-8.
fn relative(path: &Path, root: &Path) -> Option<Vec<String>> {
    let rest = path.strip_prefix(root).ok()?;
    let mut parts = Vec::new();
    for c in rest.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_str()?.to_owned()),
            _ => return None,
        }
    }
    (!parts.is_empty()).then_some(parts)
}

fn list_dir(dir: &Path) -> std::io::Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut names = Vec::new();
    for entry in entries {
        match entry?.file_name().into_string() {
            Ok(name) => names.push(name),
            Err(name) => tracing::warn!(
                dir = %dir.display(),
                name = ?name,
                "skipping a file name that is not UTF-8"
            ),
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> (tempfile::TempDir, ClaudeSource) {
        let dir = tempfile::tempdir().unwrap();
        let source = ClaudeSource::new(dir.path());
        (dir, source)
    }

    #[test]
    fn classifies_only_our_files() {
        let (dir, s) = source();
        let root = dir.path();
        let task = root.join("tasks/feat-phase-1/3.json");
        assert_eq!(
            s.classify(&task),
            Some(Change::File(SourceFile::Task {
                team: "feat-phase-1".into(),
                path: task.clone()
            }))
        );
        let config = root.join("teams/feat-orchestration/config.json");
        assert!(matches!(
            s.classify(&config),
            Some(Change::File(SourceFile::TeamConfig { team, .. })) if team == "feat-orchestration"
        ));
        assert_eq!(
            s.classify(&root.join("tasks/t")),
            Some(Change::Team("t".into()))
        );
        assert_eq!(s.classify(&root.join("tasks/t/.lock")), None);
        assert_eq!(s.classify(&root.join("tasks/t/notes.txt")), None);
        assert_eq!(s.classify(&root.join("teams/t/inboxes/lead.json")), None);
        assert_eq!(s.classify(&root.join("tasks")), None);
        assert_eq!(s.classify(&root.join("projects/x.json")), None);
    }

    #[test]
    fn reads_a_task_with_unknown_fields_and_status() {
        let (dir, s) = source();
        let path = dir.path().join("7.json");
        std::fs::write(
            &path,
            r#"{"id": 7, "subject": "s", "description": "d", "activeForm": "doing",
                "status": "deferred", "owner": "", "blocks": ["9"], "blockedBy": [1, "2"],
                "metadata": {"k": 1}, "somethingNew": true}"#,
        )
        .unwrap();
        let t = s.read_task("team", &path).unwrap();
        assert_eq!(t.task_id, "7");
        assert_eq!(t.status, TaskStatus::Other("deferred".into()));
        assert_eq!(t.owner, None);
        assert_eq!(t.blocked_by, vec!["1", "2"]);
        assert_eq!(t.metadata, serde_json::json!({"k": 1}));
        assert_eq!(t.active_form.as_deref(), Some("doing"));
        assert!(t.modified_at > 0);
    }

    #[test]
    fn the_file_name_is_the_task_id_whatever_the_id_field_says() {
        let (dir, s) = source();
        for (name, id) in [("a.json", r#""1""#), ("b.json", "1"), ("c.json", "null")] {
            let path = dir.path().join(name);
            let body = format!(r#"{{"id": {id}, "subject": "s", "status": "pending"}}"#);
            std::fs::write(&path, body).unwrap();
            assert_eq!(s.read_task("t", &path).unwrap().task_id, &name[..1]);
        }
    }

    #[test]
    fn half_written_task_is_malformed_and_missing_is_missing() {
        let (dir, s) = source();
        let path = dir.path().join("1.json");
        std::fs::write(&path, r#"{"id": "1", "subject": "s", "sta"#).unwrap();
        assert!(matches!(
            s.read_task("t", &path),
            Err(ReadError::Malformed { .. })
        ));
        std::fs::write(&path, "").unwrap();
        assert!(matches!(
            s.read_task("t", &path),
            Err(ReadError::Malformed { .. })
        ));
        assert!(matches!(
            s.read_task("t", &dir.path().join("2.json")),
            Err(ReadError::Missing(_))
        ));
    }

    #[test]
    fn reads_members_with_defaults() {
        let (dir, s) = source();
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            r#"{"name": "t", "createdAt": 1000, "leadAgentId": "lead@t",
                "members": [{"agentId": "a@t", "name": "lead", "model": "opus", "joinedAt": 1500, "cwd": "/"},
                            {"name": "worker", "agentType": "coder"}]}"#,
        )
        .unwrap();
        let team = s.read_team("t", &path).unwrap();
        assert_eq!(team.members.len(), 2);
        assert_eq!(team.members[0].joined_at, 1500);
        assert_eq!(team.members[0].model.as_deref(), Some("opus"));
        assert_eq!(team.members[1].joined_at, 1000);
        assert_eq!(team.members[1].agent_type.as_deref(), Some("coder"));
    }
}
