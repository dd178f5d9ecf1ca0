//! Shared test set-up: a temp TINA_HOME/CLAUDE_HOME per test, binaries built once.
#![allow(dead_code)] // each test binary uses a different part of the support module

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

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
