//! The `claude` runtime (`--full`): the real Claude Code CLI, in tmux, driven by the
//! orchestrate skill. The harness only launches it and watches the store until the
//! orchestration (found by exact feature name) is complete, stays blocked without any
//! change for [`blocked_timeout`], or the tmux session ends.
//!
//! Every tmux call runs with stdout discarded: the MCP server calls this code, and its
//! stdout is the protocol stream. tmux's stderr is captured for the error message.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tina_session::lifecycle::on_path;
use tina_session::{Config, OrchestrationDetail, OrchestrationStatus};

use crate::binaries::workspace_dir;
use crate::scenario::Scenario;

/// How long a real orchestration may take before the harness gives up.
pub const DEADLINE: Duration = Duration::from_secs(60 * 60);
/// Overrides [`DEFAULT_BLOCKED_TIMEOUT`], in seconds.
pub const BLOCKED_TIMEOUT_ENV: &str = "TINA_HARNESS_BLOCKED_TIMEOUT_SECS";
/// How long an orchestration may stay blocked with nothing in the store changing before
/// the harness stops waiting. Blocked is normally a passing state: the agents fix the
/// failure and resume the phase.
pub const DEFAULT_BLOCKED_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const POLL: Duration = Duration::from_secs(2);

/// The orchestrate skill the agents follow.
pub fn skill_path() -> PathBuf {
    workspace_dir()
        .join("skills")
        .join("orchestrate")
        .join("SKILL.md")
}

/// The blocked timeout from `$TINA_HARNESS_BLOCKED_TIMEOUT_SECS`, else the default.
pub fn blocked_timeout() -> anyhow::Result<Duration> {
    parse_blocked_timeout(std::env::var_os(BLOCKED_TIMEOUT_ENV).as_deref())
}

fn parse_blocked_timeout(value: Option<&OsStr>) -> anyhow::Result<Duration> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(DEFAULT_BLOCKED_TIMEOUT);
    };
    match value.to_str().and_then(|v| v.trim().parse::<u64>().ok()) {
        Some(secs) if secs > 0 => Ok(Duration::from_secs(secs)),
        _ => bail!(
            "{BLOCKED_TIMEOUT_ENV}={} is not a positive number of seconds",
            value.to_string_lossy()
        ),
    }
}

/// Fails at once, with what to do, when the runtime cannot work here.
pub fn preflight() -> anyhow::Result<()> {
    preflight_with(on_path, &skill_path())?;
    blocked_timeout().map(drop)
}

