//! Scenarios: loading and validating `scenarios/<NN-name>/`.
//!
//! A scenario folder holds `scenario.json` (the feature and the simulated agents'
//! script), `design.md`, `expected.json` and optionally `setup.patch`. Loading checks
//! every field twice: serde refuses unknown or missing fields, then [`Scenario::validate`]
//! checks meaning (phase numbers, task ids, owners, paths). Every error names the file
//! and the field, so a broken scenario is fixed in one look.
//!
//! The feature name comes from `scenario.json` and nowhere else: nothing here derives
//! it from the folder name.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Why a scenario could not be loaded. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The scenario name is not a plain folder name.
    #[error("invalid scenario name '{name}': {reason}")]
    InvalidName { name: String, reason: &'static str },
    /// The folder or a required file is missing or unreadable.
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The JSON does not match the schema (unknown, missing or mistyped field).
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// The JSON parsed but a field's value makes no sense.
    #[error("{path}: field `{field}`: {message}")]
    Invalid {
        path: PathBuf,
        field: String,
        message: String,
    },
}

/// Refuses anything but a plain folder name: no separators, no `..`, not empty.
pub fn validate_scenario_name(name: &str) -> Result<(), ScenarioError> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if name.contains('/') || name.contains('\\') {
        Some("it contains a path separator")
    } else if name == "." || name.contains("..") {
        Some("it contains '..' or is '.'")
    } else if name.starts_with('.') {
        Some("it starts with '.'")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        Some("use letters, digits, '-', '_' and '.' only")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(ScenarioError::InvalidName {
            name: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// `scenario.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioScript {
    /// Exact feature name of the orchestration this scenario creates.
    pub feature_name: String,
    pub description: String,
    pub total_phases: u32,
    /// Pause between two simulated file writes, in milliseconds.
    #[serde(default = "default_delay")]
    pub step_delay_ms: u64,
    /// Which Claude Code layout the sim writes: `"session"` (2.1.178+: `session-<8>`
    /// folders linked by lead session id; the default) or `"named"` (older: folders
    /// named after the team).
    #[serde(default)]
    pub claude_layout: tina_session::claude_code::Layout,
    /// The orchestrator team's members.
    pub orchestrator: OrchestratorScript,
    /// One entry per phase, in order.
    pub phases: Vec<PhaseScript>,
}

fn default_delay() -> u64 {
    20
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrchestratorScript {
    pub members: Vec<MemberScript>,
}

/// A team member as Claude Code lists it in `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberScript {
    pub name: String,
    pub agent_type: String,
    pub model: String,
}

/// What one phase team does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseScript {
    pub number: u32,
    /// The phase plan (markdown) the orchestrator writes before starting the phase.
    pub plan: String,
    /// Members in joining order; the first one is the team lead.
    pub members: Vec<MemberScript>,
    /// Tasks in the order the team works on them.
    pub tasks: Vec<TaskScript>,
    /// A staged test failure: the first test run of the phase must fail; the phase
    /// is blocked with `reason`, the `fix_tasks` run, then the phase resumes.
    #[serde(default)]
    pub failure: Option<FailureScript>,
    /// A staged crash of the simulated agents mid-phase.
    #[serde(default)]
    pub crash: Option<CrashScript>,
    /// Commit message of the phase's commit in the worktree.
    #[serde(default)]
    pub commit_message: Option<String>,
}

/// One task of a phase team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskScript {
    /// Claude Code task id, unique within the team ("1", "2", ...).
    pub id: String,
    pub subject: String,
    #[serde(default)]
    pub description: String,
    /// A member of the phase team.
    pub owner: String,
    #[serde(default)]
    pub blocked_by: Vec<String>,
    /// Statuses after the initial `pending`, in order; the last must be `completed`.
    pub progression: Vec<String>,
    /// Code changes applied while the task is in progress.
    #[serde(default)]
    pub changes: Vec<FileChange>,
    /// Run the test project's tests before the task's final status.
    #[serde(default)]
    pub run_tests: bool,
}

/// A staged test failure and its fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureScript {
    /// The `--reason` given to `tina-session advance --event block`.
    pub reason: String,
    /// Tasks created after the block to fix the failure (ids new to the team).
    pub fix_tasks: Vec<TaskScript>,
}

/// A staged crash: the agents die right after `task` reaches `status`, leaving the
/// task's next write half-done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrashScript {
    pub task: String,
    pub status: String,
}

/// One file change in the worktree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase", deny_unknown_fields)]
pub enum FileChange {
    /// Create or overwrite `path` with `content`.
    Write { path: String, content: String },
    /// Replace the single occurrence of `find` in `path` with `with`.
    Replace {
        path: String,
        find: String,
        with: String,
    },
    /// Remove `path`.
    Delete { path: String },
}

