//! Git worktree effects of `init` and `cleanup`.

use std::path::Path;
use std::process::Command;

use super::{LifecycleError, Result};

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(LifecycleError::GitMissing)?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(LifecycleError::Git {
            command: args.join(" "),
            dir: dir.to_path_buf(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// Creates `path` as a worktree of `repo` on a new branch `branch` (reset to HEAD when
/// `replace` and the branch exists).
pub fn create(repo: &Path, path: &Path, branch: &str, replace: bool) -> Result<()> {
    if !repo.is_dir() {
        return Err(LifecycleError::NoRepository {
            path: repo.to_path_buf(),
        });
    }
    git(repo, &["rev-parse", "--git-dir"]).map_err(|_| LifecycleError::NotARepository {
        path: repo.to_path_buf(),
    })?;
    git(repo, &["rev-parse", "--verify", "HEAD"]).map_err(|_| LifecycleError::EmptyRepository {
        path: repo.to_path_buf(),
    })?;
    if path.exists() {
        if !replace {
            return Err(LifecycleError::WorktreeExists {
                path: path.to_path_buf(),
            });
        }
        remove(repo, path);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| LifecycleError::CreateDir {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    if !replace
        && git(
            repo,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("refs/heads/{branch}"),
            ],
        )
        .is_ok()
    {
        return Err(LifecycleError::BranchExists {
            branch: branch.to_owned(),
            repo: repo.to_path_buf(),
        });
    }
    let path_str = path.display().to_string();
    let flag = if replace { "-B" } else { "-b" };
    git(repo, &["worktree", "add", flag, branch, &path_str, "HEAD"])?;
    Ok(())
}

/// Undoes [`create`] after a later step failed: removes the worktree, and the branch
/// when `create` made it new (a `--replace` reset an existing branch, which stays).
pub fn undo_create(repo: &Path, path: &Path, branch: &str, replace: bool) {
    remove(repo, path);
    if !replace {
        let _ = git(repo, &["branch", "-D", branch]);
    }
}

/// Best-effort removal of a worktree created by [`create`] (used to undo a failed init).
pub fn remove(repo: &Path, path: &Path) {
    let path_str = path.display().to_string();
    if git(repo, &["worktree", "remove", "--force", &path_str]).is_err() {
        let _ = std::fs::remove_dir_all(path);
        let _ = git(repo, &["worktree", "prune"]);
    }
}

/// The main repository of the worktree at `path`, when `path` is one.
pub fn repo_of(path: &Path) -> Option<std::path::PathBuf> {
    if !path.exists() {
        return None;
    }
    let common_dir = git(
        path,
        &["rev-parse", "--path-format=absolute", "--git-common-dir"],
    )
    .ok()?;
    Path::new(&common_dir).parent().map(Path::to_path_buf)
}

/// Removes a worktree knowing only its path (cleanup): git finds the main repository.
pub fn remove_standalone(path: &Path) {
    if !path.exists() {
        return;
    }
    match repo_of(path) {
        Some(repo) => remove(&repo, path),
        None => {
            let _ = std::fs::remove_dir_all(path);
        }
    }
}

/// Deletes `branch` in `repo` (`git branch -D`): the worktree using it must be gone.
pub fn delete_branch(repo: &Path, branch: &str) -> Result<()> {
    git(
        repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}"),
        ],
    )
    .map_err(|_| LifecycleError::NoBranch {
        branch: branch.to_owned(),
        repo: repo.to_path_buf(),
    })?;
    git(repo, &["branch", "-D", "--", branch]).map(|_| ())
}
