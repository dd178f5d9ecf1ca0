//! The harness tools: `rebuild_binaries`, `run_scenario`, `get_scenario_run`,
//! `list_scenarios`, over the `tina-harness` library.
//!
//! A run is started on the blocking pool and tracked in a [`crate::runs::RunRegistry`] (status and
//! recent progress) while it goes on; the harness persists the report to
//! `$TINA_HOME/runs/<run_id>/report.json` after every stage, so finished runs (of this
//! server, an earlier one, or the CLI) are read from there. Scenario names and run ids
//! are validated as plain folder names before they touch a path; nothing a caller
//! sends reaches a shell or the cargo command line.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rmcp::RoleServer;
use rmcp::model::ProgressNotificationParam;
use rmcp::schemars::{self, JsonSchema};
use rmcp::service::RequestContext;
use serde::Serialize;
use tina_harness::report::{Assertion, RunError};
use tina_harness::{BuildReport, Progress, RunOptions, RunReport, RunStatus, ScenarioSummary};

use crate::context::Context;
use crate::error::{ToolError, ToolResult, blocking};
use crate::params::RunScenarioParams;
use crate::runs::{LeaseGuard, LiveRun};

/// How many progress lines a run keeps for `get_scenario_run`.
const PROGRESS_KEPT: usize = 50;
/// `list_scenarios`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ScenarioList {
    /// The scenarios directory that was listed.
    pub scenarios_dir: String,
    pub scenarios: Vec<ScenarioSummary>,
}

/// `run_scenario` and `get_scenario_run`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RunView {
    pub run_id: String,
    pub scenario: String,
    /// Where the run stands; `error` also when the run could not even start (the
    /// reason is the last progress line).
    pub status: RunStatus,
    /// True once the run ended (passed, failed or error).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub finished: bool,
    /// The latest progress lines ("[stage] message"), oldest first, while this server
    /// tracks the run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub progress: Vec<String>,
    /// The run's report in brief; while running, as of the last finished stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<RunSummary>,
}

/// A run's report in brief: the failed assertions in full, the passed ones counted.
/// The complete report (stage timings, every assertion, the final hierarchy) is the
/// JSON file at `report_path`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RunSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature_name: Option<String>,
    pub runtime: String,
    pub duration_ms: u64,
    pub passed: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<Assertion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RunError>,
    pub report_path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worktree: Option<String>,
}

impl RunSummary {
    pub fn new(r: &RunReport) -> Self {
        Self {
            feature_name: r.feature_name.clone(),
            runtime: r.runtime.clone(),
            duration_ms: r.duration_ms,
            passed: r.assertions.iter().filter(|a| a.passed).count() as u32,
            failed: r.failed_assertions().cloned().collect(),
            error: r.error.clone(),
            report_path: r.run_dir.join("report.json").display().to_string(),
            worktree: r.worktree.clone(),
        }
    }
}

fn progress_line(p: &Progress) -> String {
    format!("[{}] {}", p.stage, p.message)
}

/// `rebuild_binaries`: the harness's fixed package list.
pub async fn rebuild(ctx: &Context) -> ToolResult<BuildReport> {
    let config = ctx.config.clone();
    blocking(move || Ok(tina_harness::rebuild_binaries(&config))).await
}

/// `list_scenarios`.
pub async fn scenarios(ctx: &Context) -> ToolResult<ScenarioList> {
    let dir = ctx.scenarios_dir.clone();
    blocking(move || {
        let scenarios = tina_harness::list_scenarios(&dir).map_err(|e| {
            ToolError::Refused(format!(
                "cannot list scenarios: {e}; start tina-mcp with --scenarios-dir (or \
                 TINA_SCENARIOS_DIR) pointing at the scenarios folder"
            ))
        })?;
        Ok(ScenarioList {
            scenarios_dir: dir.display().to_string(),
            scenarios,
        })
    })
    .await
}

fn valid_names(dir: &Path) -> String {
    match tina_harness::list_scenarios(dir) {
        Ok(list) if !list.is_empty() => list
            .into_iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
            .join(", "),
        _ => format!("none found in {}", dir.display()),
    }
}

