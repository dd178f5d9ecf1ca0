//! The test project: copying it into a run, applying code changes, git, `cargo test`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::scenario::{FileChange, valid_relative_path};

/// The test project a run copies: `test-project/` of the scenarios folder, else the
/// workspace's (a folder of new or copied scenarios need not carry its own).
pub fn test_project(scenarios_dir: &Path) -> PathBuf {
    let own = scenarios_dir.join("test-project");
    if own.is_dir() {
        own
    } else {
        crate::run::default_scenarios_dir().join("test-project")
    }
}

/// Copies `src` to `dst` (which must not exist), skipping `target/` and `.git/`.
pub fn copy_tree(src: &Path, dst: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dst).with_context(|| format!("cannot create {}", dst.display()))?;
    for entry in std::fs::read_dir(src).with_context(|| format!("cannot read {}", src.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let from = entry.path();
        let to = dst.join(&name);
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&from, &to)?;
        } else if kind.is_file() {
            std::fs::copy(&from, &to)
                .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
        }
    }
    Ok(())
}

/// Runs git in `dir` with a fixed identity; the error carries git's stderr.
pub fn git(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=TINA harness",
            "-c",
            "user.email=harness@tina.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .context("cannot run git; is it installed?")?;
    if !out.status.success() {
        bail!(
            "git {} failed in {}: {}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Makes `dir` a git repository with one commit of its content; returns the commit.
pub fn init_repo(dir: &Path, patch: Option<&Path>) -> anyhow::Result<String> {
    git(dir, &["init", "-q", "-b", "main"])?;
    if let Some(patch) = patch {
        let patch = patch.display().to_string();
        git(dir, &["apply", "--whitespace=nowarn", &patch])
            .with_context(|| format!("setup.patch {patch} does not apply to the test project"))?;
    }
    git(dir, &["add", "-A"])?;
    git(dir, &["commit", "-q", "-m", "test project (scenario base)"])?;
    git(dir, &["rev-parse", "HEAD"])
}

/// Applies code changes to a worktree. Paths were validated at load; checked again.
pub fn apply_changes(worktree: &Path, changes: &[FileChange]) -> anyhow::Result<()> {
    for change in changes {
        if !valid_relative_path(change.path()) {
            bail!("refusing change outside the worktree: {}", change.path());
        }
        let path = worktree.join(change.path());
        match change {
            FileChange::Write { content, .. } => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&path, content)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            FileChange::Replace { find, with, .. } => {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {} to replace in it", path.display()))?;
                let found = text.matches(find.as_str()).count();
                if found != 1 {
                    bail!(
                        "replace in {}: expected exactly one occurrence of {find:?}, found {found}",
                        change.path()
                    );
                }
                std::fs::write(&path, text.replacen(find.as_str(), with, 1))
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            FileChange::Delete { .. } => {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot delete {}", path.display()))?;
            }
        }
    }
    Ok(())
}

/// The outcome of `cargo test` in a worktree.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestRun {
    pub passed: bool,
    /// The last lines of cargo's output (the failures, the summary).
    pub output_tail: String,
    pub duration_ms: u64,
}

/// Runs `cargo test` (offline, quiet) in `dir` with the given target directory.
pub fn run_tests(dir: &Path, target_dir: &Path) -> anyhow::Result<TestRun> {
    let started = std::time::Instant::now();
    let out = Command::new(cargo())
        .args(["test", "--offline", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .context("cannot run cargo test")?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Ok(TestRun {
        passed: out.status.success(),
        output_tail: tail(&text, 15),
        duration_ms: started.elapsed().as_millis() as u64,
    })
}

/// The cargo that built us when run under cargo, else `cargo` from PATH.
pub fn cargo() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cargo"))
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The change of each path between `base` and the working tree: added, modified, deleted.
pub fn changed_files(worktree: &Path, base: &str) -> anyhow::Result<Vec<(String, String)>> {
    // Untracked files count as added: include them by diffing with intent-to-add off.
    let diff = git(worktree, &["diff", "--name-status", "--no-renames", base])?;
    let mut out: Vec<(String, String)> = diff
        .lines()
        .filter_map(|line| {
            let (status, path) = line.split_once('\t')?;
            let change = match status {
                "A" => "added",
                "D" => "deleted",
                _ => "modified",
            };
            Some((path.to_owned(), change.to_owned()))
        })
        .collect();
    let untracked = git(worktree, &["ls-files", "--others", "--exclude-standard"])?;
    out.extend(
        untracked
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| (l.to_owned(), "added".to_owned())),
    );
    Ok(out)
}
