//! The state every handler shares — the store, the live revision feed, the shutdown token,
//! the stale threshold — and the bridge from async handlers to the synchronous store.
//!
//! Its own module so the router ([`crate::app`]), the handlers ([`crate::api`]) and the
//! live feed ([`crate::live`]) all depend on it and none of them on another for it.

use std::sync::Arc;
use std::time::Duration;

use tina_session::{Millis, Store, StoreError};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::error::ApiError;

/// The latest store revision seen; `None` until the first successful read.
pub type Revisions = watch::Receiver<Option<i64>>;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub revisions: Revisions,
    /// Cancelled on shutdown; open event streams end with it.
    pub shutdown: CancellationToken,
    /// How long a running orchestration may go without any change before it is stale.
    pub stale_after: Duration,
}

impl AppState {
    /// The stale threshold in ms, as the dashboard views take it.
    pub fn stale_after_ms(&self) -> Millis {
        self.stale_after
            .as_millis()
            .try_into()
            .unwrap_or(Millis::MAX)
    }
}

/// Runs a store call on the blocking pool: the store is synchronous.
pub async fn with_store<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
{
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || f(&*store))
        .await
        .map_err(|e| ApiError::Internal(format!("store worker failed: {e}")))?
        .map_err(ApiError::from)
}
