//! `tina-session db check` and `db recover`: find out whether the store file is sound, and
//! rebuild a new file from whatever is readable in a damaged one.
//!
//! Recovery never writes to the damaged file and never overwrites anything: it creates a
//! new file (by default `tina-recovered-<ms>.db` beside the original) that a person puts
//! in place once they have looked at it. It uses, in order:
//! 1. SQLite's own recovery, the `sqlite3` command's `.recover` (when `sqlite3` is on
//!    `PATH`), which reads every page it can, including rows of damaged b-trees;
//! 2. otherwise `VACUUM INTO`, which succeeds when the damage is in free pages only;
//! 3. otherwise a copy table by table, row by row, that skips the ranges it cannot read.
//!
//! Rows `.recover` could not place (their table's root page was lost) are kept in its
//! `lost_and_found` table of the new file, for a person to look at.
//!
//! The result is opened as a store (migrated to this build's schema) and checked; current
//! task state is then rebuilt from the recovered events wherever an event is newer than
//! the recovered current row (or that row was lost).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rusqlite::{Connection, OpenFlags, params};
use serde::Serialize;

use super::rows::corrupt_or_backend;
use super::{MIGRATIONS, open};
use crate::store::StoreError;

/// How a recovery read the damaged file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// `sqlite3 <file> .recover`.
    Sqlite3Recover,
    /// `VACUUM INTO`.
    VacuumInto,
    /// Table by table, row by row, skipping unreadable ranges.
    RowCopy,
}

/// What a recovery produced.
#[derive(Debug, Clone, Serialize)]
pub struct Recovery {
    pub source: PathBuf,
    pub output: PathBuf,
    pub method: Method,
    /// Rows per table in the new file.
    pub tables: Vec<(String, i64)>,
    /// Problems `integrity_check` still finds in the new file (expected: none).
    pub remaining_problems: Vec<String>,
}

