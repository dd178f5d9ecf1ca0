//! The `tina-harness` CLI. Exit codes: 0 every scenario passed, 1 a scenario failed or
//! errored, 2 the command itself could not run (bad arguments, configuration), 3
//! (`report` only) the run has not finished yet.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use tina_session::Config;
use tina_session::config::Overrides;

use crate::report::{Progress, RunReport, RunStatus};
use crate::run::{RunOptions, default_scenarios_dir, load_run, new_run_id, run_scenario};
use crate::scenario::{Scenario, list_scenarios};
use crate::sim::SimArgs;
use crate::verify::{VerifyOptions, verify};

/// `report` exits with this while the run is still going on.
pub const EXIT_RUNNING: u8 = 3;

const EXIT_CODES: &str = "Exit codes:\n  0  every scenario passed (report: the run passed)\n  \
     1  a scenario failed or errored\n  2  the command could not run (bad arguments, configuration)\n  \
     3  report: the run has not finished yet (still running)";

#[derive(Debug, Parser)]
#[command(
    name = "tina-harness",
    version,
    about = "Run TINA scenarios end to end (simulated or real agents), verify, report",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// TINA state directory (default: $TINA_HOME, else ~/.tina).
    #[arg(long, global = true, value_name = "DIR")]
    pub tina_home: Option<PathBuf>,
    /// Claude Code directory (default: $CLAUDE_HOME, else ~/.claude).
    #[arg(long, global = true, value_name = "DIR")]
    pub claude_home: Option<PathBuf>,
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
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario folder names, e.g. 01-single-phase.
    #[arg(required = true)]
    pub scenarios: Vec<String>,
    /// Folder holding the scenarios (default: the workspace's scenarios/).
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
    /// Keep the project copies and worktrees.
    #[arg(long)]
    pub keep: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long, value_name = "DIR")]
    pub scenarios_dir: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    pub scenario: String,
    /// The run was played by real agents (--runtime claude): do not expect the sim's exact
    /// tasks and members.
    #[arg(long)]
    pub unscripted: bool,
    #[arg(long, value_name = "DIR")]
    pub scenarios_dir: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    pub run_id: String,
    #[arg(long)]
    pub json: bool,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(tina_session::config::default_log_filter("warn"))
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let config = match Config::load(Overrides {
        tina_home: cli.tina_home.clone(),
        claude_home: cli.claude_home.clone(),
        convex_url: None,
        convex_key: None,
    }) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Run(a) => run(&config, a),
        Command::List(a) => list(a),
        Command::Verify(a) => verify_now(&config, a),
        Command::Report(a) => report(&config, a),
        Command::Sim(a) => crate::sim::run(&a).map(|code| ExitCode::from(code as u8)),
        Command::ModelDouble(a) => model_double(a),
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        ExitCode::from(2)
    })
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
    let scenarios_dir = a.scenarios_dir.unwrap_or_else(default_scenarios_dir);
    for name in &a.scenarios {
        crate::scenario::validate_scenario_name(name)?;
    }
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
    let bins = crate::locate::Binaries::locate();
    bins.check()?;
    let _daemon = crate::daemon::DaemonGuard::ensure(config, &bins)?;
    let mut reports: Vec<RunReport> = Vec::new();
    for name in &a.scenarios {
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
            println!("{}", report.render());
            if let Some(h) = &report.hierarchy {
                println!("\n{}\n", crate::report::safe_lines(h));
            }
        }
        reports.push(report);
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else if reports.len() > 1 {
        println!("Summary:");
        for r in &reports {
            println!(
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

fn model_double(a: ModelDoubleArgs) -> anyhow::Result<ExitCode> {
    let scripts = crate::model_double::script::load_scripts(&a.scripts)?;
    let double = crate::model_double::ModelDouble::start(scripts, a.log)?;
    println!("{}", double.base_url());
    loop {
        std::thread::park();
    }
}

fn list(a: ListArgs) -> anyhow::Result<ExitCode> {
    let dir = a.scenarios_dir.unwrap_or_else(default_scenarios_dir);
    let list = list_scenarios(&dir)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        for s in &list {
            match &s.error {
                None => println!(
                    "{:<24} feature {:<16} {} phase(s)  {}",
                    s.name,
                    s.feature_name.as_deref().unwrap_or("-"),
                    s.total_phases.unwrap_or(0),
                    s.description.as_deref().unwrap_or("")
                ),
                Some(e) => println!("{:<24} INVALID: {e}", s.name),
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
        println!("{}", serde_json::to_string_pretty(&assertions)?);
    } else {
        for x in &assertions {
            println!("{}", crate::report::render_assertion(x, "       "));
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
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        println!("{}", r.render());
    }
    Ok(match r.status {
        RunStatus::Passed => ExitCode::SUCCESS,
        RunStatus::Failed | RunStatus::Error => ExitCode::from(1),
        RunStatus::Running => ExitCode::from(EXIT_RUNNING),
    })
}
