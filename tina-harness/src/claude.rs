//! The `claude` runtime (`--full`): the real Claude Code CLI, in tmux, driven by the
//! orchestrate skill. The harness only launches it and watches the store until the
//! orchestration (found by exact feature name) is complete or blocked.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tina_session::{Config, OrchestrationStatus};

use crate::binaries::workspace_dir;
use crate::scenario::Scenario;

/// How long a real orchestration may take before the harness gives up.
pub const DEADLINE: Duration = Duration::from_secs(60 * 60);

fn on_path(path_var: Option<&OsStr>, program: &str) -> bool {
    path_var.is_some_and(|paths| std::env::split_paths(paths).any(|d| d.join(program).is_file()))
}

/// The orchestrate skill the agents follow.
pub fn skill_path() -> PathBuf {
    workspace_dir()
        .join("skills")
        .join("orchestrate")
        .join("SKILL.md")
}

/// Fails at once, with what to do, when the runtime cannot work here.
pub fn preflight() -> anyhow::Result<()> {
    preflight_with(std::env::var_os("PATH").as_deref(), &skill_path())
}

/// [`preflight`] against a given `PATH` value and skill file.
pub fn preflight_with(path_var: Option<&OsStr>, skill: &Path) -> anyhow::Result<()> {
    if !on_path(path_var, "claude") {
        bail!(
            "--full runs the real Claude Code CLI, but `claude` is not on PATH; install Claude Code \
             (https://docs.anthropic.com/claude-code) or drop --full to use the sim runtime"
        );
    }
    if !on_path(path_var, "tmux") {
        bail!("--full runs Claude Code in tmux, but `tmux` is not on PATH; install tmux");
    }
    if !skill.is_file() {
        bail!(
            "--full needs the orchestrate skill at {}, which does not exist",
            skill.display()
        );
    }
    Ok(())
}

/// Launches Claude Code on the scenario and waits for the orchestration to finish.
pub fn run(
    config: &Config,
    scenario: &Scenario,
    repo: &Path,
    session: &str,
    tina_session_bin: &Path,
) -> anyhow::Result<()> {
    preflight()?;
    let s = &scenario.script;
    let prompt = format!(
        "Follow the orchestrate skill at {skill}. Implement the design doc {design} as feature \
         '{feature}' ({phases} phases) in the git repository {repo}: run `{bin} init --feature \
         {feature} --design-doc {design} --repo {repo} --total-phases {phases} --json` and carry \
         the orchestrator team id from its output into every `start --parent-team-id`.",
        skill = skill_path().display(),
        design = scenario.design_doc.display(),
        feature = s.feature_name,
        phases = s.total_phases,
        repo = repo.display(),
        bin = tina_session_bin.display(),
    );
    let env = |k: &str, v: &Path| format!("{k}={}", v.display());
    let status = Command::new("tmux")
        .args(["new-session", "-d", "-s", session, "-c"])
        .arg(repo)
        .args(["-e", &env("TINA_HOME", &config.tina_home)])
        .args(["-e", &env("CLAUDE_HOME", &config.claude_home)])
        .args(["-e", &env("CLAUDE_CONFIG_DIR", &config.claude_home)])
        .args(["claude", &prompt])
        .status()
        .context("cannot run tmux")?;
    if !status.success() {
        bail!("tmux new-session -s {session} failed ({status})");
    }
    let result = wait_finished(config, &s.feature_name, session);
    let _ = Command::new("tmux")
        .args(["kill-session", "-t", session])
        .status();
    result
}

fn wait_finished(config: &Config, feature: &str, session: &str) -> anyhow::Result<()> {
    let store = config.open_store()?;
    let deadline = Instant::now() + DEADLINE;
    while Instant::now() < deadline {
        if let Ok(o) = store.get_orchestration_by_feature(feature)
            && matches!(
                o.status,
                OrchestrationStatus::Complete | OrchestrationStatus::Blocked
            )
        {
            return Ok(());
        }
        let alive = Command::new("tmux")
            .args(["has-session", "-t", session])
            .status()
            .is_ok_and(|s| s.success());
        if !alive {
            bail!("the Claude Code session {session} ended before feature '{feature}' finished");
        }
        std::thread::sleep(Duration::from_secs(2));
    }
    bail!(
        "feature '{feature}' did not finish within {} minutes",
        DEADLINE.as_secs() / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_claude_on_path_it_says_so() {
        let empty = std::env::temp_dir().join("tina-harness-no-such-bin-dir");
        let err = preflight_with(Some(empty.as_os_str()), &skill_path())
            .expect_err("no claude there")
            .to_string();
        assert!(err.contains("`claude` is not on PATH"), "{err}");
        assert!(err.contains("drop --full"), "{err}");
        let err = preflight_with(None, &skill_path()).expect_err("no PATH");
        assert!(err.to_string().contains("`claude`"), "{err}");
    }
}
