//! A store that delegates to another and fails one chosen call on demand, for the
//! "store busy or unreachable" paths: a switch over tina-session's `FaultyStore`.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use tina_session::store::{Store, StoreError};
use tina_session::test_support::{FaultyStore, When};

/// The method that fails with `StoreError::Unavailable`, once, after this many more of
/// its calls succeeded.
type Armed = Arc<Mutex<Option<(&'static str, usize)>>>;

pub struct FailingStore {
    armed: Armed,
}

impl FailingStore {
    /// `inner` wrapped, and the switch that makes its calls fail.
    pub fn wrap(inner: Arc<dyn Store>) -> (Arc<dyn Store>, Self) {
        let armed: Armed = Arc::default();
        let hook = {
            let armed = armed.clone();
            move |method: &'static str, when: When| {
                if when == When::After {
                    return Ok(());
                }
                let mut armed = armed.lock().expect("lock");
                match armed.as_mut() {
                    Some((m, 0)) if *m == method => {
                        *armed = None;
                        Err(StoreError::unavailable(format!(
                            "{method}: store busy (test)"
                        )))
                    }
                    Some((m, calls)) if *m == method => {
                        *calls -= 1;
                        Ok(())
                    }
                    _ => Ok(()),
                }
            }
        };
        (Arc::new(FaultyStore::new(inner, hook)), Self { armed })
    }

    /// The next call of `method` (a `Store` method name) fails, once.
    pub fn fail_next(&self, method: &'static str) {
        self.fail_after(method, 0);
    }

    /// `method` succeeds `calls` more times, then fails once.
    pub fn fail_after(&self, method: &'static str, calls: usize) {
        *self.armed.lock().expect("lock") = Some((method, calls));
    }

    /// True while the armed failure has not happened yet.
    pub fn armed(&self) -> bool {
        self.armed.lock().expect("lock").is_some()
    }
}
