//! The `claude` runtime (`--runtime claude`): the real Claude Code binary, the real
//! plugin (skills, hooks, MCP server via `--plugin-dir`) and the real files, with the
//! model played by the [`crate::model_double`] from the scenario's `claude/` scripts.
//!
//! The harness starts the double, points Claude Code at it, and runs `tina-session init
//! --runtime claude` — the same launcher a user runs — which launches the orchestrator
//! lead in tmux. From there the agents drive everything through TINA's MCP tools (the
//! orchestrator's `start_phase` launches each phase lead with the same launcher). The
//! harness waits for the lead's team folder (by its session id), then watches the store
//! until the orchestration is complete, stays blocked without change for
//! [`blocked_timeout`], or the lead's tmux session ends.
//!
//! Claude Code's config dir is the run's `CLAUDE_HOME`, which must not be `~/.claude`:
//! the harness seeds it (onboarding done, the test key approved, tool permissions) and
//! would otherwise change a user's own settings.
//!
//! Every tmux call runs with stdout discarded: the MCP server calls this code, and its
//! stdout is the protocol stream.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tina_session::lifecycle::launch::{self, LaunchSettings};
use tina_session::{Config, OrchestrationDetail, OrchestrationStatus};

use crate::locate::workspace_dir;
use crate::model_double::{ModelDouble, script};
use crate::scenario::Scenario;

/// How long a real orchestration may take before the harness gives up.
pub const DEADLINE: Duration = Duration::from_secs(30 * 60);
/// Overrides [`DEFAULT_BLOCKED_TIMEOUT`], in seconds.
pub const BLOCKED_TIMEOUT_ENV: &str = "TINA_HARNESS_BLOCKED_TIMEOUT_SECS";
/// How long an orchestration may stay blocked with nothing in the store changing before
/// the harness stops waiting. Blocked is normally a passing state: the agents fix the
/// failure and resume the phase.
pub const DEFAULT_BLOCKED_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const POLL: Duration = Duration::from_secs(1);
/// The key Claude Code sends to the model double (any value works; it is approved in
/// the seeded `.claude.json`).
pub const TEST_API_KEY: &str = "sk-ant-tina-model-double-0000000000000000";

/// Where `scripts/test-all.sh` installs the pinned Claude Code.
pub fn installed_claude() -> PathBuf {
    workspace_dir()
        .join("target/claude-code/node_modules/@anthropic-ai/claude-code-linux-x64/claude")
}

/// The Claude Code binary the runtime uses: `$TINA_CLAUDE_BIN`, else the one
/// `scripts/test-all.sh` installs into `target/`, else `claude` on PATH. None: none.
pub fn claude_bin() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os(launch::CLAUDE_BIN_ENV).filter(|b| !b.is_empty()) {
        return Some(PathBuf::from(bin));
    }
    let installed = installed_claude();
    if installed.is_file() {
        return Some(installed);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("claude"))
            .find(|p| p.is_file())
    })
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

/// The scenario's agent scripts folder.
pub fn scripts_dir(scenario: &Scenario) -> PathBuf {
    scenario.dir.join("claude")
}

/// Launcher settings for the run: the binary found by [`claude_bin`], this checkout's
/// plugin, the environment's other settings.
pub fn settings() -> anyhow::Result<LaunchSettings> {
    let mut settings = LaunchSettings::from_env()?;
    settings.claude_bin = claude_bin().ok_or_else(|| {
        anyhow::anyhow!(
            "--runtime claude needs the Claude Code binary: set {} to it, or install the \
             pinned one with scripts/test-all.sh (npm install --prefix target/claude-code \
             @anthropic-ai/claude-code-linux-x64@{}), or use --runtime sim",
            launch::CLAUDE_BIN_ENV,
            launch::TESTED_VERSION
        )
    })?;
    settings.plugin_dir = workspace_dir();
    settings.trust = true;
    Ok(settings)
}

