//! `run_scenario`: one scenario through the real pipeline, judged and reported.
//!
//! Stages: build (unless skipped) -> daemon (use the running one or start one) ->
//! cleanup (every record of the exact feature name, its worktree and its teams' Claude
//! Code files) -> setup (copy the test project, apply `setup.patch`, git commit) -> run
//! (the sim or claude runtime; a staged crash is resumed with a daemon restart) ->
//! verify -> teardown. The report is rewritten to `report.json` after every stage.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use tina_session::Config;

use crate::binaries::{Binaries, rebuild_binaries};
use crate::daemon::DaemonGuard;
use crate::project;
use crate::report::*;
use crate::scenario::Scenario;
use crate::sim::{self, CRASH_EXIT_CODE, SimState, log_line};
use crate::verify::{VerifyOptions, verify};

/// How long the simulated agents may take before the run is an error.
const SIM_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// How long verify waits for the daemon to catch up.
const SYNC_DEADLINE: Duration = Duration::from_secs(30);
const FAILED_RUN_SYNC_DEADLINE: Duration = Duration::from_secs(3);

/// What to run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunOptions {
    /// From [`new_run_id`]; names the folder under `$TINA_HOME/runs/`.
    pub run_id: String,
    /// Scenario folder name (validated: no separators, no `..`).
    pub scenario: String,
    pub scenarios_dir: PathBuf,
    /// Use the real Claude Code runtime instead of the sim.
    pub full: bool,
    pub skip_build: bool,
    /// Keep the project copy and worktree after the run.
    pub keep: bool,
}

/// A fresh, time-ordered run id.
pub fn new_run_id() -> String {
    format!("run-{}", uuid::Uuid::now_v7().simple())
}

/// The default scenarios folder: `scenarios/` of the workspace this was built from.
pub fn default_scenarios_dir() -> PathBuf {
    crate::binaries::workspace_dir().join("scenarios")
}

/// Reads a run's report (`$TINA_HOME/runs/<run_id>/report.json`).
pub fn load_run(config: &Config, run_id: &str) -> anyhow::Result<RunReport> {
    load_report(&config.runs_dir(), run_id)
}

struct Runner<'a> {
    config: &'a Config,
    opts: &'a RunOptions,
    progress: &'a dyn Fn(&Progress),
    report: RunReport,
    started: Instant,
    /// The current stage, once one was entered.
    stage: Option<Stage>,
    stage_started: Instant,
}

/// A failure that ends the run before it is judged.
struct Stop(Category, anyhow::Error);

trait Categorize<T> {
    fn cat(self, c: Category) -> Result<T, Stop>;
}

impl<T, E: Into<anyhow::Error>> Categorize<T> for Result<T, E> {
    fn cat(self, c: Category) -> Result<T, Stop> {
        self.map_err(|e| Stop(c, e.into()))
    }
}