/// [`preflight`] with a given PATH lookup and skill file.
pub fn preflight_with(on_path: impl Fn(&str) -> bool, skill: &Path) -> anyhow::Result<()> {
    if !on_path("claude") {
        bail!(
            "--full runs the real Claude Code CLI, but `claude` is not on PATH; install Claude Code \
             (https://docs.anthropic.com/claude-code) or drop --full to use the sim runtime"
        );
    }
    if !on_path("tmux") {
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
    let blocked_timeout = blocked_timeout()?;
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
    tmux(&new_session_args(config, session, repo, &prompt))
        .with_context(|| format!("cannot start the Claude Code session {session}"))?;
    let result = wait_finished(config, &s.feature_name, session, blocked_timeout);
    if let Err(e) = tmux(&["kill-session".into(), "-t".into(), session.into()]) {
        tracing::debug!("tmux kill-session {session}: {e:#}");
    }
    result
}

/// The `tmux new-session` arguments. The agents get the harness's store: the same
/// `TINA_HOME` and `CLAUDE_HOME`, and `TINA_CONVEX_URL` with `TINA_CONVEX_KEY` when it uses
/// Convex — set empty otherwise, so a URL in the tmux server's environment cannot send
/// them elsewhere.
fn new_session_args(config: &Config, session: &str, repo: &Path, prompt: &str) -> Vec<OsString> {
    let env = |k: &str, v: &OsStr| {
        let mut s = OsString::from(format!("{k}="));
        s.push(v);
        s
    };
    let mut args: Vec<OsString> = vec![
        "new-session".into(),
        "-d".into(),
        "-s".into(),
        session.into(),
        "-c".into(),
        repo.into(),
    ];
    let [url, key] = config.store_env();
    for value in [
        env("TINA_HOME", config.tina_home.as_os_str()),
        env("CLAUDE_HOME", config.claude_home.as_os_str()),
        env("CLAUDE_CONFIG_DIR", config.claude_home.as_os_str()),
        env(url.0, OsStr::new(url.1.unwrap_or_default())),
        env(key.0, OsStr::new(key.1.unwrap_or_default())),
    ] {
        args.push("-e".into());
        args.push(value);
    }
    args.push("claude".into());
    args.push(prompt.into());
    args
}

/// Runs tmux with stdout discarded; fails with tmux's stderr when it exits non-zero.
fn tmux(args: &[OsString]) -> anyhow::Result<()> {
    let out = Command::new("tmux")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .context("cannot run tmux")?;
    if !out.status.success() {
        bail!(
            "tmux {} failed ({}): {}",
            args.first()
                .map(|a| a.to_string_lossy())
                .unwrap_or_default(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// What one look at the store and tmux decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Keep waiting.
    Wait,
    /// The orchestration is complete.
    Complete,
    /// Blocked with nothing changing in the store for this long.
    StuckBlocked(Duration),
    /// The tmux session is gone before the orchestration completed.
    SessionEnded(Option<OrchestrationStatus>),
}

/// Decides, poll by poll, when to stop waiting for real agents. Pure: the caller
/// passes the time and what it observed.
#[derive(Debug)]
pub struct Watch {
    blocked_timeout: Duration,
    /// The last observation and when it first looked like that.
    last: Option<(Option<OrchestrationDetail>, Instant)>,
}

impl Watch {
    pub fn new(blocked_timeout: Duration) -> Self {
        Self {
            blocked_timeout,
            last: None,
        }
    }

    /// `detail`: the orchestration as the store shows it now (None before `init`).
    pub fn observe(
        &mut self,
        now: Instant,
        detail: Option<OrchestrationDetail>,
        session_alive: bool,
    ) -> Decision {
        let status = detail.as_ref().map(|d| d.orchestration.status);
        if status == Some(OrchestrationStatus::Complete) {
            return Decision::Complete;
        }
        if !session_alive {
            return Decision::SessionEnded(status);
        }
        let since = match &self.last {
            Some((seen, since)) if *seen == detail => *since,
            _ => now,
        };
        self.last = Some((detail, since));
        let unchanged = now.saturating_duration_since(since);
        if status == Some(OrchestrationStatus::Blocked) && unchanged >= self.blocked_timeout {
            Decision::StuckBlocked(unchanged)
        } else {
            Decision::Wait
        }
    }
}

fn wait_finished(
    config: &Config,
    feature: &str,
    session: &str,
    blocked_timeout: Duration,
) -> anyhow::Result<()> {
    let store = config.open_store()?;
    let deadline = Instant::now() + DEADLINE;
    let mut watch = Watch::new(blocked_timeout);
    while Instant::now() < deadline {
        // A store error is a missed look, not the end of the run.
        let detail = store
            .get_orchestration_by_feature(feature)
            .and_then(|o| store.get_orchestration_detail(&o.id))
            .ok();
        let alive = tmux(&["has-session".into(), "-t".into(), session.into()]).is_ok();
        match watch.observe(Instant::now(), detail, alive) {
            Decision::Wait => std::thread::sleep(POLL),
            Decision::Complete => return Ok(()),
            Decision::StuckBlocked(for_) => {
                tracing::warn!(
                    "feature '{feature}' blocked without change for {} s; judging it as is",
                    for_.as_secs()
                );
                return Ok(());
            }
            Decision::SessionEnded(status) => bail!(
                "the Claude Code session {session} ended before feature '{feature}' completed \
                 (status: {})",
                status.map_or_else(|| "no orchestration".to_owned(), |s| s.to_string())
            ),
        }
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
        let err = preflight_with(|_| false, &skill_path())
            .expect_err("no claude there")
            .to_string();
        assert!(err.contains("`claude` is not on PATH"), "{err}");
        assert!(err.contains("drop --full"), "{err}");
        let err = preflight_with(|p| p == "claude", &skill_path()).expect_err("no tmux");
        assert!(err.to_string().contains("`tmux` is not on PATH"), "{err}");
    }

    #[test]
    fn blocked_timeout_defaults_and_refuses_nonsense() {
        assert_eq!(
            parse_blocked_timeout(None).unwrap(),
            DEFAULT_BLOCKED_TIMEOUT
        );
        assert_eq!(
            parse_blocked_timeout(Some(OsStr::new("90"))).unwrap(),
            Duration::from_secs(90)
        );
        for bad in ["0", "ten", "-5"] {
            let err = parse_blocked_timeout(Some(OsStr::new(bad))).expect_err(bad);
            assert!(err.to_string().contains(BLOCKED_TIMEOUT_ENV), "{err}");
        }
    }

    fn config(convex: Option<&str>) -> Config {
        Config {
            tina_home: "/t/tina".into(),
            claude_home: "/t/claude".into(),
            convex_url: convex.map(str::to_owned),
            convex_key: convex.map(|_| tina_session::config::DeploymentKey::new("k".repeat(40))),
        }
    }

    /// The `-e` values of a `new-session` argument list.
    fn env_of(args: &[OsString]) -> Vec<String> {
        args.windows(2)
            .filter(|w| w[0] == "-e")
            .map(|w| w[1].to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn agents_get_the_harness_store() {
        let args = new_session_args(
            &config(Some("https://x.convex.cloud")),
            "s",
            Path::new("/r"),
            "go",
        );
        assert_eq!(
            env_of(&args),
            [
                "TINA_HOME=/t/tina",
                "CLAUDE_HOME=/t/claude",
                "CLAUDE_CONFIG_DIR=/t/claude",
                "TINA_CONVEX_URL=https://x.convex.cloud",
                &format!("TINA_CONVEX_KEY={}", "k".repeat(40)),
            ]
        );
        assert_eq!(args.last().map(|a| a.as_os_str()), Some(OsStr::new("go")));
        // SQLite: an empty URL, which tina-session reads as unset.
        let args = new_session_args(&config(None), "s", Path::new("/r"), "go");
        assert!(env_of(&args).contains(&"TINA_CONVEX_URL=".to_owned()));
        assert!(env_of(&args).contains(&"TINA_CONVEX_KEY=".to_owned()));
    }

    fn detail(status: OrchestrationStatus, tasks_done: u32) -> Option<OrchestrationDetail> {
        let text = serde_json::json!({
            "orchestration": {
                "id": "00000000-0000-0000-0000-000000000001",
                "feature_name": "f", "design_doc": "d", "branch": null, "worktree_path": null,
                "total_phases": 1, "current_phase": 1, "status": status,
                "started_at": 1, "completed_at": null, "updated_at": tasks_done
            },
            "phases": [], "orchestrator_tasks": [], "phase_tasks": {}, "teams": [],
            "team_members": []
        });
        Some(serde_json::from_value(text).expect("detail"))
    }

    #[test]
    fn blocked_is_waited_on_until_it_lasts_unchanged() {
        use OrchestrationStatus::*;
        let timeout = Duration::from_secs(600);
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let mut w = Watch::new(timeout);
        assert_eq!(w.observe(at(0), None, true), Decision::Wait);
        assert_eq!(
            w.observe(at(10), detail(Executing, 1), true),
            Decision::Wait
        );
        // Blocked, then the agents fix things (the store changes): still waiting.
        assert_eq!(w.observe(at(20), detail(Blocked, 2), true), Decision::Wait);
        assert_eq!(w.observe(at(500), detail(Blocked, 2), true), Decision::Wait);
        assert_eq!(w.observe(at(610), detail(Blocked, 3), true), Decision::Wait);
        assert_eq!(
            w.observe(at(1000), detail(Blocked, 3), true),
            Decision::Wait
        );
        // Resumed and completed.
        assert_eq!(
            w.observe(at(1100), detail(Executing, 4), true),
            Decision::Wait
        );
        assert_eq!(
            w.observe(at(1200), detail(Complete, 5), true),
            Decision::Complete
        );

        // Blocked with nothing changing for the whole timeout: stop.
        let mut w = Watch::new(timeout);
        assert_eq!(w.observe(at(0), detail(Blocked, 1), true), Decision::Wait);
        assert_eq!(w.observe(at(599), detail(Blocked, 1), true), Decision::Wait);
        assert_eq!(
            w.observe(at(600), detail(Blocked, 1), true),
            Decision::StuckBlocked(timeout)
        );

        // An executing orchestration that does not change is not stuck-blocked.
        let mut w = Watch::new(timeout);
        assert_eq!(w.observe(at(0), detail(Executing, 1), true), Decision::Wait);
        assert_eq!(
            w.observe(at(5000), detail(Executing, 1), true),
            Decision::Wait
        );
    }

    #[test]
    fn a_session_that_ends_stops_the_wait_unless_complete() {
        use OrchestrationStatus::*;
        let t0 = Instant::now();
        let mut w = Watch::new(DEFAULT_BLOCKED_TIMEOUT);
        assert_eq!(
            w.observe(t0, detail(Blocked, 1), false),
            Decision::SessionEnded(Some(Blocked))
        );
        assert_eq!(w.observe(t0, None, false), Decision::SessionEnded(None));
        assert_eq!(
            w.observe(t0, detail(Complete, 1), false),
            Decision::Complete
        );
    }
}
