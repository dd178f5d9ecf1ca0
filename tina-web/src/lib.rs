//! tina-web: the live dashboard server.
//!
//! - [`app`]: the router (`/api/*` JSON, `/api/events` SSE, the UI) and `serve`.
//! - [`state`]: what every handler shares ([`AppState`]) and the store bridge; the router,
//!   the handlers and the live feed depend on it, not on each other.
//! - [`api`]: one handler module per resource (orchestrations, hierarchy, tasks).
//! - [`key`]: the path parameter rule (ids and feature names in URLs).
//! - [`host`]: one unambiguous `Host` per request (else 400); the DNS-rebinding guard
//!   (loopback servers answer only loopback host names).
//! - [`headers`]: Content-Security-Policy, X-Frame-Options and friends on every response.
//! - [`error`]: how store failures and bad input become JSON error responses.
//! - [`live`]: one task polls `Store::revision()` and fans changes out to SSE clients.
//! - [`assets`]: the built React UI (`ui/dist`), embedded at compile time by `build.rs`.
//! - [`types`]: response shapes that exist only on the web side (exported to TypeScript).
//! - [`fixture`]: fixed demo data (the e2e tests, the examples and the benchmark use it).
//!
//! The store is synchronous; every handler reaches it through `spawn_blocking`.

pub mod api;
pub mod app;
pub mod assets;
pub mod error;
pub mod fixture;
pub mod headers;
pub mod host;
pub mod key;
pub mod live;
pub mod state;
pub mod types;

pub use app::{ServeOptions, router, serve};
pub use error::ApiError;
pub use state::AppState;