/// Runs one scenario to the end and returns its report. Errors only when the run
/// folder cannot be created; every other failure is in the report.
pub fn run_scenario(
    config: &Config,
    opts: &RunOptions,
    progress: &dyn Fn(&Progress),
) -> anyhow::Result<RunReport> {
    crate::scenario::validate_scenario_name(&opts.run_id)
        .map_err(|_| anyhow::anyhow!("invalid run id '{}'", opts.run_id))?;
    let run_dir = config.runs_dir().join(&opts.run_id);
    std::fs::create_dir_all(&run_dir)
        .with_context(|| format!("cannot create run folder {}", run_dir.display()))?;
    let mut r = Runner {
        config,
        opts,
        progress,
        report: RunReport {
            run_id: opts.run_id.clone(),
            scenario: opts.scenario.clone(),
            feature_name: None,
            runtime: if opts.full { "claude" } else { "sim" }.into(),
            status: RunStatus::Running,
            started_at: now_rfc3339(),
            finished_at: None,
            duration_ms: 0,
            timings: Vec::new(),
            assertions: Vec::new(),
            error: None,
            hierarchy: None,
            log_path: run_dir.join("run.log"),
            run_dir,
            worktree: None,
        },
        started: Instant::now(),
        stage: None,
        stage_started: Instant::now(),
    };
    r.report.save()?;
    let outcome = r.stages();
    r.end_stage();
    match outcome {
        Ok(()) => {
            r.report.status = if r.report.assertions.iter().all(|a| a.passed) {
                RunStatus::Passed
            } else {
                RunStatus::Failed
            };
        }
        Err(Stop(category, e)) => {
            r.log(&format!("error ({}): {e:#}", category_name(category)));
            r.report.status = RunStatus::Error;
            r.report.error = Some(RunError {
                category,
                message: format!("{e:#}"),
            });
        }
    }
    r.report.finished_at = Some(now_rfc3339());
    r.report.duration_ms = r.started.elapsed().as_millis() as u64;
    r.report.save()?;
    let status = format!("{:?}", r.report.status).to_lowercase();
    r.stage = Some(Stage::Done);
    r.notify(&format!("{status} in {} ms", r.report.duration_ms));
    r.log(&format!("run {status}"));
    Ok(r.report)
}

