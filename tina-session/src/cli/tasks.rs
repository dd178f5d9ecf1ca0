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
    /// Only tasks of phase teams with this phase number (1 or more).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub phase: Option<u32>,
    /// Only tasks of the team with this exact name.
    #[arg(long, value_name = "NAME")]
    pub team: Option<String>,
    /// Only tasks with this status: pending, in_progress or completed (a status the
    /// source reported that TINA does not know shows as it was written; name it exactly).
    #[arg(long, value_parser = parse_status)]
    pub status: Option<String>,
}

/// `--status`: a typo of a known status (`in-progress`, `Completed`) or a value no task
/// could have (empty, spaces, punctuation) is a usage error instead of an empty list.
/// Another plain word passes: sources may report statuses TINA does not know, and those
/// tasks stay visible and filterable.
fn parse_status(value: &str) -> Result<String, String> {
    const KNOWN: [&str; 3] = ["pending", "in_progress", "completed"];
    if KNOWN.contains(&value) {
        return Ok(value.to_owned());
    }
    let near = value.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    if KNOWN.contains(&near.as_str()) {
        return Err(format!(
            "unknown status {}; did you mean {near}?",
            crate::model::input::quote(value)
        ));
    }
    let plain_word = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain_word {
        return Ok(value.to_owned());
    }
    Err(format!(
        "unknown status {}; expected pending, in_progress, completed (or another status \
         word a source reported)",
        crate::model::input::quote(value)
    ))
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
