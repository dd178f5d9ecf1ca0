//! `tina-session advance`: apply a state-machine event to a phase.

use std::process::ExitCode;

use clap::Args;

use super::{Context, safe};
use crate::lifecycle::{self, PhaseEvent};

#[derive(Debug, Args)]
pub struct AdvanceArgs {
    /// Exact feature name of the orchestration.
    #[arg(long)]
    pub feature: String,
    /// Phase number.
    #[arg(long)]
    pub phase: u32,
    /// One of: plan, execute, review, complete, block, resume.
    #[arg(long)]
    pub event: PhaseEvent,
    /// Why the phase is blocked (required with `block`).
    #[arg(long)]
    pub reason: Option<String>,
}

pub fn run(args: AdvanceArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let out = lifecycle::advance(&*store, &args.feature, args.phase, args.event, args.reason)?;
    ctx.emit(&out, || {
        let mut s = format!(
            "Phase {} of '{}': {} -> {}; orchestration is {}",
            out.phase_number,
            safe(&out.feature_name),
            out.previous_status
                .map_or("not started".to_owned(), |s| s.to_string()),
            out.phase_status,
            out.orchestration_status
        );
        if let Some(r) = &out.blocked_reason {
            s.push_str(&format!("\n  blocked: {}", safe(r)));
        }
        s
    })?;
    Ok(ExitCode::SUCCESS)
}
