//! Shared test set-up: a temp TINA_HOME/CLAUDE_HOME per test, binaries built once.
#![allow(dead_code)] // each test binary uses a different part of the support module

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use tina_harness::model_double::reply::Usage;
use tina_harness::{Progress, RunOptions, RunReport, new_run_id, rebuild_binaries, run_scenario};
use tina_session::Config;

/// Builds tina-session, tina-daemon and tina-harness once per test binary.
pub fn ensure_built() {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let result = BUILT.get_or_init(|| {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let config = Config::at(dir.path().join("tina"), dir.path().join("claude"));
        let report = rebuild_binaries(&config);
        if report.success {
            assert!(
                !report.daemon_restarted,
                "no daemon runs for a fresh TINA_HOME"
            );
            Ok(())
        } else {
            Err(report.log_tail)
        }
    });
    if let Err(tail) = result {
        panic!("rebuild_binaries failed:\n{tail}");
    }
}

/// An isolated TINA_HOME and CLAUDE_HOME.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub config: Config,
}

impl Env {
    pub fn new() -> Self {
        ensure_built();
        let dir = tempfile::tempdir().expect("temp dir");
        let config = Config::at(dir.path().join("tina"), dir.path().join("claude"));
        Self { dir, config }
    }

    /// Runs one scenario with the sim runtime; returns the report and the progress seen.
    pub fn run(
        &self,
        scenarios_dir: &Path,
        scenario: &str,
        keep: bool,
    ) -> (RunReport, Vec<Progress>) {
        let seen = Mutex::new(Vec::new());
        let opts = RunOptions {
            run_id: new_run_id(),
            scenario: scenario.to_owned(),
            scenarios_dir: scenarios_dir.to_owned(),
            full: false,
            skip_build: true,
            keep,
        };
        let report = run_scenario(&self.config, &opts, &|p: &Progress| {
            seen.lock().expect("progress lock").push(p.clone());
        })
        .expect("run folder");
        eprintln!(
            "scenario {scenario}: {:?} in {} ms (wall)\n{}",
            report.status,
            report.duration_ms,
            report.render()
        );
        (report, seen.into_inner().expect("progress lock"))
    }
}

/// The workspace's scenarios folder.
pub fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

/// Copies the shipped scenarios folder (scenarios + test project) to `dst`.
pub fn copy_scenarios(dst: &Path) {
    tina_harness::project::copy_tree(&scenarios_dir(), dst).expect("copy scenarios");
}

/// Why this machine cannot run real Claude Code, if it cannot: no binary (set
/// TINA_CLAUDE_BIN or install the pinned one) or no tmux.
pub fn claude_missing() -> Option<String> {
    let Some(bin) = tina_harness::claude::claude_bin() else {
        return Some(format!(
            "no Claude Code binary: set TINA_CLAUDE_BIN or install the pinned one into {} \
             (scripts/test-all.sh does)",
            tina_harness::claude::installed_claude().display()
        ));
    };
    if !bin.is_file() {
        return Some(format!("TINA_CLAUDE_BIN={} is not a file", bin.display()));
    }
    let tmux = std::process::Command::new("tmux").arg("-V").output();
    if !tmux.is_ok_and(|o| o.status.success()) {
        return Some("tmux is not installed".into());
    }
    None
}

/// Skips (passing, with the reason on stderr) when real Claude Code cannot run here —
/// except under `CI=true`, where that fails: CI must run the real thing. True: skip.
pub fn skip_without_claude(test: &str) -> bool {
    let Some(why) = claude_missing() else {
        return false;
    };
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(!ci, "CI=true and real Claude Code cannot run: {why}");
    eprintln!("SKIPPED {test}: {why}");
    true
}

/// The plugin starts the built tina-mcp (bin/tina-mcp): build it like the others.
pub fn build_mcp() {
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "-q", "-p", "tina-mcp"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .status()
        .expect("run cargo");
    assert!(status.success(), "cargo build -p tina-mcp failed");
}

/// What the model double reported in `usage`, summed over its log (`model-double.log`)
/// per scripted agent: the replies Claude Code writes into its transcripts.
pub fn double_usage(log: &Path) -> std::collections::BTreeMap<String, (Usage, u64)> {
    let mut out: std::collections::BTreeMap<String, (Usage, u64)> = Default::default();
    let text = std::fs::read_to_string(log).expect("model double log");
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("model double log line is not JSON ({e}): {line}"));
        let Some(agent) = v["agent"].as_str() else {
            continue;
        };
        let u: Usage = serde_json::from_value(v["usage"].clone()).expect("usage");
        let (sum, n) = out.entry(agent.to_owned()).or_default();
        sum.input_tokens += u.input_tokens;
        sum.output_tokens += u.output_tokens;
        sum.cache_creation_input_tokens += u.cache_creation_input_tokens;
        sum.cache_read_input_tokens += u.cache_read_input_tokens;
        *n += 1;
    }
    out
}

/// The spend's token counts in the double's terms.
pub fn as_usage(s: &tina_session::attention::summary::Spend) -> Usage {
    Usage {
        input_tokens: s.tokens.input,
        output_tokens: s.tokens.output,
        cache_creation_input_tokens: s.tokens.cache_creation,
        cache_read_input_tokens: s.tokens.cache_read,
    }
}

/// Sums usages.
pub fn sum_usage<'a>(all: impl IntoIterator<Item = &'a (Usage, u64)>) -> (Usage, u64) {
    let mut out = (Usage::default(), 0);
    for (u, n) in all {
        out.0.input_tokens += u.input_tokens;
        out.0.output_tokens += u.output_tokens;
        out.0.cache_creation_input_tokens += u.cache_creation_input_tokens;
        out.0.cache_read_input_tokens += u.cache_read_input_tokens;
        out.1 += n;
    }
    out
}

/// Runs the daemon's one-shot pass (sync scan and transcript ingest) for `config`.
pub fn daemon_once(config: &Config) {
    let out = std::process::Command::new(tina_harness::locate::Binaries::locate().tina_daemon)
        .arg("--once")
        .env("TINA_HOME", &config.tina_home)
        .env("CLAUDE_HOME", &config.claude_home)
        .env_remove("TINA_CONVEX_URL")
        .output()
        .expect("run tina-daemon --once");
    assert!(out.status.success(), "tina-daemon --once: {out:?}");
}