impl FileChange {
    pub fn path(&self) -> &str {
        match self {
            Self::Write { path, .. } | Self::Replace { path, .. } | Self::Delete { path } => path,
        }
    }
}

/// `expected.json`: what the store and the worktree must show after the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// Whether an orchestration of the feature must exist at all.
    pub has_orchestration: bool,
    /// `planning | executing | reviewing | complete | blocked`.
    pub final_status: String,
    pub phases_completed: u32,
    /// `cargo test` in the worktree passes.
    pub tests_pass: bool,
    #[serde(default)]
    pub min_phases: u32,
    /// Current tasks across all teams.
    #[serde(default)]
    pub min_tasks: u32,
    /// Members across all teams.
    #[serde(default)]
    pub min_team_members: u32,
    /// Files changed against the project's base commit.
    #[serde(default)]
    pub file_changes: Vec<ExpectedFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFile {
    pub path: String,
    /// `added | modified | deleted`.
    pub change: String,
    /// Strings the file must contain afterwards.
    #[serde(default)]
    pub contains: Vec<String>,
}

/// A loaded, validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub dir: PathBuf,
    pub script: ScenarioScript,
    pub expected: Expected,
    pub design_doc: PathBuf,
    pub setup_patch: Option<PathBuf>,
}

/// One line of `list_scenarios`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct ScenarioSummary {
    /// The folder name: the name `run_scenario` takes.
    pub name: String,
    /// Set when the scenario loaded.
    pub feature_name: Option<String>,
    pub description: Option<String>,
    pub total_phases: Option<u32>,
    /// Why the scenario does not load, when it does not.
    pub error: Option<String>,
}

