//! The `tina-session` CLI: one file per subcommand, each an `Args` struct and a `run`.
//!
//! Output is human-readable by default and JSON with `--json`. Exit codes: 0 success,
//! 1 the command failed (refused, not found, ...), 2 usage error (from clap).

mod advance;
mod budget;
mod cleanup;
mod daemon;
mod db;
pub mod hierarchy;
pub mod hook;
mod init;
mod launch_args;
mod list;
mod register_team;
mod start;
mod status;
mod tasks;
mod words;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use crate::config::{Config, Overrides};
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "tina-session",
    version,
    about = "Drive TINA orchestrations: init, start phases, advance, inspect"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand accepts.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// TINA state directory (default: $TINA_HOME, else ~/.tina).
    #[arg(long, global = true, value_name = "DIR")]
    pub tina_home: Option<PathBuf>,
    /// Claude Code directory (default: $CLAUDE_HOME, else ~/.claude).
    #[arg(long, global = true, value_name = "DIR")]
    pub claude_home: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an orchestration, its worktree and its orchestrator team.
    Init(init::InitArgs),
    /// Register a phase team under its parent team and launch its runtime.
    Start(start::StartArgs),
    /// Register (upsert) a team by exact name.
    RegisterTeam(register_team::RegisterTeamArgs),
    /// Move a phase through planning, executing, reviewing, complete or blocked.
    Advance(advance::AdvanceArgs),
    /// Show one orchestration with its phases and task counts.
    Status(status::StatusArgs),
    /// List orchestrations.
    List(list::ListArgs),
    /// Show current tasks, optionally filtered.
    Tasks(tasks::TasksArgs),
    /// Show the team tree: orchestrator team, phase teams, members, task counts.
    Hierarchy(hierarchy::HierarchyArgs),
    /// Remove every record of a feature (and its worktree with --worktree).
    Cleanup(cleanup::CleanupArgs),
    /// Start, stop or inspect the background sync daemon (tina-daemon).
    Daemon(daemon::DaemonArgs),
    /// Set, change or remove the spending limit of an orchestration or a phase.
    Budget(budget::BudgetArgs),
    /// Check the SQLite store for damage, or rebuild a copy of a damaged one.
    Db(db::DbArgs),
    /// Record one Claude Code hook payload from stdin (for the plugin's hooks.json);
    /// always exits 0, logs to $TINA_HOME/logs/hook.log.
    Hook(hook::HookArgs),
}

/// What a command needs from its surroundings.
pub struct Context {
    pub config: Config,
    pub json: bool,
}

impl Context {
    /// The store, checked first when it is the local SQLite file (`PRAGMA quick_check`):
    /// a damaged file fails every command, naming the file and `db recover`, instead of
    /// answering from the parts that still read.
    pub fn store(&self) -> anyhow::Result<Arc<dyn Store>> {
        self.checked(self.config.open_store()?)
    }

    /// [`Self::store`] for `init`, which may create a new store where one was deleted.
    pub fn store_for_init(&self) -> anyhow::Result<Arc<dyn Store>> {
        self.checked(self.config.open_store_for_init()?)
    }

    fn checked(&self, store: Arc<dyn Store>) -> anyhow::Result<Arc<dyn Store>> {
        if self.config.convex_url.is_none() {
            db::refuse_if_damaged(&self.config.db_path())?;
        }
        Ok(store)
    }

    /// Prints `value` as JSON with `--json`, else the human text.
    pub fn emit<T: Serialize>(
        &self,
        value: &T,
        human: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        use std::io::Write;
        let text = if self.json {
            serde_json::to_string_pretty(value)?
        } else {
            human()
        };
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}")?;
        out.flush()?;
        Ok(())
    }
}

/// Parses arguments, runs the command and maps failures to exit code 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let overrides = Overrides {
        tina_home: cli.global.tina_home.clone(),
        claude_home: cli.global.claude_home.clone(),
        convex_url: None,
        convex_key: None,
    };
    // The hook logs to its own file and exits 0 whatever happens, config errors included.
    let command = match cli.command {
        Command::Hook(args) => return hook::main(args, overrides),
        command => command,
    };
    init_logging();
    let result = Config::load(overrides)
        .map_err(anyhow::Error::from)
        .and_then(|config| {
            let ctx = Context {
                config,
                json: cli.global.json,
            };
            run(command, &ctx)
        });
    match result {
        Ok(code) => code,
        // The reader went away (`tina-session list | head -1`): not a failure.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", words::message(&e));
            ExitCode::from(1)
        }
    }
}

fn run(command: Command, ctx: &Context) -> anyhow::Result<ExitCode> {
    match command {
        Command::Init(a) => init::run(a, ctx),
        Command::Start(a) => start::run(a, ctx),
        Command::RegisterTeam(a) => register_team::run(a, ctx),
        Command::Advance(a) => advance::run(a, ctx),
        Command::Status(a) => status::run(a, ctx),
        Command::List(a) => list::run(a, ctx),
        Command::Tasks(a) => tasks::run(a, ctx),
        Command::Hierarchy(a) => hierarchy::run(a, ctx),
        Command::Cleanup(a) => cleanup::run(a, ctx),
        Command::Daemon(a) => daemon::run(a, ctx),
        Command::Budget(a) => budget::run(a, ctx),
        Command::Db(a) => db::run(a, ctx),
        // Dispatched in `main` before any configuration is loaded.
        Command::Hook(a) => Ok(hook::main(a, Overrides::default())),
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(crate::config::default_log_filter("warn"))
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Agent-provided text as human output shows it: control and bidi characters escaped
/// ([`crate::model::input::display_safe`]). JSON output never goes through this.
pub(crate) fn safe(text: &str) -> std::borrow::Cow<'_, str> {
    crate::model::input::display_safe(text)
}

/// Formats an optional value for human output.
pub(crate) fn or_dash<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}