/// `run_scenario`: validates, registers and starts the run; waits if asked.
pub async fn start(
    ctx: &Context,
    p: RunScenarioParams,
    rc: RequestContext<RoleServer>,
) -> ToolResult<RunView> {
    tina_harness::validate_scenario_name(&p.scenario)
        .map_err(|e| ToolError::Invalid(format!("{e}; call list_scenarios for valid names")))?;
    let dir = ctx.scenarios_dir.clone();
    {
        let (dir, name) = (dir.clone(), p.scenario.clone());
        blocking(move || {
            if dir.join(&name).join("scenario.json").is_file() {
                Ok(())
            } else {
                Err(ToolError::NotFound {
                    kind: "scenario",
                    key: format!("'{name}' in {}", dir.display()),
                    hint: format!("Valid scenarios: {}.", valid_names(&dir)),
                })
            }
        })
        .await?;
    }
    let runs = &ctx.runs;
    let opts = RunOptions {
        run_id: tina_harness::new_run_id(),
        scenario: p.scenario.clone(),
        scenarios_dir: dir,
        full: p.full,
        skip_build: p.skip_build,
        keep: p.keep,
    };
    let run_id = opts.run_id.clone();
    let live = Arc::new(Mutex::new(LiveRun {
        scenario: p.scenario.clone(),
        progress: VecDeque::new(),
        report: None,
        failure: None,
    }));
    if let Err(id) = runs.insert_unless_running(&run_id, live.clone())? {
        return Err(ToolError::Refused(format!(
            "scenario '{}' is already running as run {id}; follow it with get_scenario_run \
             (two runs of one scenario would clean up each other's feature)",
            p.scenario
        )));
    }

    // Progress goes to the registry always, and to the client while a waiting request
    // is open and carries a progress token (notifications must belong to an open
    // request, so a run that returned at once reports progress via get_scenario_run).
    let token = if p.wait {
        rc.meta.get_progress_token()
    } else {
        None
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
    let config = ctx.config.clone();
    let worker_live = live.clone();
    let daemon = runs.daemon.clone();
    let worker = tokio::task::spawn_blocking(move || {
        // Held for the run, however it ends (a panic is caught below), and let go
        // before the run is marked finished: a caller that sees "finished" also sees
        // the daemon released (stopped, when this was the last run holding it).
        let lease = LeaseGuard::acquire(&daemon, &config);
        let on_progress = |p: &Progress| {
            if let Ok(mut run) = worker_live.lock() {
                if run.progress.len() == PROGRESS_KEPT {
                    run.progress.pop_front();
                }
                run.progress.push_back(progress_line(p));
            }
            let _ = tx.send(p.clone());
        };
        // A panic must still end the run, or the scenario would stay "running" and
        // every later run of it would be refused.
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            tina_harness::run_scenario(&config, &opts, &on_progress)
        }));
        drop(lease);
        let mut run = match worker_live.lock() {
            Ok(run) => run,
            Err(poisoned) => poisoned.into_inner(),
        };
        match outcome {
            Ok(Ok(report)) => run.report = Some(report),
            Ok(Err(e)) => run.failure = Some(format!("{e:#}")),
            Err(panic) => {
                run.failure = Some(format!("the run panicked: {}", panic_message(&*panic)))
            }
        }
    });

    if !p.wait {
        // Forward nothing; drain so the channel never grows.
        tokio::spawn(async move { while rx.recv().await.is_some() {} });
        return Ok(view(&run_id, &live, None));
    }
    let mut sent = 0u32;
    while let Some(progress) = rx.recv().await {
        if let Some(token) = &token {
            sent += 1;
            let note = ProgressNotificationParam::new(token.clone(), sent.into())
                .with_message(progress_line(&progress));
            if let Err(e) = rc.peer.notify_progress(note).await {
                tracing::debug!("progress notification not delivered: {e}");
            }
        }
    }
    worker.await?;
    Ok(view(&run_id, &live, None))
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message")
}

fn view(run_id: &str, live: &Mutex<LiveRun>, on_disk: Option<RunReport>) -> RunView {
    let run = match live.lock() {
        Ok(run) => run.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    let report = run.report.clone().or(on_disk);
    let (status, finished) = match (&run.report, &run.failure) {
        (Some(r), _) => (r.status, r.status != RunStatus::Running),
        (None, Some(_)) => (RunStatus::Error, true),
        (None, None) => (RunStatus::Running, false),
    };
    let mut progress: Vec<String> = run.progress.into_iter().collect();
    if let Some(f) = run.failure {
        progress.push(format!("[error] {f}"));
    }
    RunView {
        run_id: run_id.to_owned(),
        scenario: run.scenario,
        status,
        finished,
        progress,
        report: report.as_ref().map(RunSummary::new),
    }
}

/// `get_scenario_run`: a run of this server (live), else the report on disk.
pub async fn get(ctx: &Context, run_id: &str) -> ToolResult<RunView> {
    let runs = &ctx.runs;
    tina_harness::validate_scenario_name(run_id).map_err(|_| {
        ToolError::Invalid(format!(
            "invalid run id {}: run ids are plain names like those run_scenario returns",
            tina_session::model::input::quote(run_id)
        ))
    })?;
    let config = ctx.config.clone();
    let id = run_id.to_owned();
    let on_disk = blocking(move || Ok(tina_harness::load_run(&config, &id).ok())).await?;
    if let Some(live) = runs.get(run_id) {
        return Ok(view(run_id, &live, on_disk));
    }
    match on_disk {
        Some(report) => Ok(RunView {
            run_id: run_id.to_owned(),
            scenario: report.scenario.clone(),
            status: report.status,
            finished: report.status != RunStatus::Running,
            progress: Vec::new(),
            report: Some(RunSummary::new(&report)),
        }),
        None => Err(ToolError::NotFound {
            kind: "scenario run",
            key: format!("'{run_id}'"),
            hint: format!(
                "Run ids are returned by run_scenario; finished runs are the folders under \
                 {}{}.",
                ctx.config.runs_dir().display(),
                recent_runs(&ctx.config.runs_dir())
            ),
        }),
    }
}

/// " (latest: a, b, c)" from the runs folder, newest first; empty if there are none.
fn recent_runs(dir: &Path) -> String {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return String::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("report.json").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    // Run ids embed a UUID v7, so name order is start order.
    names.sort_unstable_by(|a, b| b.cmp(a));
    names.truncate(5);
    if names.is_empty() {
        String::new()
    } else {
        format!(" (latest: {})", names.join(", "))
    }
}
