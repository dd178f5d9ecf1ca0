//! Live updates. One task polls `Store::revision()` (a counter every write bumps, cheap to
//! read) and publishes changes on a `watch` channel; each `/api/events` client is a
//! server-sent-event stream over that channel. Clients refetch what they show when a
//! `revision` event arrives, so a write is on screen within one poll interval plus a fetch.
//!
//! `watch` (not `broadcast`) because only the latest revision matters: a slow client skips
//! intermediate values instead of lagging or being dropped.
//!
//! `/api/events?orchestration=<id>` is the stream of one orchestration's page: on each global
//! change it reads that orchestration's revision (one indexed read) and sends an event only
//! when it moved, so a change elsewhere costs the page no refetch at all.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use tina_session::{OrchestrationId, Store};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::error::ApiError;
use crate::key::validate_key;
pub use crate::state::Revisions;
use crate::state::{AppState, with_store};
use crate::types::RevisionEvent;

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

/// `GET /api/events[?orchestration=<id>]`: a `revision` event now (the current revision,
/// global or the orchestration's) and after every change. The stream ends when the server
/// shuts down, so graceful shutdown does not hang on it. An unknown orchestration is a 404.
pub async fn events(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    if let Some(key) = query.keys().find(|k| k.as_str() != "orchestration") {
        return Err(ApiError::BadRequest(format!(
            "unknown query parameter {}; /api/events takes only orchestration",
            tina_session::model::input::quote(key)
        )));
    }
    let scope = match query.get("orchestration") {
        None => None,
        Some(id) => {
            validate_key(id)?;
            let id = OrchestrationId::from(id.as_str());
            let check = id.clone();
            with_store(&state, move |store| store.orchestration_revision(&check)).await?;
            Some(id)
        }
    };
    let mut rx = state.revisions.clone();
    rx.mark_changed();
    let store = state.store.clone();
    let stream = futures_util::stream::unfold(
        (rx, state.shutdown.clone(), None::<i64>),
        move |(mut rx, shutdown, mut last)| {
            let store = store.clone();
            let scope = scope.clone();
            async move {
                loop {
                    tokio::select! {
                        _ = shutdown.cancelled() => return None,
                        changed = rx.changed() => changed.ok()?,
                    }
                    let Some(global) = *rx.borrow_and_update() else {
                        continue;
                    };
                    let revision = match &scope {
                        None => global,
                        Some(id) => scoped_revision(&store, id, global).await,
                    };
                    if last == Some(revision) {
                        continue;
                    }
                    last = Some(revision);
                    return Some((
                        Ok::<_, Infallible>(revision_event(revision)),
                        (rx, shutdown, last),
                    ));
                }
            }
        },
    );
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// The orchestration's revision; when it cannot be read (deleted, store trouble), the
/// global one, so the page refetches and shows what happened.
async fn scoped_revision(store: &Arc<dyn Store>, id: &OrchestrationId, global: i64) -> i64 {
    let (store, id) = (store.clone(), id.clone());
    match tokio::task::spawn_blocking(move || store.orchestration_revision(&id)).await {
        Ok(Ok(revision)) => revision,
        _ => global,
    }
}

fn revision_event(revision: i64) -> Event {
    let data = serde_json::to_string(&RevisionEvent { revision })
        .unwrap_or_else(|_| format!("{{\"revision\":{revision}}}"));
    Event::default()
        .event("revision")
        .id(revision.to_string())
        .data(data)
}
