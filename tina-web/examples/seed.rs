//! Seeds a TINA store with fixed data, and writes single task events, through the
//! tina-session library: what the browser tests and the render benchmark run before
//! (and while) they look at the real `tina-web` server.
//!
//! ```text
//! cargo run -p tina-web --example seed -- demo  --tina-home DIR
//! cargo run -p tina-web --example seed -- bulk  --tina-home DIR --tasks 2000 --phases 4
//! cargo run -p tina-web --example seed -- event --tina-home DIR --team verbose-flag-phase-2 \
//!     --task 11 --status in_progress --subject "Late task" --owner implementer
//! ```
//! Each prints what it created as JSON on stdout.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tina_session::config::{Config, Overrides};
use tina_session::{NewTaskEvent, TaskStatus, now_ms};

#[derive(Debug, Parser)]
struct Cli {
    /// TINA state directory (overrides TINA_HOME).
    #[arg(long, global = true, value_name = "DIR")]
    tina_home: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The two-phase `verbose-flag` orchestration of `tina_web::fixture::seed_demo`.
    Demo,
    /// An orchestration with exactly `--tasks` current tasks.
    Bulk {
        #[arg(long, default_value_t = 2000)]
        tasks: usize,
        #[arg(long, default_value_t = 4)]
        phases: u32,
        #[arg(long, default_value = "perf-2000")]
        feature: String,
    },
    /// Records one task event (now) for the team with this exact name.
    Event {
        #[arg(long)]
        team: String,
        #[arg(long)]
        task: String,
        #[arg(long)]
        status: String,
        #[arg(long)]
        subject: String,
        #[arg(long)]
        owner: Option<String>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(Overrides {
        tina_home: cli.tina_home,
        ..Overrides::default()
    })?;
    let store = config.open_store().context("cannot open the store")?;
    let out = match cli.command {
        Command::Demo => serde_json::to_value(tina_web::fixture::seed_demo(&*store)?)?,
        Command::Bulk {
            tasks,
            phases,
            feature,
        } => serde_json::to_value(tina_web::fixture::seed_bulk(
            &*store, &feature, phases, tasks,
        )?)?,
        Command::Event {
            team,
            task,
            status,
            subject,
            owner,
        } => {
            let team = store.get_team_by_name(&team)?;
            let summary = store.record_task_event(&NewTaskEvent {
                team_id: team.id,
                task_id: task,
                subject,
                description: String::new(),
                active_form: None,
                status: TaskStatus::parse(&status),
                owner,
                blocked_by: vec![],
                metadata: serde_json::json!({}),
                recorded_at: now_ms(),
                sequence: 1,
            })?;
            serde_json::to_value(summary)?
        }
    };
    println!("{out}");
    Ok(())
}
