//! The router and `serve`: the one entry point the binary, the tests and the benchmark all
//! start the server through. The state the handlers share is [`crate::state`].

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tina_session::Store;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::live;
pub use crate::state::AppState;

/// Tunables of a running server.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// How often the live-update task reads the store revision.
    pub poll_interval: Duration,
    /// How long a running orchestration may go without a task or phase change before the
    /// dashboard marks it stale.
    pub stale_after: Duration,
}

/// The default stale threshold: ten minutes without any change.
pub const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(600);

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(200),
            stale_after: DEFAULT_STALE_AFTER,
        }
    }
}

/// `/api/*` is the JSON API (and `/api/events` the live stream); everything else is the UI.
/// JSON and assets are compressed (gzip or brotli, as the client accepts; never the event
/// stream). [`serve`] adds the host rules and the security headers around it.
pub fn router(state: AppState) -> Router {
    Router::new()
        .nest("/api", crate::api::routes())
        .fallback(crate::assets::serve_asset)
        .with_state(state)
        .layer(tower_http::compression::CompressionLayer::new())
}

/// Serves until `shutdown` is cancelled, then lets in-flight requests finish. On a loopback
/// address only requests for a loopback host name are answered (see [`crate::host`]).
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn Store>,
    options: ServeOptions,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let loopback = listener.local_addr()?.ip().is_loopback();
    let (revisions, poller) =
        live::spawn_poller(store.clone(), options.poll_interval, shutdown.clone());
    let app = router(AppState {
        store,
        revisions,
        shutdown: shutdown.clone(),
        stale_after: options.stale_after,
    });
    let app = if loopback {
        app.layer(axum::middleware::from_fn(
            crate::host::require_loopback_host,
        ))
    } else {
        app
    };
    // Outermost: an ambiguous host is refused before any other rule reads it.
    let app = app
        .layer(axum::middleware::from_fn(crate::host::require_one_host))
        // Outermost, so refusals carry them too.
        .layer(axum::middleware::from_fn(crate::headers::security_headers));
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.clone().cancelled_owned())
        .await;
    // The server can also stop on an I/O error: stop the poller either way.
    shutdown.cancel();
    if let Err(e) = poller.await {
        tracing::warn!("revision poller ended abnormally: {e}");
    }
    result
}
