//! Run reports: what a run did, persisted as `$TINA_HOME/runs/<run_id>/report.json`
//! (rewritten as the run progresses) next to its `run.log`.

use std::path::{Path, PathBuf};
use tina_session::model::input::display_safe;

use serde::{Deserialize, Serialize};

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Passed,
    /// The run finished and at least one assertion failed.
    Failed,
    /// The run could not finish (setup, runtime or store failure).
    Error,
}

/// Which part of the pipeline an assertion or error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Building, copying the test project, patching, daemon start-up.
    Setup,
    /// Lifecycle and runtime: init, start, advance, teams and their links.
    Orchestration,
    /// Team and task files reaching the store through the daemon.
    Sync,
    /// The outcome in the worktree: tests, file changes, expectations.
    Verification,
}

/// One checked expectation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct Assertion {
    pub name: String,
    pub category: Category,
    pub passed: bool,
    pub expected: String,
    pub observed: String,
}

/// The time one stage took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct StageTiming {
    pub stage: Stage,
    pub duration_ms: u64,
}

/// The stages of a scenario run, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Build,
    Daemon,
    Cleanup,
    Setup,
    Run,
    Verify,
    Teardown,
    Done,
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            Self::Build => "build",
            Self::Daemon => "daemon",
            Self::Cleanup => "cleanup",
            Self::Setup => "setup",
            Self::Run => "run",
            Self::Verify => "verify",
            Self::Teardown => "teardown",
            Self::Done => "done",
        };
        f.write_str(s)
    }
}

/// A progress notification while a run goes on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct Progress {
    pub run_id: String,
    pub scenario: String,
    pub stage: Stage,
    pub message: String,
    pub elapsed_ms: u64,
}

/// The error that stopped a run before it could be judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct RunError {
    pub category: Category,
    pub message: String,
}

/// Everything a run did and found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct RunReport {
    pub run_id: String,
    pub scenario: String,
    /// From `scenario.json` (null if the scenario did not load).
    pub feature_name: Option<String>,
    /// The agent runtime: `sim` or `claude`.
    pub runtime: String,
    pub status: RunStatus,
    /// RFC 3339, UTC.
    pub started_at: String,
    /// RFC 3339, UTC; null while the run goes on.
    pub finished_at: Option<String>,
    pub duration_ms: u64,
    /// The stages run so far, in order.
    pub timings: Vec<StageTiming>,
    /// Every checked expectation; those with `passed: false` explain a failure.
    pub assertions: Vec<Assertion>,
    /// What stopped the run before it could be judged.
    pub error: Option<RunError>,
    /// `tina-session hierarchy` text of the feature at the end of the run.
    pub hierarchy: Option<String>,
    /// The run's folder, `$TINA_HOME/runs/<run_id>/`.
    pub run_dir: PathBuf,
    /// The run's log file.
    pub log_path: PathBuf,
    /// The worktree, when kept (`--keep`).
    pub worktree: Option<String>,
}

impl RunReport {
    pub fn failed_assertions(&self) -> impl Iterator<Item = &Assertion> {
        self.assertions.iter().filter(|a| !a.passed)
    }

    /// Writes `report.json` atomically so readers never see half a report.
    pub fn save(&self) -> std::io::Result<()> {
        let path = self.run_dir.join("report.json");
        let tmp = self.run_dir.join("report.json.tmp");
        let text = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, text)?;
        std::fs::rename(tmp, path)
    }

    /// Human-readable summary: status, failed assertions with expected and observed.
    pub fn render(&self) -> String {
        let mut s = format!(
            "{} [{}] scenario {} (feature {}), {} ms",
            match self.status {
                RunStatus::Passed => "PASS",
                RunStatus::Failed => "FAIL",
                RunStatus::Error => "ERROR",
                RunStatus::Running => "RUNNING",
            },
            display_safe(&self.run_id),
            display_safe(&self.scenario),
            display_safe(self.feature_name.as_deref().unwrap_or("-")),
            self.duration_ms
        );
        if let Some(e) = &self.error {
            s.push_str(&format!(
                "\n  error ({}): {}",
                category_name(e.category),
                safe_lines(&e.message).replace('\n', "\n    ")
            ));
        }
        for a in &self.assertions {
            s.push_str("\n  ");
            s.push_str(&render_assertion(a, "         "));
        }
        s.push_str(&format!(
            "\n  log: {}",
            display_safe(&self.log_path.display().to_string())
        ));
        s
    }
}

/// One assertion as a line (plus expected/observed when it failed, indented by
/// `indent`). Observed values carry agent-written text (task subjects, names), so every
/// field is shown with control characters escaped.
pub fn render_assertion(a: &Assertion, indent: &str) -> String {
    let mut s = format!(
        "{} [{}] {}",
        if a.passed { "ok  " } else { "FAIL" },
        category_name(a.category),
        display_safe(&a.name)
    );
    if !a.passed {
        s.push_str(&format!(
            "\n{indent}expected: {}\n{indent}observed: {}",
            display_safe(&a.expected),
            display_safe(&a.observed)
        ));
    }
    s
}

/// Multi-line text (an error with its causes, the hierarchy tree) for a terminal: each
/// line kept, control characters within a line escaped.
pub fn safe_lines(text: &str) -> String {
    text.lines()
        .map(display_safe)
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn category_name(c: Category) -> &'static str {
    match c {
        Category::Setup => "setup",
        Category::Orchestration => "orchestration",
        Category::Sync => "sync",
        Category::Verification => "verification",
    }
}

/// Reads a run's report by id.
pub fn load_report(runs_dir: &Path, run_id: &str) -> anyhow::Result<RunReport> {
    crate::scenario::validate_scenario_name(run_id)
        .map_err(|_| anyhow::anyhow!("invalid run id '{run_id}'"))?;
    let path = runs_dir.join(run_id).join("report.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        anyhow::anyhow!(
            "no report for run '{run_id}' ({}: {e}); run ids are the folder names under {}",
            path.display(),
            runs_dir.display()
        )
    })?;
    Ok(serde_json::from_str(&text)?)
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn now_rfc3339() -> String {
    format_ms(now_ms())
}

fn format_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_timestamps() {
        assert_eq!(format_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_ms(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(format_ms(1_767_225_599_000), "2025-12-31T23:59:59.000Z");
    }
}
