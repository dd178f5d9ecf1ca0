//! The `tina-session` CLI: one file per subcommand, each an `Args` struct and a `run`.
//!
//! Output is human-readable by default and JSON with `--json`; exit codes and errors
//! (JSON on stderr under `--json`) follow the rule every TINA binary shares
//! ([`crate::cli_common`]): 0 success, 1 the command failed (refused, not found, ...),
//! 2 usage error.

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
mod table;
mod tasks;
mod words;

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use crate::cli_common::{HomeArgs, Kind};
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
    /// Print machine-readable JSON instead of text (errors too, as JSON on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(flatten)]
    pub home: HomeArgs,
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
    let cli: Cli = crate::cli_common::parse();
    let overrides = cli.global.home.overrides();
    // The hook logs to its own file and exits 0 whatever happens, config errors included.
    let command = match cli.command {
        Command::Hook(args) => return hook::main(args, overrides),
        command => command,
    };
    crate::cli_common::init_tracing("warn");
    let json = cli.global.json;
    let result = Config::load(overrides)
        .map_err(anyhow::Error::from)
        .and_then(|config| run(command, &Context { config, json }));
    crate::cli_common::finish_with(result, json, |e, failure| {
        // The CLI's wording (its flags and commands, cli/words.rs); a line that starts
        // with the flag to blame names it apart under --json.
        let text = words::message(e);
        match text.split_once(": ") {
            Some((flag, rest)) if flag.starts_with("--") && !flag.contains(' ') => {
                failure.kind = Kind::InvalidInput;
                failure.flag = Some(flag.to_owned());
                failure.message = rest.to_owned();
            }
            _ => failure.message = text,
        }
    })
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

/// Agent-provided text as human output shows it: control and bidi characters escaped
/// ([`crate::model::input::display_safe`]). JSON output never goes through this.
pub(crate) fn safe(text: &str) -> std::borrow::Cow<'_, str> {
    crate::model::input::display_safe(text)
}

/// Formats an optional value for human output.
pub(crate) fn or_dash<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}
