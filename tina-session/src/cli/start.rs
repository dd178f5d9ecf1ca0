//! `tina-session start`: register a phase team under its parent and launch it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::launch_args::LaunchArgs;
use super::{Context, safe};
use crate::lifecycle::{self, Runtime, StartRequest};
use crate::model::TeamId;

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Exact feature name of the orchestration.
    #[arg(long)]
    pub feature: String,
    /// Phase number, 1..=total phases.
    #[arg(long)]
    pub phase: u32,
    /// The phase plan the team executes.
    #[arg(long, value_name = "PATH")]
    pub plan: PathBuf,
    /// Id of the parent team (the orchestrator team id printed by `init`).
    /// Default: the orchestration's orchestrator team.
    #[arg(long, value_name = "TEAM_ID")]
    pub parent_team_id: Option<String>,
    /// Who plays the agents: claude (tmux + Claude Code), sim (the harness), none.
    #[arg(long, default_value = "claude")]
    pub runtime: Runtime,
    /// Spending limit for this phase, in US dollars (see `budget`).
    #[arg(long, value_name = "USD", value_parser = crate::attention::budget::parse_usd)]
    pub budget_usd: Option<f64>,
    #[command(flatten)]
    pub launch: LaunchArgs,
}

pub fn run(args: StartArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    // Set before the team is launched, so its first task is already governed.
    if let Some(usd) = args.budget_usd {
        let orch = lifecycle::resolve_orchestration(&*store, &args.feature)?;
        lifecycle::check_phase(&orch, args.phase)?;
        crate::attention::set_budget(&*store, orch.id.as_str(), Some(args.phase), Some(usd))?;
    }
    let launcher = match args.runtime {
        Runtime::Claude => Some(args.launch.launcher(&ctx.config)?),
        Runtime::Sim | Runtime::None => None,
    };
    let out = lifecycle::start_with(
        &*store,
        &StartRequest {
            orchestration: args.feature,
            phase: args.phase,
            plan: args.plan,
            parent_team_id: args.parent_team_id.map(TeamId::from),
            runtime: args.runtime,
        },
        launcher.as_ref(),
    )?;
    ctx.emit(&out, || {
        let mut s = format!(
            "Started phase {} with team {} ({})\n  parent team id: {}\n  runtime:        {}",
            out.phase_number,
            safe(&out.team_name),
            out.team_id,
            out.parent_team_id,
            crate::cli_common::wire_name(&out.runtime)
        );
        if let Some(id) = &out.lead_session_id {
            s.push_str(&format!("\n  lead session:   {id}"));
        }
        if let Some(t) = out.tmux_session.as_deref().map(safe) {
            s.push_str(&format!(
                "\n  tmux session:   {t}\n\nWatch the lead with:\n  {}",
                lifecycle::launch::attach_hint(&t)
            ));
        }
        s
    })?;
    Ok(ExitCode::SUCCESS)
}