impl Runner<'_> {
    fn log(&self, line: &str) {
        log_line(&self.report.log_path, &format!("[harness] {line}"));
    }

    fn notify(&self, message: &str) {
        (self.progress)(&Progress {
            run_id: self.opts.run_id.clone(),
            scenario: self.opts.scenario.clone(),
            stage: self.stage.unwrap_or(Stage::Setup),
            message: message.to_owned(),
            elapsed_ms: self.started.elapsed().as_millis() as u64,
        });
    }

    fn end_stage(&mut self) {
        if let Some(stage) = self.stage {
            self.report.timings.push(StageTiming {
                stage,
                duration_ms: self.stage_started.elapsed().as_millis() as u64,
            });
        }
        let _ = self.report.save();
    }

    fn enter(&mut self, stage: Stage, message: &str) {
        self.end_stage();
        self.stage = Some(stage);
        self.stage_started = Instant::now();
        self.log(&format!("{stage}: {message}"));
        self.notify(message);
    }

    fn session_cmd(&self, bins: &Binaries) -> Command {
        let mut cmd = Command::new(&bins.tina_session);
        self.env(&mut cmd);
        cmd
    }

    fn env(&self, cmd: &mut Command) {
        cmd.env("TINA_HOME", &self.config.tina_home)
            .env("CLAUDE_HOME", &self.config.claude_home);
        for (name, value) in self.config.store_env() {
            match value {
                Some(value) => cmd.env(name, value),
                None => cmd.env_remove(name),
            };
        }
    }

    /// Runs `tina-session <args>`, logs the call, returns stdout.
    fn session(&self, bins: &Binaries, args: &[&str]) -> anyhow::Result<String> {
        let out = self
            .session_cmd(bins)
            .args(args)
            .output()
            .with_context(|| format!("cannot run {}", bins.tina_session.display()))?;
        self.log(&format!(
            "tina-session {} -> exit {}",
            args.join(" "),
            out.status.code().unwrap_or(-1)
        ));
        if !out.status.success() {
            bail!(
                "tina-session {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn stages(&mut self) -> Result<(), Stop> {
        let scenario =
            Scenario::load(&self.opts.scenarios_dir, &self.opts.scenario).cat(Category::Setup)?;
        let feature = scenario.script.feature_name.clone();
        self.report.feature_name = Some(feature.clone());
        if self.opts.full {
            crate::claude::preflight(self.config, &scenario).cat(Category::Setup)?;
        }
        if !self.opts.skip_build {
            self.enter(
                Stage::Build,
                "building tina-session, tina-daemon, tina-harness",
            );
            let build = rebuild_binaries(self.config);
            if !build.success {
                return Err(Stop(
                    Category::Setup,
                    anyhow::anyhow!("rebuild_binaries failed:\n{}", build.log_tail),
                ));
            }
            self.log(&format!(
                "build ok in {} ms (daemon restarted: {})",
                build.duration_ms, build.daemon_restarted
            ));
        }
        let bins = Binaries::locate();
        bins.check().cat(Category::Setup)?;

        self.enter(Stage::Daemon, "making sure a daemon syncs this store");
        let mut guard = DaemonGuard::ensure(self.config, &bins).cat(Category::Setup)?;
        self.log(&format!(
            "daemon pid {} ({})",
            pid_text(guard.pid),
            if guard.started_here() {
                "started by this run"
            } else {
                "already running"
            }
        ));

        self.enter(
            Stage::Cleanup,
            &format!("removing every record of feature '{feature}'"),
        );
        self.cleanup(&bins, &feature, scenario.script.total_phases)
            .cat(Category::Setup)?;

        self.enter(Stage::Setup, "copying the test project");
        let work_dir = self.report.run_dir.join(&self.opts.scenario);
        let repo = work_dir.join("project");
        if work_dir.exists() {
            std::fs::remove_dir_all(&work_dir).cat(Category::Setup)?;
        }
        let test_project = project::test_project(&self.opts.scenarios_dir);
        project::copy_tree(&test_project, &repo)
            .with_context(|| format!("test project {}", test_project.display()))
            .cat(Category::Setup)?;
        let base =
            project::init_repo(&repo, scenario.setup_patch.as_deref()).cat(Category::Setup)?;
        self.log(&format!("project {} at base {base}", repo.display()));

        let runtime = if self.opts.full { "claude" } else { "sim" };
        self.enter(
            Stage::Run,
            &format!("{runtime} runtime playing '{feature}'"),
        );
        let ran = if self.opts.full {
            let run_dir = self.report.run_dir.clone();
            crate::claude::run(
                self.config,
                &scenario,
                &repo,
                &run_dir,
                &bins.tina_session,
                &|line| {
                    self.log(line);
                    self.notify(line);
                },
            )
        } else {
            self.run_sim(&bins, &scenario, &repo, &work_dir, &mut guard)
        };
        // A failed run is still verified: the report shows how far it got.
        if let Err(e) = &ran {
            self.log(&format!("runtime failed: {e:#}"));
        }

        self.enter(
            Stage::Verify,
            "waiting for the daemon to sync, then checking expectations",
        );
        let store = self.config.open_store().cat(Category::Setup)?;
        let assertions = verify(
            &*store,
            &scenario,
            &VerifyOptions {
                // A runtime that failed never wrote its last files: do not wait long.
                sync_deadline: if ran.is_ok() {
                    SYNC_DEADLINE
                } else {
                    FAILED_RUN_SYNC_DEADLINE
                },
                check_worktree: true,
                cargo_target: self.cargo_target(),
                scripted: !self.opts.full,
            },
        )
        .cat(Category::Verification)?;
        for a in &assertions {
            self.log(&format!(
                "{} [{}] {}: expected {}, observed {}",
                if a.passed { "ok" } else { "FAIL" },
                category_name(a.category),
                a.name,
                a.expected,
                a.observed
            ));
        }
        self.report.assertions = assertions;
        self.report.hierarchy = self
            .session(&bins, &["hierarchy", "--feature", &feature])
            .ok()
            .map(|s| s.trim_end().to_owned());
        let orch = store.get_orchestration_by_feature(&feature).ok();
        let _ = self.report.save();

        self.enter(
            Stage::Teardown,
            if self.opts.keep {
                "keeping the worktree"
            } else {
                "removing the project copy and worktree"
            },
        );
        let worktree = orch.and_then(|o| o.worktree_path);
        if self.opts.keep {
            self.report.worktree = worktree;
        } else {
            if let Some(wt) = &worktree {
                let _ = project::git(&repo, &["worktree", "remove", "--force", wt]);
            }
            let _ = std::fs::remove_dir_all(work_dir.join("project"));
        }
        drop(guard);
        ran.cat(Category::Orchestration)
    }

    /// A progress line for each phase team the sim has started since the last call.
    fn report_phases(&self, state_path: &Path, seen: &mut usize) {
        let Ok(Some(state)) = SimState::load(state_path) else {
            return;
        };
        for started in state.phase_teams.values().skip(*seen) {
            self.notify(&format!(
                "phase {} started: team {} ({}) under parent {}",
                started.phase_number, started.team_name, started.team_id, started.parent_team_id
            ));
        }
        *seen = (*seen).max(state.phase_teams.len());
    }

    fn cargo_target(&self) -> PathBuf {
        self.config.tina_home.join("harness").join("cargo-target")
    }

    /// Removes the feature's records (exact name), worktree and its teams' Claude files:
    /// those of the teams in the store, and those of the team names the sim writes,
    /// whose records may be gone already while their files are not (the daemon would
    /// sync such stale files into this run).
    fn cleanup(&self, bins: &Binaries, feature: &str, total_phases: u32) -> anyhow::Result<()> {
        let store = self.config.open_store()?;
        let team_names = feature_team_names(&*store, feature, total_phases)?;
        self.session(
            bins,
            &["cleanup", "--feature", feature, "--worktree", "--json"],
        )?;
        remove_team_folders(&self.config.claude_home, &team_names, |line| self.log(line))
    }

    fn spawn_sim(
        &self,
        bins: &Binaries,
        scenario: &Scenario,
        repo: &Path,
        work_dir: &Path,
        resume: bool,
    ) -> anyhow::Result<Child> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(work_dir.join("sim.log"))?;
        let mut cmd = Command::new(&bins.tina_harness);
        cmd.arg("sim")
            .arg("--scenarios-dir")
            .arg(&self.opts.scenarios_dir)
            .args(["--scenario", &scenario.name])
            .arg("--repo")
            .arg(repo)
            .arg("--state")
            .arg(work_dir.join("sim-state.json"))
            .arg("--run-log")
            .arg(&self.report.log_path)
            .arg("--tina-session")
            .arg(&bins.tina_session)
            .arg("--work-dir")
            .arg(work_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        if resume {
            cmd.arg("--resume");
        }
        self.env(&mut cmd);
        // The test project's cargo builds into a target dir shared by this TINA_HOME.
        cmd.arg("--cargo-target").arg(self.cargo_target());
        cmd.spawn()
            .with_context(|| format!("cannot run {} sim", bins.tina_harness.display()))
    }

    fn run_sim(
        &mut self,
        bins: &Binaries,
        scenario: &Scenario,
        repo: &Path,
        work_dir: &Path,
        guard: &mut DaemonGuard,
    ) -> anyhow::Result<()> {
        let staged_crash = scenario.script.phases.iter().any(|p| p.crash.is_some());
        let state_path = work_dir.join("sim-state.json");
        let mut phases_seen = 0;
        let child = self.spawn_sim(bins, scenario, repo, work_dir, false)?;
        let code = wait_child(child, SIM_TIMEOUT, || {
            self.report_phases(&state_path, &mut phases_seen);
        })?;
        let code = match code {
            Some(CRASH_EXIT_CODE) if staged_crash => {
                self.notify("agents crashed as staged; stopping the daemon and resuming them");
                self.log("sim crashed as staged: stopping the daemon, resuming the sim");
                guard.stop()?;
                let at_crash = SimState::load(&state_path)?.map_or(0, |s| s.next_step);
                let child = self.spawn_sim(bins, scenario, repo, work_dir, true)?;
                // Let the resumed agents write a few steps while the daemon is down, so
                // its start-up scan has changes to pick up; then start it again.
                let mut restart: Option<anyhow::Result<()>> = None;
                let code = wait_child(child, SIM_TIMEOUT, || {
                    self.report_phases(&state_path, &mut phases_seen);
                    if restart.is_some() {
                        return;
                    }
                    let progressed = SimState::load(&state_path)
                        .ok()
                        .flatten()
                        .is_some_and(|s| s.next_step >= at_crash + 3);
                    if progressed {
                        restart = Some(guard.start_again());
                        self.log(&format!(
                            "daemon started again (pid {})",
                            pid_text(guard.pid)
                        ));
                        self.notify("daemon started again; agents resumed");
                    }
                });
                let restart = restart.unwrap_or_else(|| {
                    let r = guard.start_again();
                    self.log(&format!(
                        "daemon started again (pid {})",
                        pid_text(guard.pid)
                    ));
                    r
                });
                restart?;
                code?
            }
            other => other,
        };
        match code {
            Some(0) => Ok(()),
            Some(c) => bail!(
                "the sim runtime exited with code {c}; see {}",
                work_dir.join("sim.log").display()
            ),
            None => bail!("the sim runtime was killed by a signal"),
        }
    }
}

/// The team names the sim gives a feature's teams: the orchestrator team and one
/// phase team per phase.
fn sim_team_names(feature: &str, total_phases: u32) -> Vec<String> {
    std::iter::once(tina_session::model::orchestrator_team_name(feature))
        .chain((1..=total_phases).map(|n| tina_session::model::phase_team_name(feature, n)))
        .collect()
}

/// Waits for `child` with a deadline; `tick` runs on every poll.
fn wait_child(
    mut child: Child,
    timeout: Duration,
    mut tick: impl FnMut(),
) -> anyhow::Result<Option<i32>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status.code());
        }
        tick();
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "the sim runtime did not finish within {} s",
                timeout.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Exposed for `tina-harness sim`, which is spawned by [`run_scenario`].
