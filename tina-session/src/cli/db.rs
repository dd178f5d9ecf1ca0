//! `tina-session db check|recover`: is the SQLite store sound, and rebuild a copy of a
//! damaged one.
//!
//! `check` exits 1 when SQLite finds damage. `recover` writes a *new* file from whatever
//! is readable (SQLite's `.recover` when the `sqlite3` command is installed, else
//! `VACUUM INTO` or a row-by-row copy); the damaged file is never modified. Putting the
//! copy in place is left to a person: stop the daemon, move the damaged file aside,
//! move the copy to `tina.db`, start the daemon.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde::Serialize;

use super::Context;
use crate::store::sqlite::recover;

#[derive(Debug, Args)]
pub struct DbArgs {
    #[command(subcommand)]
    pub action: DbAction,
}

#[derive(Debug, Subcommand)]
pub enum DbAction {
    /// Check the store file for damage (PRAGMA quick_check; --full: integrity_check).
    Check {
        /// Run the slower, more thorough integrity_check.
        #[arg(long)]
        full: bool,
    },
    /// Rebuild a new file from what is readable in a damaged store (the original is kept).
    Recover {
        /// Where to write the copy (default: tina-recovered-<ms>.db beside the store).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Serialize)]
struct CheckOutput {
    path: PathBuf,
    ok: bool,
    problems: Vec<String>,
}

pub fn run(args: DbArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    if ctx.config.convex_url.is_some() {
        anyhow::bail!(
            "the store is Convex (TINA_CONVEX_URL is set); `db check` and `db recover` \
             work on the local SQLite file only"
        );
    }
    let path = ctx.config.db_path();
    match args.action {
        DbAction::Check { full } => {
            let problems = recover::check_file(&path, full)?;
            let out = CheckOutput {
                path: path.clone(),
                ok: problems.is_empty(),
                problems,
            };
            ctx.emit(&out, || describe_check(&out))?;
            Ok(if out.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        DbAction::Recover { output } => {
            let output = output.unwrap_or_else(|| recover::default_output(&path));
            let done = recover::recover(&path, &output)
                .with_context(|| format!("cannot recover {}", path.display()))?;
            ctx.emit(&done, || describe_recovery(&done))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Fails with the file and the recovery command when the store file is damaged.
///
/// `PRAGMA quick_check` reads the whole file (about 2 ms per MB here), so a successful
/// check is remembered in `tina.db.checked` with the file's identity, size and
/// modification time; while those are unchanged the check is not repeated. The main
/// file changes only at WAL checkpoints, so frequent commands (hooks) rarely pay for it,
/// and damage written into the file changes its time stamp and is checked.
pub(super) fn refuse_if_damaged(path: &Path) -> anyhow::Result<()> {
    let Some(stamp) = stamp(path) else {
        return Ok(());
    };
    let checked = checked_path(path);
    if std::fs::read_to_string(&checked).is_ok_and(|s| s == stamp) {
        return Ok(());
    }
    let problems = recover::check_file(path, false)?;
    if let Some(first) = problems.first() {
        let _ = std::fs::remove_file(&checked);
        anyhow::bail!(
            "database {} is damaged ({}{}); nothing was read or written. Run \
             `tina-session db check` for details and `tina-session db recover` to rebuild \
             a copy from what is readable (the original is kept)",
            path.display(),
            first,
            match problems.len() {
                1 => String::new(),
                n => format!(", and {} more problems", n - 1),
            }
        );
    }
    // Only a cache: failing to write it costs a check next time.
    let _ = std::fs::write(&checked, stamp);
    Ok(())
}

/// `<db>.checked`.
fn checked_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".checked");
    PathBuf::from(name)
}

/// The file's identity, size and modification time; `None` when there is no file.
fn stamp(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some(format!(
        "{}:{}:{}:{}.{}",
        m.dev(),
        m.ino(),
        m.len(),
        m.mtime(),
        m.mtime_nsec()
    ))
}

fn describe_check(out: &CheckOutput) -> String {
    if out.ok {
        return format!("{}: ok", out.path.display());
    }
    let mut text = format!(
        "{}: damaged ({} problems found)\n",
        out.path.display(),
        out.problems.len()
    );
    for p in out.problems.iter().take(20) {
        text.push_str(&format!("  {}\n", crate::model::input::display_safe(p)));
    }
    text.push_str("rebuild a copy with `tina-session db recover` (the original is kept)");
    text
}

fn describe_recovery(r: &recover::Recovery) -> String {
    let mut text = format!(
        "recovered {} into {} ({})\n",
        r.source.display(),
        r.output.display(),
        crate::cli_common::wire_name(&r.method)
    );
    for (table, rows) in &r.tables {
        text.push_str(&format!("  {table}: {rows} rows\n"));
    }
    if !r.remaining_problems.is_empty() {
        text.push_str(&format!(
            "  the copy still has {} problems: {}\n",
            r.remaining_problems.len(),
            r.remaining_problems.join("; ")
        ));
    }
    text.push_str(&format!(
        "to use it: `tina-session daemon stop`, move {} aside, move {} to {}, \
         `tina-session daemon start`",
        r.source.display(),
        r.output.display(),
        r.source.display()
    ));
    text
}
