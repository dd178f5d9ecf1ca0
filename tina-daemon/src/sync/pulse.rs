//! The engine's liveness signal, shared with the heartbeat thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use tina_session::{Millis, now_ms};

/// When the engine last made progress (ms since the epoch), shared with the heartbeat
/// thread so a wedged sync loop stops the heartbeat. The event loop beats it every pass
/// (at least every 200 ms); the engine also beats it per team and per store write, so a
/// long start-up scan that is making progress counts as alive.
#[derive(Debug, Clone)]
pub struct Pulse(Arc<AtomicI64>);

impl Pulse {
    pub fn new() -> Self {
        Self(Arc::new(AtomicI64::new(now_ms())))
    }

    pub fn beat(&self) {
        self.0.store(now_ms(), Ordering::Relaxed);
    }

    /// The last beat.
    pub fn last(&self) -> Millis {
        self.0.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    pub(crate) fn set_for_test(&self, at: Millis) {
        self.0.store(at, Ordering::Relaxed);
    }
}

impl Default for Pulse {
    fn default() -> Self {
        Self::new()
    }
}