/// Why a recovery could not be done.
#[derive(Debug, thiserror::Error)]
pub enum RecoverError {
    #[error("{0} does not exist; nothing to recover")]
    NoSource(PathBuf),
    #[error("{0} already exists; choose another --output (recovery never overwrites)")]
    OutputExists(PathBuf),
    #[error("recovery into {output} failed: {detail}")]
    Failed { output: PathBuf, detail: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks the file at `path` read-only (no creation, no migration): the problems found,
/// empty when sound. A file SQLite cannot read at all is reported as one problem.
pub fn check_file(path: &Path, thorough: bool) -> Result<Vec<String>, StoreError> {
    if !path.exists() {
        return Err(StoreError::backend(format!(
            "{} does not exist",
            path.display()
        )));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| corrupt_or_backend(path, e))?;
    match open::check(&conn, path, thorough) {
        Ok(problems) => Ok(problems),
        Err(StoreError::Corrupt { detail, .. }) => Ok(vec![detail]),
        Err(e) => Err(e),
    }
}

/// The default name of a recovered copy of `source`.
pub fn default_output(source: &Path) -> PathBuf {
    let dir = source.parent().unwrap_or(Path::new("."));
    dir.join(format!("tina-recovered-{}.db", crate::model::now_ms()))
}

/// Rebuilds what is readable in `source` into the new file `output`.
pub fn recover(source: &Path, output: &Path) -> Result<Recovery, RecoverError> {
    if !source.exists() {
        return Err(RecoverError::NoSource(source.to_owned()));
    }
    if output.exists() {
        return Err(RecoverError::OutputExists(output.to_owned()));
    }
    let failed = |detail: String| RecoverError::Failed {
        output: output.to_owned(),
        detail,
    };
    let method = if sqlite3_recover(source, output).is_ok() {
        Method::Sqlite3Recover
    } else {
        let _ = std::fs::remove_file(output);
        if vacuum_into(source, output).is_ok() {
            Method::VacuumInto
        } else {
            let _ = std::fs::remove_file(output);
            row_copy(source, output).map_err(|e| failed(e.to_string()))?;
            Method::RowCopy
        }
    };
    let mut conn = Connection::open(output).map_err(|e| failed(e.to_string()))?;
    // `.recover` keeps the schema version; a copy made by hand has it set already.
    open::migrate(&mut conn, output, MIGRATIONS)?;
    rebuild_current(&conn).map_err(|e| failed(e.to_string()))?;
    let remaining_problems = open::check(&conn, output, true)?;
    let mut tables = Vec::new();
    for table in table_names(&conn, "main").map_err(|e| failed(e.to_string()))? {
        let n: i64 = conn
            .query_row(&format!("SELECT COUNT(*) FROM \"{table}\""), [], |r| {
                r.get(0)
            })
            .map_err(|e| failed(e.to_string()))?;
        tables.push((table, n));
    }
    Ok(Recovery {
        source: source.to_owned(),
        output: output.to_owned(),
        method,
        tables,
        remaining_problems,
    })
}

fn sqlite3_recover(source: &Path, output: &Path) -> Result<(), String> {
    let dump = Command::new("sqlite3")
        .arg("-readonly")
        .arg(source)
        .arg(".recover")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run sqlite3: {e}"))?;
    if !dump.status.success() || dump.stdout.is_empty() {
        return Err(String::from_utf8_lossy(&dump.stderr).into_owned());
    }
    let mut load = Command::new("sqlite3")
        .arg(output)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run sqlite3: {e}"))?;
    if let Some(mut stdin) = load.stdin.take() {
        use std::io::Write;
        stdin
            .write_all(&dump.stdout)
            .map_err(|e| format!("cannot feed sqlite3: {e}"))?;
    }
    let out = load
        .wait_with_output()
        .map_err(|e| format!("sqlite3: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(())
}

fn vacuum_into(source: &Path, output: &Path) -> rusqlite::Result<()> {
    let conn = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.execute("VACUUM INTO ?1", [output.to_string_lossy()])?;
    // VACUUM INTO may write a file that still holds damage it did not notice.
    let copy = Connection::open(output)?;
    let bad: String = copy.query_row("PRAGMA quick_check(1)", [], |r| r.get(0))?;
    if bad != "ok" {
        return Err(rusqlite::Error::InvalidQuery);
    }
    Ok(())
}

/// Creates `output` with this build's schema and copies every readable row of every
/// table the two files share.
fn row_copy(source: &Path, output: &Path) -> Result<(), StoreError> {
    let mut conn = Connection::open(output).map_err(|e| corrupt_or_backend(output, e))?;
    open::migrate(&mut conn, output, MIGRATIONS)?;
    let err = |e: rusqlite::Error| corrupt_or_backend(source, e);
    conn.execute_batch("PRAGMA foreign_keys = OFF;")
        .map_err(err)?;
    conn.execute(
        "ATTACH DATABASE ?1 AS old",
        [format!("file:{}?mode=ro", source.display())],
    )
    .map_err(err)?;
    let old_tables = table_names(&conn, "old").unwrap_or_default();
    for table in table_names(&conn, "main").map_err(err)? {
        if !old_tables.contains(&table) {
            continue;
        }
        let cols = common_columns(&conn, &table).map_err(err)?;
        if cols.is_empty() {
            continue;
        }
        let list = cols.join(", ");
        let all = format!(
            "INSERT OR REPLACE INTO main.\"{table}\" ({list}) SELECT {list} FROM old.\"{table}\""
        );
        if conn.execute(&all, []).is_ok() {
            continue;
        }
        copy_rows(&conn, &table, &list);
    }
    Ok(())
}

/// Copies rows one rowid range at a time, stepping over ranges that cannot be read.
fn copy_rows(conn: &Connection, table: &str, list: &str) {
    let Ok(max) = conn.query_row(
        &format!("SELECT COALESCE(MAX(rowid), 0) FROM old.\"{table}\""),
        [],
        |r| r.get::<_, i64>(0),
    ) else {
        return;
    };
    let step = 64;
    let mut from = 0;
    while from <= max {
        let range = format!(
            "INSERT OR REPLACE INTO main.\"{table}\" ({list}) SELECT {list} FROM old.\"{table}\" \
             WHERE rowid >= ?1 AND rowid < ?2"
        );
        if conn.execute(&range, params![from, from + step]).is_err() {
            for id in from..from + step {
                let one = format!(
                    "INSERT OR REPLACE INTO main.\"{table}\" ({list}) SELECT {list} \
                     FROM old.\"{table}\" WHERE rowid = ?1"
                );
                let _ = conn.execute(&one, [id]);
            }
        }
        from += step;
    }
}

fn table_names(conn: &Connection, schema: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT name FROM {schema}.sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ))?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

fn columns(conn: &Connection, schema: &str, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA {schema}.table_info(\"{table}\")"))?;
    stmt.query_map([], |r| r.get::<_, String>(1))?.collect()
}

fn common_columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let old = columns(conn, "old", table)?;
    Ok(columns(conn, "main", table)?
        .into_iter()
        .filter(|c| old.contains(c))
        .map(|c| format!("\"{c}\""))
        .collect())
}

/// Makes `current_tasks` agree with the recovered events: for every (team, task), the
/// latest event wins wherever the current row is older or was lost.
fn rebuild_current(conn: &Connection) -> rusqlite::Result<()> {
    let current = columns(conn, "main", "current_tasks")?;
    let events = columns(conn, "main", "task_events")?;
    let cols: Vec<String> = current
        .iter()
        .filter(|c| events.contains(c))
        .map(|c| format!("\"{c}\""))
        .collect();
    if cols.is_empty() {
        return Ok(());
    }
    let list = cols.join(", ");
    let e_list = cols
        .iter()
        .map(|c| format!("e.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    conn.execute(
        &format!(
            "INSERT OR REPLACE INTO current_tasks ({list}) SELECT {e_list} FROM task_events e \
             WHERE NOT EXISTS (SELECT 1 FROM task_events n WHERE n.team_id = e.team_id \
                   AND n.task_id = e.task_id \
                   AND (n.recorded_at, n.sequence) > (e.recorded_at, e.sequence)) \
               AND NOT EXISTS (SELECT 1 FROM current_tasks c WHERE c.team_id = e.team_id \
                   AND c.task_id = e.task_id \
                   AND (c.recorded_at, c.sequence) >= (e.recorded_at, e.sequence))"
        ),
        [],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::sqlite::SqliteStore;

    /// The fallback without the `sqlite3` command: a row copy that skips what it cannot
    /// read and keeps the rest.
    #[test]
    fn row_copy_keeps_the_readable_rows_of_a_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("tina.db");
        {
            let store = SqliteStore::open(&db).unwrap();
            for i in 0..300 {
                store
                    .create_orchestration(&crate::model::NewOrchestration {
                        feature_name: format!("feature-{i}-{}", "x".repeat(80)),
                        design_doc: "d".repeat(300),
                        branch: None,
                        worktree_path: None,
                        total_phases: 1,
                        orchestrator_team_name: format!("team-{i}"),
                        lead_session_id: None,
                        replace: false,
                    })
                    .unwrap();
            }
        }
        let len = std::fs::metadata(&db).unwrap().len();
        let mut bytes = std::fs::read(&db).unwrap();
        let mid = (len / 2 / 4096 * 4096) as usize;
        bytes[mid..mid + 4096].fill(0xA5);
        std::fs::write(&db, &bytes).unwrap();

        let out = dir.path().join("copy.db");
        row_copy(&db, &out).unwrap();
        let conn = Connection::open(&out).unwrap();
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM orchestrations", [], |r| r.get(0))
            .unwrap();
        assert!(n > 0 && n <= 300, "{n}");
        assert!(open::check(&conn, &out, true).unwrap().is_empty());
        assert_eq!(std::fs::read(&db).unwrap(), bytes, "source modified");
    }
}
