//! The conformance suite and the shared vectors against the SQLite backend (a real file
//! in a temp dir per test).

mod support;

use std::sync::Arc;

use tina_session::store::sqlite::SqliteStore;

fn sqlite() -> Arc<dyn tina_session::Store> {
    // Under cargo's per-target scratch folder, not /tmp, so runs do not litter the system.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("tempdir")
        .keep();
    Arc::new(SqliteStore::open(&dir.join("tina.db")).expect("open sqlite"))
}

conformance_tests!(sqlite);
