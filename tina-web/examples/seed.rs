//! Seeds a TINA store with fixed data, and writes single task events, through the
//! tina-session library: what the browser tests and the render benchmark run before
//! (and while) they look at the real `tina-web` server.
//!
//! ```text
//! cargo run -p tina-web --example seed -- demo  --tina-home DIR
//! cargo run -p tina-web --example seed -- triage --tina-home DIR
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
    /// The mixed set of `tina_web::fixture::triage` (blocked, stale, busy, complete), its
    /// times made to read as if it happened over the last days (SQLite only).
    Triage,
    /// An orchestration with exactly `--tasks` current tasks.
    Bulk {
        /// Task times in the last hour instead of fixed 1970 times.
        #[arg(long)]
        recent: bool,
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
        Command::Triage => {
            let plan = tina_web::fixture::triage::seed_triage(&*store, now_ms())?;
            backdate(&config.tina_home.join("tina.db"), &plan)?;
            serde_json::to_value(plan)?
        }
        Command::Bulk {
            tasks,
            phases,
            feature,
            recent,
        } => {
            let base = if recent { now_ms() - 3_600_000 } else { 0 };
            serde_json::to_value(tina_web::fixture::seed_bulk_at(
                &*store, &feature, phases, tasks, base,
            )?)?
        }
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

/// Rewrites the times of the triage orchestrations in the SQLite file: each phase history
/// entry gets its planned time, and the phase and orchestration timestamps follow from it.
fn backdate(
    db: &std::path::Path,
    plan: &[tina_web::fixture::triage::Backdate],
) -> anyhow::Result<()> {
    let mut conn = rusqlite::Connection::open(db)
        .with_context(|| format!("cannot open {} to backdate (SQLite only)", db.display()))?;
    let tx = conn.transaction()?;
    for b in plan {
        let id = b.orchestration_id.as_str();
        let rows: Vec<i64> = tx
            .prepare("SELECT id FROM phase_history WHERE orchestration_id = ?1 ORDER BY id")?
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        anyhow::ensure!(
            rows.len() == b.history_at.len(),
            "{}: {} phase history entries, the plan has {}",
            b.feature_name,
            rows.len(),
            b.history_at.len()
        );
        for (row, at) in rows.iter().zip(&b.history_at) {
            tx.execute(
                "UPDATE phase_history SET at = ?2 WHERE id = ?1",
                rusqlite::params![row, at],
            )?;
        }
        tx.execute(
            "UPDATE phases SET \
               started_at = (SELECT MIN(at) FROM phase_history h WHERE h.orchestration_id = phases.orchestration_id \
                             AND h.phase_number = phases.phase_number AND h.status = 'executing'), \
               completed_at = (SELECT MAX(at) FROM phase_history h WHERE h.orchestration_id = phases.orchestration_id \
                             AND h.phase_number = phases.phase_number AND h.status = 'complete'), \
               updated_at = (SELECT MAX(at) FROM phase_history h WHERE h.orchestration_id = phases.orchestration_id \
                             AND h.phase_number = phases.phase_number) \
             WHERE orchestration_id = ?1",
            [id],
        )?;
        tx.execute(
            "UPDATE orchestrations SET started_at = ?2, completed_at = ?3, \
               updated_at = (SELECT MAX(at) FROM phase_history WHERE orchestration_id = ?1) WHERE id = ?1",
            rusqlite::params![id, b.started_at, b.completed_at],
        )?;
    }
    tx.commit()?;
    Ok(())
}
