//! The `tina-harness` CLI. Exit codes follow [`tina_session::cli_common`]: 0 every
//! scenario passed, 1 a scenario failed or errored (or the command could not run: a
//! failed build, an unreadable store), 2 usage (bad arguments, an unknown scenario), and
//! 3 (`report` only) the run has not finished yet. Under `--json` errors are JSON on
//! stderr.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use tina_session::Config;
use tina_session::cli_common::{self, EXIT_USAGE, HomeArgs};

use crate::report::{Progress, RunReport, RunStatus};
use crate::run::{RunOptions, default_scenarios_dir, load_run, new_run_id, run_scenario};
use crate::scenario::{Scenario, list_scenarios};
use crate::sim::SimArgs;
use crate::verify::{VerifyOptions, verify};

/// `println!` that returns a closed pipe (`tina-harness list | head -1`) as an error,
/// which [`cli_common::finish`] treats as success, instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        cli_common::print_line(&format!($($arg)*))?
    };
}

/// `report` exits with this while the run is still going on.
pub const EXIT_RUNNING: u8 = 3;

const EXIT_CODES: &str = "Exit codes:\n  0  every scenario passed (report: the run passed)\n  \
     1  a scenario failed or errored, or the command failed (build, store, configuration)\n  \
     2  usage: bad arguments or an unknown scenario; nothing ran\n  \
     3  report: the run has not finished yet (still running)";

#[derive(Debug, Parser)]
#[command(
    name = "tina-harness",
    version,
    about = "Run TINA scenarios end to end (simulated or real agents), verify, report",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(flatten)]
    pub home: HomeArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Rebuild the binaries, then run, verify and report each scenario.
    Run(RunArgs),
    /// List the scenarios (and why any does not load).
    List(ListArgs),
    /// Check a scenario's expectations against the store now, without running it.
    Verify(VerifyArgs),
    /// Show the report of an earlier run; exits 0 passed, 1 failed or error, 3 still
    /// running.
    #[command(after_help = EXIT_CODES)]
    Report(ReportArgs),
    /// The simulated agents (spawned by `run`; not for direct use).
    #[command(hide = true)]
    Sim(SimArgs),
    /// Serve a scenario's model scripts (`claude/*.json`) as a local Messages API, for
    /// running Claude Code against it by hand; prints the base URL, runs until killed.
    ModelDouble(ModelDoubleArgs),
}