pub use sim::run as run_sim_process;

fn pid_text(pid: Option<u32>) -> String {
    pid.map_or_else(|| "unknown".to_owned(), |p| p.to_string())
}

/// Removes `$CLAUDE_HOME/teams/<team>` and `$CLAUDE_HOME/tasks/<team>` of each team, each
/// through [`tina_session::paths::remove_confined_dir`]: a team name that is not one plain
/// folder name (a record written before names were checked, a store edited by hand) or
/// a folder that is a symlink is refused and logged, never followed out of CLAUDE_HOME.
pub fn remove_team_folders(
    claude_home: &Path,
    team_names: &[String],
    log: impl Fn(&str),
) -> anyhow::Result<()> {
    for team in team_names {
        for dir in ["teams", "tasks"] {
            let root = claude_home.join(dir);
            match tina_session::paths::remove_confined_dir(&root, team) {
                Ok(true) => log(&format!("removed {}/{}", root.display(), team)),
                Ok(false) => {}
                Err(e @ tina_session::paths::PathError::Io { .. }) => {
                    return Err(e).context("cannot remove a team folder");
                }
                Err(refused) => log(&format!("refused to remove a team folder: {refused}")),
            }
        }
    }
    Ok(())
}

/// The team names whose Claude folders a run of `feature` clears first: those of the
/// teams in the store (as recorded, so possibly not valid names) and those the sim writes.
pub fn feature_team_names(
    store: &dyn tina_session::Store,
    feature: &str,
    total_phases: u32,
) -> anyhow::Result<Vec<String>> {
    let mut team_names: Vec<String> = match store.get_orchestration_by_feature(feature) {
        Ok(o) => store
            .list_teams(&o.id)?
            .into_iter()
            .map(|t| t.team_name)
            .collect(),
        Err(e) if e.is_not_found() => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    team_names.extend(sim_team_names(feature, total_phases));
    team_names.sort();
    team_names.dedup();
    Ok(team_names)
}
