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

mod validate;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tina_session::OrchestrationStatus;

pub use validate::valid_relative_path;
use validate::{invalid, validate_expected, validate_script};

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
    pub final_status: OrchestrationStatus,
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
    pub change: ChangeKind,
    /// Strings the file must contain afterwards.
    #[serde(default)]
    pub contains: Vec<String>,
}

/// How a file differs from the project's base commit after the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Modified => "modified",
            Self::Deleted => "deleted",
        }
    }
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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

/// Parses a scenario file; an error names the field it is about (the path serde
/// reached), like the semantic checks do.
fn parse<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ScenarioError> {
    let text = read(path)?;
    let mut de = serde_json::Deserializer::from_str(&text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = e.path().to_string();
        let message = e.into_inner().to_string();
        if field == "." {
            ScenarioError::Parse {
                path: path.to_owned(),
                message,
            }
        } else {
            invalid(path, field, message)
        }
    })?;
    de.end().map_err(|e| ScenarioError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    Ok(value)
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
}