fn read(path: &Path) -> Result<String, ScenarioError> {
    std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        path: path.to_owned(),
        source,
    })
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ScenarioError> {
    let text = read(path)?;
    serde_json::from_str(&text).map_err(|e| ScenarioError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

impl Scenario {
    /// Loads `<scenarios_dir>/<name>/` and validates every file.
    pub fn load(scenarios_dir: &Path, name: &str) -> Result<Self, ScenarioError> {
        validate_scenario_name(name)?;
        let dir = scenarios_dir.join(name);
        if !dir.is_dir() {
            return Err(ScenarioError::Read {
                path: dir,
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such scenario folder; `tina-harness list` shows the scenarios",
                ),
            });
        }
        let script_path = dir.join("scenario.json");
        let script: ScenarioScript = parse(&script_path)?;
        validate_script(&script_path, &script)?;
        let expected_path = dir.join("expected.json");
        let expected: Expected = parse(&expected_path)?;
        validate_expected(&expected_path, &expected, &script)?;
        let design_doc = dir.join("design.md");
        if read(&design_doc)?.trim().is_empty() {
            return Err(invalid(&design_doc, "(content)", "the design doc is empty"));
        }
        let patch = dir.join("setup.patch");
        let setup_patch = patch.is_file().then_some(patch);
        Ok(Self {
            name: name.to_owned(),
            dir,
            script,
            expected,
            design_doc,
            setup_patch,
        })
    }
}

fn invalid(path: &Path, field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid {
        path: path.to_owned(),
        field: field.into(),
        message: message.into(),
    }
}

/// A worktree-relative path that cannot escape the worktree.
pub fn valid_relative_path(path: &str) -> bool {
    let p = Path::new(path);
    !path.is_empty()
        && p.is_relative()
        && p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
        && p.components()
            .next()
            .is_none_or(|c| c.as_os_str() != ".git")
}

fn validate_script(path: &Path, s: &ScenarioScript) -> Result<(), ScenarioError> {
    // The rule `tina-session init` applies, checked early so the error names the file.
    if let Err(e) = tina_session::lifecycle::validate_feature(&s.feature_name) {
        return Err(invalid(path, "feature_name", e.to_string()));
    }
    if s.description.trim().is_empty() {
        return Err(invalid(path, "description", "must not be empty"));
    }
    if s.total_phases == 0 {
        return Err(invalid(path, "total_phases", "must be at least 1"));
    }
    if s.step_delay_ms > 5_000 {
        return Err(invalid(
            path,
            "step_delay_ms",
            "at most 5000 (scenarios take seconds)",
        ));
    }
    check_members(path, "orchestrator.members", &s.orchestrator.members)?;
    if s.phases.len() != s.total_phases as usize {
        return Err(invalid(
            path,
            "phases",
            format!(
                "has {} entries but total_phases is {}",
                s.phases.len(),
                s.total_phases
            ),
        ));
    }
    let mut crashes = 0;
    for (i, phase) in s.phases.iter().enumerate() {
        let at = format!("phases[{i}]");
        if phase.number != i as u32 + 1 {
            return Err(invalid(
                path,
                format!("{at}.number"),
                format!(
                    "is {} but phases must be numbered 1, 2, ... in order",
                    phase.number
                ),
            ));
        }
        if phase.plan.trim().is_empty() {
            return Err(invalid(path, format!("{at}.plan"), "must not be empty"));
        }
        check_members(path, &format!("{at}.members"), &phase.members)?;
        let owners: BTreeSet<&str> = phase.members.iter().map(|m| m.name.as_str()).collect();
        let mut ids = BTreeSet::new();
        if phase.tasks.is_empty() {
            return Err(invalid(
                path,
                format!("{at}.tasks"),
                "a phase needs at least one task",
            ));
        }
        check_tasks(
            path,
            &format!("{at}.tasks"),
            &phase.tasks,
            &owners,
            &mut ids,
        )?;
        let plays_tests = phase.tasks.iter().any(|t| t.run_tests);
        if let Some(failure) = &phase.failure {
            if failure.reason.trim().is_empty() {
                return Err(invalid(
                    path,
                    format!("{at}.failure.reason"),
                    "must not be empty",
                ));
            }
            if !plays_tests {
                return Err(invalid(
                    path,
                    format!("{at}.failure"),
                    "a staged failure needs a task with run_tests in the phase's tasks",
                ));
            }
            if failure.fix_tasks.is_empty() {
                return Err(invalid(
                    path,
                    format!("{at}.failure.fix_tasks"),
                    "must not be empty",
                ));
            }
            check_tasks(
                path,
                &format!("{at}.failure.fix_tasks"),
                &failure.fix_tasks,
                &owners,
                &mut ids,
            )?;
            if !failure.fix_tasks.iter().any(|t| t.run_tests) {
                return Err(invalid(
                    path,
                    format!("{at}.failure.fix_tasks"),
                    "one fix task must run the tests again (run_tests: true)",
                ));
            }
        }
        if let Some(crash) = &phase.crash {
            crashes += 1;
            let Some(task) = phase.tasks.iter().find(|t| t.id == crash.task) else {
                return Err(invalid(
                    path,
                    format!("{at}.crash.task"),
                    format!("no task '{}' in {at}.tasks", crash.task),
                ));
            };
            let last = task.progression.len().saturating_sub(1);
            if !task.progression[..last].contains(&crash.status) {
                return Err(invalid(
                    path,
                    format!("{at}.crash.status"),
                    format!(
                        "task '{}' never reaches '{}' before its final status",
                        crash.task, crash.status
                    ),
                ));
            }
        }
    }
    if crashes > 1 {
        return Err(invalid(
            path,
            "phases[].crash",
            "at most one crash per scenario",
        ));
    }
    Ok(())
}

fn check_members(path: &Path, at: &str, members: &[MemberScript]) -> Result<(), ScenarioError> {
    if members.is_empty() {
        return Err(invalid(
            path,
            at,
            "a team needs at least one member (its lead)",
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, m) in members.iter().enumerate() {
        for (field, value) in [
            ("name", &m.name),
            ("agent_type", &m.agent_type),
            ("model", &m.model),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(
                    path,
                    format!("{at}[{i}].{field}"),
                    "must not be empty",
                ));
            }
        }
        if !seen.insert(m.name.as_str()) {
            return Err(invalid(
                path,
                format!("{at}[{i}].name"),
                format!("'{}' appears twice", m.name),
            ));
        }
    }
    Ok(())
}

fn check_tasks(
    path: &Path,
    at: &str,
    tasks: &[TaskScript],
    owners: &BTreeSet<&str>,
    ids: &mut BTreeSet<String>,
) -> Result<(), ScenarioError> {
    for (i, t) in tasks.iter().enumerate() {
        let at = format!("{at}[{i}]");
        if t.id.is_empty() || !t.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(invalid(
                path,
                format!("{at}.id"),
                format!("'{}' is not a task id (letters, digits, '-')", t.id),
            ));
        }
        if !ids.insert(t.id.clone()) {
            return Err(invalid(
                path,
                format!("{at}.id"),
                format!("task id '{}' is used twice in the team", t.id),
            ));
        }
        if t.subject.trim().is_empty() {
            return Err(invalid(path, format!("{at}.subject"), "must not be empty"));
        }
        if !owners.contains(t.owner.as_str()) {
            return Err(invalid(
                path,
                format!("{at}.owner"),
                format!("'{}' is not a member of the phase team", t.owner),
            ));
        }
        for (j, dep) in t.blocked_by.iter().enumerate() {
            if !ids.contains(dep) || dep == &t.id {
                return Err(invalid(
                    path,
                    format!("{at}.blocked_by[{j}]"),
                    format!("'{dep}' is not an earlier task of the team"),
                ));
            }
        }
        match t.progression.last() {
            None => {
                return Err(invalid(
                    path,
                    format!("{at}.progression"),
                    "must list the statuses after 'pending', ending with 'completed'",
                ));
            }
            Some(last) if last != "completed" => {
                return Err(invalid(
                    path,
                    format!("{at}.progression"),
                    format!("ends with '{last}'; the last status must be 'completed'"),
                ));
            }
            Some(_) => {}
        }
        if let Some(j) = t.progression.iter().position(|s| s.trim().is_empty()) {
            return Err(invalid(
                path,
                format!("{at}.progression[{j}]"),
                "must not be empty",
            ));
        }
        if (!t.changes.is_empty() || t.run_tests) && t.progression.len() < 2 {
            return Err(invalid(
                path,
                format!("{at}.progression"),
                "a task that changes code or runs tests needs a status before 'completed' (e.g. in_progress)",
            ));
        }
        for (j, c) in t.changes.iter().enumerate() {
            if !valid_relative_path(c.path()) {
                return Err(invalid(
                    path,
                    format!("{at}.changes[{j}].path"),
                    format!("'{}' must be a relative path inside the worktree", c.path()),
                ));
            }
            if let FileChange::Replace { find, .. } = c
                && find.is_empty()
            {
                return Err(invalid(
                    path,
                    format!("{at}.changes[{j}].find"),
                    "must not be empty",
                ));
            }
        }
    }
    Ok(())
}

