//! Live updates. One task polls `Store::revision()` (a counter every write bumps, cheap to
//! read) and publishes changes on a `watch` channel; each `/api/events` client is a
//! server-sent-event stream over that channel. Clients refetch what they show when a
//! `revision` event arrives, so a write is on screen within one poll interval plus a fetch.
//!
//! `watch` (not `broadcast`) because only the latest revision matters: a slow client skips
//! intermediate values instead of lagging or being dropped.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tina_session::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::app::AppState;
use crate::types::RevisionEvent;

/// The latest store revision seen; `None` until the first successful read.
pub type Revisions = watch::Receiver<Option<i64>>;

/// Starts the shared poller. It stops when `shutdown` is cancelled.
pub fn spawn_poller(
    store: Arc<dyn Store>,
    interval: Duration,
    shutdown: CancellationToken,
) -> (Revisions, JoinHandle<()>) {
    let (tx, rx) = watch::channel(None);
    let handle = tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Log a failure once, not five times a second, and say when it recovers.
        let mut last_error: Option<String> = None;
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = ticker.tick() => {}
            }
            let s = store.clone();
            let read = tokio::task::spawn_blocking(move || s.revision()).await;
            match read {
                Ok(Ok(rev)) => {
                    if last_error.take().is_some() {
                        tracing::info!(revision = rev, "store readable again");
                    }
                    tx.send_if_modified(|cur| {
                        let changed = *cur != Some(rev);
                        *cur = Some(rev);
                        changed
                    });
                }
                Ok(Err(e)) => report(&mut last_error, e.to_string()),
                Err(e) => report(&mut last_error, format!("revision poll task failed: {e}")),
            }
        }
    });
    (rx, handle)
}

fn report(last_error: &mut Option<String>, msg: String) {
    if last_error.as_deref() != Some(msg.as_str()) {
        tracing::warn!("cannot read the store revision: {msg}");
    }
    *last_error = Some(msg);
}

/// `GET /api/events`: a `revision` event now (the current revision) and after every change.
/// The stream ends when the server shuts down, so graceful shutdown does not hang on it.
pub async fn events(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut rx = state.revisions.clone();
    rx.mark_changed();
    let stream = futures_util::stream::unfold(
        (rx, state.shutdown.clone()),
        |(mut rx, shutdown)| async move {
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return None,
                    changed = rx.changed() => changed.ok()?,
                }
                let current = *rx.borrow_and_update();
                if let Some(revision) = current {
                    return Some((Ok(revision_event(revision)), (rx, shutdown)));
                }
            }
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn revision_event(revision: i64) -> Event {
    let data = serde_json::to_string(&RevisionEvent { revision })
        .unwrap_or_else(|_| format!("{{\"revision\":{revision}}}"));
    Event::default()
        .event("revision")
        .id(revision.to_string())
        .data(data)
}
