//! `rebuild_binaries`: rebuilds the binaries a run uses (found by [`crate::locate`])
//! first, so a run never exercises stale code, and restarts a running daemon on them.
//!
//! The package list is fixed (no caller arguments, nothing from MCP input reaches the
//! cargo command line): `tina-session` and `tina-daemon`, which the pipeline runs, and
//! `tina-harness` itself, whose `sim` subcommand plays the agents.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tina_session::Config;

// Re-exported for callers that knew it here (tina-mcp).
pub use crate::locate::Binaries;
use crate::locate::{bin_dir, workspace_dir};
use crate::project::{cargo, tail};

/// The packages `rebuild_binaries` builds, always and only these.
pub const PACKAGES: [&str; 3] = ["tina-session", "tina-daemon", "tina-harness"];

/// The outcome of [`rebuild_binaries`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct BuildReport {
    /// True when every package built (and a running daemon, if any, restarted).
    pub success: bool,
    pub duration_ms: u64,
    /// The last lines of cargo's output (the errors, when it failed).
    pub log_tail: String,
    /// A daemon was running for this configuration and was restarted on the new binary.
    pub daemon_restarted: bool,
}

/// How `cargo build` must be told to put its output into `dir`, the folder the
/// binaries are run from: `<target-dir>/debug` or `<target-dir>/release`. Anything
/// else (an install folder, a custom profile, a `--target` triple layout) is refused:
/// cargo would build elsewhere and the run would use the stale binaries in `dir`.
pub fn cargo_output_args(dir: &Path) -> Result<Vec<std::ffi::OsString>, String> {
    let profile = dir.file_name().and_then(|n| n.to_str());
    let target = dir.parent().filter(|p| !p.as_os_str().is_empty());
    let (Some(profile @ ("debug" | "release")), Some(target)) = (profile, target) else {
        return Err(format!(
            "{} is not a cargo profile folder (<target-dir>/debug or <target-dir>/release), \
             so a build cannot put the binaries there",
            dir.display()
        ));
    };
    let mut args = vec!["--target-dir".into(), target.as_os_str().to_owned()];
    if profile == "release" {
        args.push("--release".into());
    }
    Ok(args)
}

/// Builds the fixed package list with cargo into [`bin_dir`], then restarts the
/// daemon of `config` if one is running so it runs the new binary.
pub fn rebuild_binaries(config: &Config) -> BuildReport {
    let started = Instant::now();
    let dir = bin_dir();
    let refused = |log_tail: String| BuildReport {
        success: false,
        duration_ms: started.elapsed().as_millis() as u64,
        log_tail,
        daemon_restarted: false,
    };
    let output_args = match cargo_output_args(&dir) {
        Ok(args) => args,
        Err(why) if std::env::var_os("TINA_BIN_DIR").is_some_and(|d| !d.is_empty()) => {
            return refused(format!(
                "refusing to build: TINA_BIN_DIR={why}; point TINA_BIN_DIR at a cargo profile \
                 folder, unset it, or skip the build (--skip-build / skip_build)"
            ));
        }
        Err(why) => {
            return refused(format!(
                "refusing to build: the harness runs from {why}; set TINA_BIN_DIR to a cargo \
                 profile folder or skip the build (--skip-build / skip_build)"
            ));
        }
    };
    let mut cmd = Command::new(cargo());
    cmd.arg("build").current_dir(workspace_dir());
    for p in PACKAGES {
        cmd.args(["-p", p]);
    }
    cmd.args(output_args).stdin(std::process::Stdio::null());
    let output = cmd.output();
    let (success, log_tail) = match output {
        Ok(out) => {
            let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
            text.push_str(&String::from_utf8_lossy(&out.stdout));
            (out.status.success(), tail(&text, 40))
        }
        Err(e) => (false, format!("cannot run {}: {e}", cargo().display())),
    };
    let mut report = BuildReport {
        success,
        duration_ms: started.elapsed().as_millis() as u64,
        log_tail,
        daemon_restarted: false,
    };
    if success {
        match crate::daemon::restart_if_running(config, &Binaries::locate()) {
            Ok(restarted) => report.daemon_restarted = restarted,
            Err(e) => {
                report.success = false;
                report.log_tail = format!("build succeeded but the daemon restart failed: {e:#}");
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_only_into_a_cargo_profile_folder() {
        let args = |d: &str| {
            cargo_output_args(Path::new(d)).map(|a| {
                a.iter()
                    .map(|s| s.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            args("/w/target/debug").unwrap(),
            ["--target-dir", "/w/target"]
        );
        assert_eq!(
            args("/w/target/release").unwrap(),
            ["--target-dir", "/w/target", "--release"]
        );
        for bad in [
            "/usr/local/bin",
            "/home/u/.cargo/bin",
            "/w/target/ci",
            "debug",
            "/",
        ] {
            let err = args(bad).expect_err(bad);
            assert!(err.contains("not a cargo profile folder"), "{err}");
        }
    }
}
