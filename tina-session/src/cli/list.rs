//! `tina-session list`: every orchestration, newest first, in aligned columns.

use std::process::ExitCode;

use clap::Args;

use super::table::{Align, Table};
use super::{Context, or_dash};

#[derive(Debug, Args)]
pub struct ListArgs {}

pub fn run(_args: ListArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let all = store.list_orchestrations()?;
    ctx.emit(&all, || {
        if all.is_empty() {
            return "No orchestrations. Start one with `tina-session init`.".into();
        }
        let mut table = Table::new(&[
            ("FEATURE", Align::Left),
            ("STATUS", Align::Left),
            ("PHASE", Align::Right),
            ("ID", Align::Left),
        ]);
        for o in &all {
            table.row([
                o.feature_name.clone(),
                o.status.to_string(),
                format!("{}/{}", or_dash(o.current_phase), o.total_phases),
                o.id.to_string(),
            ]);
        }
        table.render()
    })?;
    Ok(ExitCode::SUCCESS)
}
