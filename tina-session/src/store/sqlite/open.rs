//! Opening the SQLite file safely: who may create it, migrations that take no lock when
//! none are due, the file's identity (to notice it deleted or replaced), and integrity
//! checks.
//!
//! - **Creation.** The first open in a fresh `TINA_HOME` creates the database and writes
//!   a marker beside it (`tina.db.created`). When the marker is there but the database
//!   is not, the store was deleted: ordinary opens refuse ([`StoreError::Missing`]) so a
//!   reader or the daemon never silently starts over with an empty store; only an
//!   explicit `tina-session init` ([`Creation::Allowed`]) creates a new one.
//! - **Migrations.** `PRAGMA user_version` is read without a transaction first; only a
//!   store that needs migrating takes `BEGIN IMMEDIATE` (and checks again under it). So
//!   opening an up-to-date store never waits for a writer.
//! - **Identity.** The (device, inode) of the file when it was opened; a later stat of the
//!   path that differs (or finds nothing) means the file was replaced (or deleted) under
//!   the running process.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, TransactionBehavior};

use super::rows::corrupt_or_backend;
use crate::store::{Result, StoreError};

/// Whether an open may create a database where one existed before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creation {
    /// Create the database if it is missing, even if one existed before (`init`).
    Allowed,
    /// Create it only in a place that never had one (no marker); refuse otherwise.
    FreshOnly,
}

/// The (device, inode) pair that identifies one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

impl FileId {
    /// The identity of the file at `path` now (`None` when there is none).
    pub fn of(path: &Path) -> Option<Self> {
        std::fs::metadata(path).ok().map(|m| Self {
            dev: m.dev(),
            ino: m.ino(),
        })
    }
}

/// The marker that says a store was created at `db` (`<db>.created`).
pub fn marker_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".created");
    PathBuf::from(name)
}

/// Refuses to create `db` when it is missing but its marker says it existed, unless
/// `creation` allows it. Returns whether the file is about to be created.
pub(super) fn check_creation(db: &Path, creation: Creation) -> Result<bool> {
    if db.exists() {
        return Ok(false);
    }
    let marker = marker_path(db);
    if creation == Creation::FreshOnly && marker.exists() {
        return Err(StoreError::Missing {
            path: db.display().to_string(),
            marker: marker.display().to_string(),
        });
    }
    if marker.exists() {
        tracing::warn!(path = %db.display(), "the store was missing; creating a new empty one");
    }
    Ok(true)
}

/// Writes the marker of a newly created store. A marker that cannot be written only
/// loses the "deleted store" detection, so it is logged, not fatal.
pub(super) fn write_marker(db: &Path) {
    let body = serde_json::json!({
        "created_at": crate::model::now_ms(),
        "path": db.display().to_string(),
        "note": "tina.db was created here; if it goes missing, TINA refuses to start over \
                 silently (run `tina-session init` to create a new store)",
    });
    if let Err(e) = std::fs::write(marker_path(db), body.to_string()) {
        tracing::warn!(path = %db.display(), error = %e, "cannot write the store marker");
    }
}

/// Applies the migrations `conn` lacks. Reads the version first without a lock; only
/// when a migration is due does it take `BEGIN IMMEDIATE` and look again.
pub(super) fn migrate(conn: &mut Connection, path: &Path, migrations: &[&str]) -> Result<()> {
    let supported = migrations.len() as i64;
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| corrupt_or_backend(path, e))?;
    if found == supported {
        return Ok(());
    }
    if found > supported {
        return Err(too_new(path, found, supported));
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| corrupt_or_backend(path, e))?;
    // Another process may have migrated while this one waited for the lock.
    let found: i64 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| corrupt_or_backend(path, e))?;
    if found > supported {
        return Err(too_new(path, found, supported));
    }
    for (i, sql) in migrations.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql)
            .map_err(|e| StoreError::backend_from(format!("migration {} failed", i + 1), e))?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(|e| corrupt_or_backend(path, e))?;
    }
    tx.commit().map_err(|e| corrupt_or_backend(path, e))
}

fn too_new(path: &Path, found: i64, supported: i64) -> StoreError {
    StoreError::SchemaTooNew {
        path: path.display().to_string(),
        found,
        supported,
    }
}

/// `PRAGMA quick_check` (or the slower, more thorough `integrity_check`): the problems
/// SQLite reports, empty when the file is sound. A file too damaged to check at all is
/// an error.
pub fn check(conn: &Connection, path: &Path, thorough: bool) -> Result<Vec<String>> {
    let pragma = if thorough {
        "PRAGMA integrity_check(100)"
    } else {
        "PRAGMA quick_check(100)"
    };
    let mut stmt = conn
        .prepare(pragma)
        .map_err(|e| corrupt_or_backend(path, e))?;
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| corrupt_or_backend(path, e))?;
    Ok(rows.into_iter().filter(|r| r != "ok").collect())
}
