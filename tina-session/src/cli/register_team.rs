//! `tina-session register-team`: upsert a team by exact name.

use std::process::ExitCode;

use clap::Args;

use super::{Context, or_dash, safe};
use crate::lifecycle::{self, RegisterTeamRequest};
use crate::model::TeamId;

#[derive(Debug, Args)]
pub struct RegisterTeamArgs {
    /// The orchestration the team belongs to: its id or exact feature name.
    #[arg(long, value_name = "ID")]
    pub orchestration_id: String,
    /// Exact team name.
    #[arg(long, value_name = "NAME")]
    pub team: String,
    /// Phase the team executes (omit for the orchestrator team).
    #[arg(long)]
    pub phase_number: Option<u32>,
    /// Id of the parent team (omit for the orchestrator team; a phase team without one
    /// gets the orchestrator team).
    #[arg(long, value_name = "TEAM_ID")]
    pub parent_team_id: Option<String>,
    /// Claude Code session id of the team lead.
    #[arg(long)]
    pub lead_session_id: Option<String>,
}

pub fn run(args: RegisterTeamArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let team = lifecycle::register_team(
        &*store,
        &RegisterTeamRequest {
            orchestration: args.orchestration_id,
            team_name: args.team,
            parent_team_id: args.parent_team_id.map(TeamId::from),
            phase_number: args.phase_number,
            lead_session_id: args.lead_session_id,
        },
    )?;
    ctx.emit(&team, || {
        format!(
            "Registered team {} ({})\n  phase: {}\n  parent team id: {}",
            safe(&team.team_name),
            team.id,
            or_dash(team.phase_number),
            or_dash(team.parent_team_id.as_ref())
        )
    })?;
    Ok(ExitCode::SUCCESS)
}