fn validate_expected(path: &Path, e: &Expected, s: &ScenarioScript) -> Result<(), ScenarioError> {
    if e.final_status
        .parse::<tina_session::OrchestrationStatus>()
        .is_err()
    {
        return Err(invalid(
            path,
            "final_status",
            format!(
                "'{}' is not one of planning, executing, reviewing, complete, blocked",
                e.final_status
            ),
        ));
    }
    if e.phases_completed > s.total_phases {
        return Err(invalid(
            path,
            "phases_completed",
            format!(
                "{} exceeds the scenario's total_phases {}",
                e.phases_completed, s.total_phases
            ),
        ));
    }
    if e.min_phases > s.total_phases {
        return Err(invalid(
            path,
            "min_phases",
            format!(
                "{} exceeds the scenario's total_phases {}",
                e.min_phases, s.total_phases
            ),
        ));
    }
    if e.final_status == "complete" && e.phases_completed < s.total_phases {
        return Err(invalid(
            path,
            "phases_completed",
            format!(
                "is {} but final_status \"complete\" means all {} phases completed",
                e.phases_completed, s.total_phases
            ),
        ));
    }
    for (i, f) in e.file_changes.iter().enumerate() {
        if !valid_relative_path(&f.path) {
            return Err(invalid(
                path,
                format!("file_changes[{i}].path"),
                format!("'{}' must be a relative path inside the worktree", f.path),
            ));
        }
        if !matches!(f.change.as_str(), "added" | "modified" | "deleted") {
            return Err(invalid(
                path,
                format!("file_changes[{i}].change"),
                format!("'{}' is not one of added, modified, deleted", f.change),
            ));
        }
        if f.change == "deleted" && !f.contains.is_empty() {
            return Err(invalid(
                path,
                format!("file_changes[{i}].contains"),
                "a deleted file cannot contain anything",
            ));
        }
    }
    Ok(())
}

/// Every scenario folder under `dir` (those holding a `scenario.json`), sorted by
/// name, each with its load error if it does not load.
pub fn list_scenarios(dir: &Path) -> Result<Vec<ScenarioSummary>, ScenarioError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ScenarioError::Read {
        path: dir.to_owned(),
        source,
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("scenario.json").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    Ok(names
        .into_iter()
        .map(|name| match Scenario::load(dir, &name) {
            Ok(s) => ScenarioSummary {
                name,
                feature_name: Some(s.script.feature_name),
                description: Some(s.script.description),
                total_phases: Some(s.script.total_phases),
                error: None,
            },
            Err(e) => ScenarioSummary {
                name,
                feature_name: None,
                description: None,
                total_phases: None,
                error: Some(e.to_string()),
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_names_are_plain_folder_names() {
        assert!(validate_scenario_name("01-single-phase").is_ok());
        for bad in ["", "..", "../etc", "a/b", "a\\b", ".hidden", "a b", "x..y"] {
            assert!(validate_scenario_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn relative_paths_cannot_escape() {
        assert!(valid_relative_path("src/lib.rs"));
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "src/../../x",
            ".git/config",
            "./a",
        ] {
            assert!(!valid_relative_path(bad), "{bad:?} accepted");
        }
    }
}
