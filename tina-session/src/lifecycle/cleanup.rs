//! `cleanup`: removes every record of a feature and, as asked, its worktree, branch and
//! the Claude Code folders linked to its teams — only folders TINA derived itself, each
//! confirmed inside its root first.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Result, validate_feature, worktree};
use crate::model::input;
use crate::model::*;
use crate::paths;
use crate::store::Store;

/// Input of [`cleanup`].
#[derive(Debug, Clone, Default)]
pub struct CleanupRequest {
    /// Exact feature name.
    pub feature: String,
    /// Also remove the feature's git worktree.
    pub remove_worktree: bool,
    /// Also delete the feature's branch (implies removing the worktree, which uses it).
    pub remove_branch: bool,
    /// `$CLAUDE_HOME`: when set, the Claude Code team and task folders linked to the
    /// orchestration's teams are removed from under it.
    pub claude_home: Option<PathBuf>,
    /// Where TINA puts worktrees: only `<worktrees_dir>/<feature>` is ever removed.
    pub worktrees_dir: PathBuf,
}

/// Output of [`cleanup`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct CleanupOutcome {
    pub feature_name: String,
    pub removed: bool,
    pub worktree_removed: Option<String>,
    /// A recorded worktree that was left in place because it is not
    /// `<worktrees_dir>/<feature>` (a record from elsewhere or edited by hand): TINA only
    /// removes folders it derived itself.
    pub worktree_kept: Option<String>,
    /// The branch deleted (`--branch`).
    #[serde(default)]
    pub branch_removed: Option<String>,
    /// Claude Code folders removed, as `teams/<folder>` / `tasks/<folder>`.
    #[serde(default)]
    pub claude_dirs_removed: Vec<String>,
    /// What could not be removed and why (the records are gone either way).
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// Removes every record of the feature (exact name), and as asked its worktree (only
/// when the recorded worktree is `<worktrees_dir>/<feature>`, [`paths::confined`]; any
/// other recorded path is kept and reported in `worktree_kept`), its branch, and the
/// Claude Code folders linked to its teams (each confirmed to be a real folder inside
/// `$CLAUDE_HOME/teams` or `tasks` before removal). A feature with no records is not an
/// error: re-runs call this unconditionally.
pub fn cleanup(store: &dyn Store, req: &CleanupRequest) -> Result<CleanupOutcome> {
    let feature = req.feature.as_str();
    if feature.len() > input::FEATURE_NAME_MAX {
        // No stored feature can have this name; do not echo it back whole.
        validate_feature(feature)?;
    }
    let orch = match store.get_orchestration_by_feature(feature) {
        Ok(o) => o,
        Err(e) if e.is_not_found() => {
            return Ok(CleanupOutcome {
                feature_name: feature.to_owned(),
                removed: false,
                worktree_removed: None,
                worktree_kept: None,
                branch_removed: None,
                claude_dirs_removed: Vec::new(),
                warnings: Vec::new(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    // Decide before deleting the records, so a refusal leaves nothing half-done; read
    // the folder links before the records that hold them are deleted.
    let remove_worktree = req.remove_worktree || req.remove_branch;
    let worktree = match (remove_worktree, &orch.worktree_path) {
        (true, Some(recorded)) => Some((
            recorded.clone(),
            derived_worktree(&req.worktrees_dir, &orch, recorded),
        )),
        _ => None,
    };
    let repo = orch
        .worktree_path
        .as_deref()
        .and_then(|p| worktree::repo_of(Path::new(p)));
    let folders: Vec<String> = store
        .list_teams(&orch.id)?
        .into_iter()
        .filter_map(|t| t.claude_team_dir)
        .collect();
    store.delete_orchestration(&orch.id)?;
    let (mut worktree_removed, mut worktree_kept) = (None, None);
    match worktree {
        Some((recorded, Some(path))) => {
            worktree::remove_standalone(&path);
            worktree_removed = Some(recorded);
        }
        Some((recorded, None)) => {
            tracing::warn!(worktree = %recorded, "recorded worktree is not TINA's own folder; kept");
            worktree_kept = Some(recorded);
        }
        None => {}
    }
    let mut warnings = Vec::new();
    let mut claude_dirs_removed = Vec::new();
    if let Some(home) = &req.claude_home {
        let home = crate::claude_code::ClaudeHome::new(home);
        for folder in &folders {
            for (kind, root) in [("teams", home.teams_dir()), ("tasks", home.tasks_dir())] {
                match paths::remove_confined_dir(&root, folder) {
                    Ok(true) => claude_dirs_removed.push(format!("{kind}/{folder}")),
                    Ok(false) => {}
                    Err(e) => warnings.push(format!("kept {kind}/{}: {e}", input::quote(folder))),
                }
            }
        }
    }
    let mut branch_removed = None;
    if req.remove_branch {
        match (&orch.branch, &repo) {
            (Some(branch), _) if worktree_kept.is_some() => warnings.push(format!(
                "kept branch '{branch}': its worktree is not TINA's own folder and was kept"
            )),
            (Some(branch), Some(repo)) => match worktree::delete_branch(repo, branch) {
                Ok(()) => branch_removed = Some(branch.clone()),
                Err(e) => warnings.push(format!("kept branch '{branch}': {e}")),
            },
            (Some(branch), None) => warnings.push(format!(
                "kept branch '{branch}': its worktree is gone, so its repository is unknown; \
                 delete it with `git branch -D {branch}` in the repository"
            )),
            (None, _) => {}
        }
    }
    Ok(CleanupOutcome {
        feature_name: orch.feature_name,
        removed: true,
        worktree_removed,
        worktree_kept,
        branch_removed,
        claude_dirs_removed,
        warnings,
    })
}

/// The recorded worktree as a path TINA may remove: exactly `<worktrees_dir>/<feature>`
/// (confined, not a symlink), else `None`.
fn derived_worktree(worktrees_dir: &Path, orch: &Orchestration, recorded: &str) -> Option<PathBuf> {
    let expected = paths::confined(worktrees_dir, &orch.feature_name).ok()?;
    // The same folder, written differently (a relative TINA_HOME, a symlinked /tmp).
    let same = Path::new(recorded) == expected
        || std::fs::canonicalize(&expected)
            .is_ok_and(|real| std::fs::canonicalize(recorded).is_ok_and(|r| r == real));
    let is_link = std::fs::symlink_metadata(&expected).is_ok_and(|m| m.file_type().is_symlink());
    (same && !is_link).then_some(expected)
}
