//! `tina-session tasks`: current tasks of an orchestration, filtered.

use std::process::ExitCode;

use clap::Args;

use super::{Context, or_dash, safe};
use crate::lifecycle::resolve_orchestration;
use crate::views::{TaskFilter, filter_tasks};

#[derive(Debug, Args)]
pub struct TasksArgs {
    /// Exact feature name (or orchestration id).
    #[arg(long)]
    pub feature: String,
    /// Only tasks of phase teams with this phase number.
    #[arg(long)]
    pub phase: Option<u32>,
    /// Only tasks of the team with this exact name.
    #[arg(long, value_name = "NAME")]
    pub team: Option<String>,
    /// Only tasks with this exact status.
    #[arg(long)]
    pub status: Option<String>,
}

pub fn run(args: TasksArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let orch = resolve_orchestration(&*store, &args.feature)?;
    let filter = TaskFilter {
        phase: args.phase,
        team: args.team,
        status: args.status,
    };
    let tasks = filter_tasks(&*store, &orch, &filter)?;
    ctx.emit(&tasks, || {
        if tasks.is_empty() {
            return format!("No tasks match in '{}'.", safe(&orch.feature_name));
        }
        tasks
            .iter()
            .map(|t| {
                format!(
                    "{:<28} #{:<4} [{}] {} ({})",
                    safe(&t.team_name),
                    safe(&t.task_id),
                    safe(t.status.as_str()),
                    safe(&t.subject),
                    safe(&or_dash(t.owner.as_ref()))
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    Ok(ExitCode::SUCCESS)
}