/// Fails at once, with what to do, when the runtime cannot work here.
pub fn preflight(config: &Config, scenario: &Scenario) -> anyhow::Result<()> {
    let settings = settings()?;
    launch::preflight(&settings)?;
    blocked_timeout()?;
    let home_claude = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".claude"));
    if home_claude.as_deref() == Some(config.claude_home.as_path()) {
        bail!(
            "--runtime claude seeds Claude Code's settings in CLAUDE_HOME, which is your own \
             {}; run it with a temporary one (--claude-home $(mktemp -d))",
            config.claude_home.display()
        );
    }
    let mcp = settings.plugin_dir.join("bin").join("tina-mcp");
    let probe = Command::new(&mcp)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run the plugin's MCP launcher {}", mcp.display()))?;
    if !probe.status.success() {
        bail!(
            "the plugin cannot start TINA's MCP server: {}",
            String::from_utf8_lossy(&probe.stderr).trim()
        );
    }
    let dir = scripts_dir(scenario);
    let scripts = script::load_scripts(&dir)
        .with_context(|| format!("scenario '{}' has no model scripts", scenario.name))?;
    if scripts.is_empty() {
        bail!(
            "scenario '{}' has no model scripts in {} (one <agent>.json per agent)",
            scenario.name,
            dir.display()
        );
    }
    Ok(())
}

/// Seeds Claude Code's config dir: onboarding done, the test key approved, and the
/// tools the scripted agents use allowed (acceptEdits would otherwise stop at a
/// permission prompt for Bash and the MCP tools). Other keys are kept.
pub fn seed_config_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(".claude.json");
    let mut doc: serde_json::Value = match std::fs::read_to_string(&path) {
        Ok(t) => {
            serde_json::from_str(&t).with_context(|| format!("{} is not JSON", path.display()))?
        }
        Err(_) => serde_json::json!({}),
    };
    doc["hasCompletedOnboarding"] = true.into();
    let suffix = &TEST_API_KEY[TEST_API_KEY.len() - 20..];
    doc["customApiKeyResponses"] = serde_json::json!({"approved": [suffix], "rejected": []});
    std::fs::write(&path, serde_json::to_string_pretty(&doc)?)?;
    let settings = dir.join("settings.json");
    let mut doc: serde_json::Value = match std::fs::read_to_string(&settings) {
        Ok(t) => serde_json::from_str(&t)
            .with_context(|| format!("{} is not JSON", settings.display()))?,
        Err(_) => serde_json::json!({}),
    };
    doc["permissions"]["allow"] =
        serde_json::json!(["Bash", "Read", "Edit", "Write", "mcp__plugin_tina_tina"]);
    std::fs::write(&settings, serde_json::to_string_pretty(&doc)?)?;
    Ok(())
}

/// The environment a `tina-session init|start --runtime claude` needs to launch real
/// Claude Code against `double`: the run's homes and store, the binary and plugin in
/// `settings`, the double as the provider (any other credentials removed), no traffic
/// to anyone else.
pub fn launch_env(
    cmd: &mut Command,
    config: &Config,
    settings: &LaunchSettings,
    double: &ModelDouble,
) {
    cmd.env("TINA_HOME", &config.tina_home)
        .env("CLAUDE_HOME", &config.claude_home)
        .env(launch::CLAUDE_BIN_ENV, &settings.claude_bin)
        .env(launch::PLUGIN_DIR_ENV, &settings.plugin_dir)
        .env("ANTHROPIC_BASE_URL", double.base_url())
        .env("ANTHROPIC_API_KEY", TEST_API_KEY)
        .env_remove("ANTHROPIC_AUTH_TOKEN")
        .env_remove("CLAUDE_CODE_OAUTH_TOKEN")
        .env("DISABLE_TELEMETRY", "1")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
    match &config.convex_url {
        Some(url) => cmd.env("TINA_CONVEX_URL", url),
        None => cmd.env_remove("TINA_CONVEX_URL"),
    };
}

/// What a finished claude run leaves for the report.
#[derive(Debug, Default)]
pub struct ClaudeRun {
    /// The tmux sessions the run's leads used.
    pub tmux_sessions: Vec<String>,
}