#[derive(Debug, Args)]
pub struct ModelDoubleArgs {
    /// The folder of agent scripts, e.g. scenarios/01-single-phase/claude.
    #[arg(long, value_name = "DIR")]
    pub scripts: PathBuf,
    /// Append one JSON line per request here.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Print the base URL as JSON (`{"base_url": ...}`).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario folder names, e.g. 01-single-phase (`tina-harness list` shows them).
    #[arg(required_unless_present = "all", value_parser = scenario_name)]
    pub scenarios: Vec<String>,
    /// Run every scenario in the scenarios folder, in name order.
    #[arg(long, conflicts_with = "scenarios")]
    pub all: bool,
    /// Folder holding the scenarios (default: the workspace's scenarios/). The test
    /// project is its test-project/ folder, else the workspace's.
    #[arg(long, value_name = "DIR")]
    pub scenarios_dir: Option<PathBuf>,
    /// Who plays the agents: sim (the scripted simulator, fast) or claude (the real
    /// Claude Code binary with TINA's plugin, against the model double playing the
    /// scenario's `claude/` scripts; needs tmux, and $TINA_CLAUDE_BIN or the binary
    /// scripts/test-all.sh installs). claude waits until the orchestration is complete,
    /// or blocked with no change for $TINA_HARNESS_BLOCKED_TIMEOUT_SECS (default 600), or
    /// the lead's session ends.
    #[arg(long, default_value = "sim", value_parser = ["sim", "claude"])]
    pub runtime: String,
    /// Same as --runtime claude.
    #[arg(long, hide = true)]
    pub full: bool,
    /// Do not rebuild tina-session, tina-daemon and tina-harness first.
    #[arg(long)]
    pub skip_build: bool,
    /// Print the reports as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Keep the project copies and worktrees, and print where they are.
    #[arg(long)]
    pub keep: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Folder holding the scenarios (default: the workspace's scenarios/).
    #[arg(long, value_name = "DIR")]
    pub scenarios_dir: Option<PathBuf>,
    /// Print the scenarios as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Scenario folder name, e.g. 01-single-phase.
    #[arg(value_parser = scenario_name)]
    pub scenario: String,
    /// The run was played by real agents (--runtime claude): do not expect the sim's exact
    /// tasks and members.
    #[arg(long)]
    pub unscripted: bool,
    /// Folder holding the scenarios (default: the workspace's scenarios/).
    #[arg(long, value_name = "DIR")]
    pub scenarios_dir: Option<PathBuf>,
    /// Print the assertions as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run id `run` printed (`run-...`; the folder name under $TINA_HOME/runs/).
    pub run_id: String,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// A scenario name on the command line: the harness's naming rule, checked by clap so
/// a bad one is a usage error before anything runs.
fn scenario_name(name: &str) -> Result<String, String> {
    crate::scenario::validate_scenario_name(name)
        .map(|()| name.to_owned())
        .map_err(|e| e.to_string())
}

/// A command line that parsed but names what is not there (`run all`, a typo): exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

pub fn main() -> ExitCode {
    let cli: Cli = cli_common::parse();
    cli_common::init_tracing("warn");
    let json = match &cli.command {
        Command::Run(a) => a.json,
        Command::List(a) => a.json,
        Command::Verify(a) => a.json,
        Command::Report(a) => a.json,
        Command::ModelDouble(a) => a.json,
        Command::Sim(_) => false,
    };
    let result = cli
        .home
        .load()
        .map_err(anyhow::Error::from)
        .and_then(|config| match cli.command {
            Command::Run(a) => run(&config, a),
            Command::List(a) => list(a),
            Command::Verify(a) => verify_now(&config, a),
            Command::Report(a) => report(&config, a),
            Command::Sim(a) => crate::sim::run(&a).map(|code| ExitCode::from(code as u8)),
            Command::ModelDouble(a) => model_double(a),
        });
    match result {
        Err(e) if e.is::<UsageError>() => {
            let failure = cli_common::Failure {
                kind: cli_common::Kind::Usage,
                message: e.to_string(),
                flag: None,
            };
            cli_common::print_failure(&failure, json);
            ExitCode::from(EXIT_USAGE)
        }
        result => cli_common::finish(result, json),
    }
}

/// The scenarios a `run` names, each one there, or every one with `--all`.
fn scenarios_to_run(a: &RunArgs, dir: &Path) -> anyhow::Result<Vec<String>> {
    if a.all {
        let names: Vec<String> = list_scenarios(dir)?.into_iter().map(|s| s.name).collect();
        if names.is_empty() {
            return Err(UsageError(format!(
                "no scenarios in {} (a scenario is a folder with a scenario.json)",
                dir.display()
            ))
            .into());
        }
        return Ok(names);
    }
    for name in &a.scenarios {
        if !dir.join(name).join("scenario.json").is_file() {
            let hint = if name == "all" {
                "; to run every scenario, use --all"
            } else {
                ""
            };
            return Err(UsageError(format!(
                "no scenario '{name}' in {} (`tina-harness list` shows them){hint}",
                dir.display()
            ))
            .into());
        }
    }
    Ok(a.scenarios.clone())
}

fn print_progress(p: &Progress) {
    eprintln!(
        "[{:>6.1}s] {} {:<8} {}",
        p.elapsed_ms as f64 / 1000.0,
        p.scenario,
        p.stage.to_string(),
        p.message
    );
}

fn run(config: &Config, a: RunArgs) -> anyhow::Result<ExitCode> {
    let scenarios_dir = a
        .scenarios_dir
        .clone()
        .unwrap_or_else(default_scenarios_dir);
    let scenarios = scenarios_to_run(&a, &scenarios_dir)?;
    if !a.skip_build {
        eprintln!("building tina-session, tina-daemon, tina-harness ...");
        let build = crate::rebuild_binaries(config);
        if !build.success {
            anyhow::bail!("rebuild_binaries failed:\n{}", build.log_tail);
        }
        eprintln!(
            "built in {:.1}s{}",
            build.duration_ms as f64 / 1000.0,
            if build.daemon_restarted {
                "; restarted the running daemon"
            } else {
                ""
            }
        );
    }
    // One daemon for the whole command, on the binaries the runs use: started here
    // only if none runs.
    let bins = crate::binaries::Binaries::locate();
    bins.check()?;
    let _daemon = crate::daemon::DaemonGuard::ensure(config, &bins)?;
    let mut reports: Vec<RunReport> = Vec::new();
    for name in &scenarios {
        let opts = RunOptions {
            run_id: new_run_id(),
            scenario: name.clone(),
            scenarios_dir: scenarios_dir.clone(),
            full: a.full || a.runtime == "claude",
            skip_build: true,
            keep: a.keep,
        };
        let report = run_scenario(config, &opts, &print_progress)?;
        if !a.json {
            out!("{}", report.render());
            if let Some(h) = &report.hierarchy {
                out!("\n{}\n", crate::report::safe_lines(h));
            }
        }
        if a.keep {
            print_kept(&report);
        }
        reports.push(report);
    }
    if a.json {
        out!("{}", serde_json::to_string_pretty(&reports)?);
    } else if reports.len() > 1 {
        out!("Summary:");
        for r in &reports {
            out!(
                "  {:<7} {} ({} ms)",
                format!("{:?}", r.status).to_uppercase(),
                tina_session::model::input::display_safe(&r.scenario),
                r.duration_ms
            );
        }
    }
    let all_passed = reports.iter().all(|r| r.status == RunStatus::Passed);
    Ok(if all_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// What `--keep` kept of a run, on stderr (stdout stays the report, or the JSON, which
/// has the worktree as `worktree`).
fn print_kept(report: &RunReport) {
    let project = report.run_dir.join(&report.scenario).join("project");
    let mut kept = Vec::new();
    if project.is_dir() {
        kept.push(format!("project copy {}", project.display()));
    }
    if let Some(worktree) = &report.worktree {
        kept.push(format!(
            "worktree {}",
            tina_session::model::input::display_safe(worktree)
        ));
    }
    if kept.is_empty() {
        eprintln!(
            "kept: nothing ({} stopped before the project was copied)",
            tina_session::model::input::display_safe(&report.scenario)
        );
    } else {
        eprintln!("kept: {}", kept.join(", "));
    }
}

fn model_double(a: ModelDoubleArgs) -> anyhow::Result<ExitCode> {
    let scripts = crate::model_double::script::load_scripts(&a.scripts)?;
    let double = crate::model_double::ModelDouble::start(scripts, a.log)?;
    if a.json {
        let line = serde_json::json!({ "base_url": double.base_url() });
        cli_common::print_line(&line.to_string())?;
    } else {
        cli_common::print_line(&double.base_url().to_string())?;
    }
    loop {
        std::thread::park();
    }
}

fn list(a: ListArgs) -> anyhow::Result<ExitCode> {
    let dir = a.scenarios_dir.unwrap_or_else(default_scenarios_dir);
    let list = list_scenarios(&dir)?;
    if a.json {
        out!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        for s in &list {
            match &s.error {
                None => out!(
                    "{:<24} feature {:<16} {} phase(s)  {}",
                    s.name,
                    s.feature_name.as_deref().unwrap_or("-"),
                    s.total_phases.unwrap_or(0),
                    s.description.as_deref().unwrap_or("")
                ),
                Some(e) => out!("{:<24} INVALID: {e}", s.name),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn verify_now(config: &Config, a: VerifyArgs) -> anyhow::Result<ExitCode> {
    let dir = a.scenarios_dir.unwrap_or_else(default_scenarios_dir);
    let scenario = Scenario::load(&dir, &a.scenario)?;
    let store = config.open_store()?;
    let assertions = verify(
        &*store,
        &scenario,
        &VerifyOptions {
            sync_deadline: Duration::from_secs(5),
            check_worktree: true,
            cargo_target: config.tina_home.join("harness").join("cargo-target"),
            scripted: !a.unscripted,
        },
    )?;
    let passed = assertions.iter().all(|x| x.passed);
    if a.json {
        out!("{}", serde_json::to_string_pretty(&assertions)?);
    } else {
        for x in &assertions {
            out!("{}", crate::report::render_assertion(x, "       "));
        }
    }
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn report(config: &Config, a: ReportArgs) -> anyhow::Result<ExitCode> {
    let r = load_run(config, &a.run_id)?;
    if a.json {
        out!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        out!("{}", r.render());
    }
    Ok(match r.status {
        RunStatus::Passed => ExitCode::SUCCESS,
        RunStatus::Failed | RunStatus::Error => ExitCode::from(1),
        RunStatus::Running => ExitCode::from(EXIT_RUNNING),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_flag_has_help() {
        assert_eq!(
            cli_common::undocumented(&Cli::command()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn run_takes_names_or_all_but_not_both() {
        let parse = |args: &[&str]| Cli::try_parse_from(args.iter().copied());
        assert!(parse(&["tina-harness", "run", "--all"]).is_ok());
        assert!(parse(&["tina-harness", "run", "01-single-phase"]).is_ok());
        for bad in [
            &["tina-harness", "run"][..],
            &["tina-harness", "run", "--all", "01-single-phase"],
            &["tina-harness", "run", "../etc"],
        ] {
            let err = parse(bad).expect_err("a usage error");
            assert_eq!(err.exit_code(), 2, "{bad:?}: {err}");
        }
    }
}
