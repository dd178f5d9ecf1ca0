//! `tina-session budget`: set, change or remove the spending limit of an orchestration or
//! one of its phases. Raising a budget resumes a phase TINA blocked for exceeding it.

use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::Context;
use crate::attention::budget::{parse_usd, set_budget};
use crate::attention::summary::{BudgetStatus, usage_view};

#[derive(Debug, Args)]
pub struct BudgetArgs {
    /// Exact feature name (or orchestration id).
    #[arg(long)]
    pub feature: String,
    /// The phase whose budget to set; without it, the whole orchestration's.
    #[arg(long)]
    pub phase: Option<u32>,
    /// The budget in US dollars (for example 25 or 12.50).
    #[arg(long, value_name = "USD", value_parser = parse_usd, required_unless_present = "remove")]
    pub usd: Option<f64>,
    /// Remove the budget instead.
    #[arg(long, conflicts_with = "usd")]
    pub remove: bool,
}

#[derive(Serialize)]
struct BudgetOut {
    feature_name: String,
    phase_number: Option<u32>,
    budget: Option<BudgetStatus>,
    blocked_phases: Vec<u32>,
    resumed_phases: Vec<u32>,
}

pub fn run(args: BudgetArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let usd = if args.remove { None } else { args.usd };
    let (orch, done) = set_budget(&*store, &args.feature, args.phase, usd)?;
    let view = usage_view(&*store, &orch.id)?;
    let out = BudgetOut {
        feature_name: orch.feature_name.clone(),
        phase_number: args.phase,
        budget: view.budget(args.phase).cloned(),
        blocked_phases: done.blocked,
        resumed_phases: done.resumed,
    };
    ctx.emit(&out, || {
        let scope = match out.phase_number {
            Some(p) => format!("phase {p} of '{}'", out.feature_name),
            None => format!("'{}'", out.feature_name),
        };
        let mut s = match &out.budget {
            Some(b) => format!(
                "Budget of {scope}: ${:.2} (${:.2} spent, {} %)",
                b.budget_usd, b.spent_usd, b.percent
            ),
            None => format!("Budget of {scope} removed"),
        };
        for p in &out.blocked_phases {
            s.push_str(&format!("\n  phase {p} blocked: budget exceeded"));
        }
        for p in &out.resumed_phases {
            s.push_str(&format!("\n  phase {p} resumed"));
        }
        s
    })?;
    Ok(ExitCode::SUCCESS)
}