/// Launches the orchestrator lead on the scenario and waits for the orchestration to
/// finish. `log` receives progress lines; the model double logs to `run_dir`.
pub fn run(
    config: &Config,
    scenario: &Scenario,
    repo: &Path,
    run_dir: &Path,
    tina_session_bin: &Path,
    log: &dyn Fn(&str),
) -> anyhow::Result<()> {
    preflight(config, scenario)?;
    let settings = settings()?;
    let blocked_timeout = blocked_timeout()?;
    let scripts = script::load_scripts(&scripts_dir(scenario))?;
    let double_log = run_dir.join("model-double.log");
    let double = ModelDouble::start(scripts, Some(double_log.clone()))
        .context("cannot start the model double")?;
    log(&format!(
        "model double at {} (requests logged to {})",
        double.base_url(),
        double_log.display()
    ));
    seed_config_dir(&config.claude_home)?;
    let s = &scenario.script;
    let mut cmd = Command::new(tina_session_bin);
    cmd.args(["init", "--json", "--runtime", "claude", "--trust"])
        .args(["--feature", &s.feature_name])
        .arg("--design-doc")
        .arg(&scenario.design_doc)
        .arg("--repo")
        .arg(repo)
        .args(["--total-phases", &s.total_phases.to_string()])
        .stdin(Stdio::null());
    launch_env(&mut cmd, config, &settings, &double);
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {}", tina_session_bin.display()))?;
    if !out.status.success() {
        bail!(
            "tina-session init --runtime claude failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let init: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("tina-session init printed no JSON")?;
    let session = init["tmux_session"].as_str().unwrap_or_default().to_owned();
    let lead_session_id = init["lead_session_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    log(&format!(
        "orchestrator lead launched (session id {lead_session_id}); watch it with: {}",
        launch::attach_hint(&session)
    ));
    let result = (|| {
        let alive = || tmux_has_session(&session);
        let folder = launch::wait_for_team_folder(
            &config.claude_home,
            &lead_session_id,
            settings.link_timeout,
            &mut || alive(),
        );
        match folder {
            Some(f) => log(&format!("lead's team folder: {}", f.display())),
            None => bail!(
                "no team folder with the orchestrator lead's session id {lead_session_id} \
                 appeared under {} within {} s (tmux session {session}: {}); see {}",
                config.claude_home.join("teams").display(),
                settings.link_timeout.as_secs(),
                if alive() { "running" } else { "ended" },
                double_log.display()
            ),
        }
        wait_finished(config, &s.feature_name, &session, blocked_timeout)
    })();
    // A session ended right after a reply may not have written it to its transcript
    // yet; let the agents go quiet first (the run is over either way).
    double.wait_quiet(Duration::from_millis(1500), Duration::from_secs(10));
    stop_sessions(config, &s.feature_name, &session);
    drop(double);
    result
}

/// Ends the orchestrator's tmux session and every phase lead's.
fn stop_sessions(config: &Config, feature: &str, orchestrator_session: &str) {
    let mut sessions = vec![orchestrator_session.to_owned()];
    if let Ok(store) = config.open_store()
        && let Ok(o) = store.get_orchestration_by_feature(feature)
        && let Ok(teams) = store.list_teams(&o.id)
    {
        sessions.extend(
            teams
                .iter()
                .map(|t| launch::tmux_session_name(&t.team_name)),
        );
    }
    sessions.sort();
    sessions.dedup();
    for s in sessions {
        if let Err(e) = tmux(&["kill-session", "-t", &s]) {
            tracing::debug!("tmux kill-session {s}: {e:#}");
        }
    }
}

fn tmux_has_session(session: &str) -> bool {
    !session.is_empty() && tmux(&["has-session", "-t", session]).is_ok()
}

/// Runs tmux with stdout discarded; fails with tmux's stderr when it exits non-zero.
pub fn tmux(args: &[&str]) -> anyhow::Result<()> {
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
            args.first().copied().unwrap_or_default(),
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
        let alive = tmux_has_session(session);
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
