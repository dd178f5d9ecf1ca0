//! `tina-session list`: every orchestration, newest first.

use std::process::ExitCode;

use clap::Args;

use super::{Context, or_dash, safe};

#[derive(Debug, Args)]
pub struct ListArgs {}

pub fn run(_args: ListArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let all = store.list_orchestrations()?;
    ctx.emit(&all, || {
        if all.is_empty() {
            return "No orchestrations. Start one with `tina-session init`.".into();
        }
        let mut s = format!(
            "{:<30} {:<10} {:>7}  {}\n",
            "FEATURE", "STATUS", "PHASE", "ID"
        );
        for o in &all {
            s.push_str(&format!(
                "{:<30} {:<10} {:>7}  {}\n",
                safe(&o.feature_name),
                o.status,
                format!("{}/{}", or_dash(o.current_phase), o.total_phases),
                o.id
            ));
        }
        s.trim_end().to_owned()
    })?;
    Ok(ExitCode::SUCCESS)
}
