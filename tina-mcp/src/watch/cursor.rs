//! Cursors: the short string a watch hands out, naming the [`Seen`] state this server
//! keeps for it and the time it was taken (see the module docs of [`super`]).

use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use tina_session::model::Millis;

use super::Seen;
use crate::error::{ToolError, ToolResult};

impl Seen {
    /// A digest of this state: equal states get the same cursor.
    pub(super) fn digest(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.hash(&mut h);
        h.finish() & DIGEST_MASK
    }
}

/// 48 bits: 10 base-36 digits.
const DIGEST_MASK: u64 = (1 << 48) - 1;

/// How many reported states a server keeps for cursors (oldest dropped first).
const KEPT_CURSORS: usize = 4096;

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Two base-36 digits of a checksum of `body`.
fn check_digits(body: &str) -> String {
    let sum = body
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % (36 * 36);
    let digits = base36(u64::from(sum));
    format!("{digits:0>2}")
}

/// What a cursor names.
#[derive(Debug, Clone, PartialEq)]
pub enum Resumed {
    /// The state this server kept for the cursor.
    Known(Seen),
    /// This server does not have it (restarted, or aged out): rebuild it with
    /// [`Seen::as_of`] from the time the cursor was taken.
    AsOf(Millis),
}

/// The states behind the cursors this server handed out, most recent
/// [`KEPT_CURSORS`]. A cursor is `<digest>.<time><check>`, base 36: the digest of the
/// [`Seen`] state, the time (ms) of the snapshot it was taken from, two check digits;
/// at most 10 + 1 + 9 + 2 = 22 characters.
#[derive(Debug, Default)]
pub struct Cursors {
    inner: Mutex<(HashMap<u64, Seen>, VecDeque<u64>)>,
}

impl Cursors {
    /// Keeps `seen` and returns its cursor.
    pub fn issue(&self, seen: Seen, at: Millis) -> String {
        let digest = seen.digest();
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (map, order) = &mut *guard;
        if map.insert(digest, seen).is_none() {
            order.push_back(digest);
            while order.len() > KEPT_CURSORS {
                if let Some(old) = order.pop_front() {
                    map.remove(&old);
                }
            }
        }
        let body = format!("{}.{}", base36(digest), base36(at.max(0) as u64));
        let check = check_digits(&body);
        format!("{body}{check}")
    }

    /// The state behind `cursor`, checked to belong to a watch of `key`.
    pub fn resume(&self, cursor: &str, key: &str) -> ToolResult<Resumed> {
        let bad = || {
            ToolError::Invalid(format!(
                "invalid cursor {}: pass the `cursor` of the previous watch_orchestration \
                 reply unchanged, or omit it to start over",
                tina_session::model::input::quote(cursor)
            ))
        };
        // Two check digits catch a cursor that was cut, edited or made up.
        let split = cursor
            .len()
            .checked_sub(2)
            .filter(|&i| cursor.is_char_boundary(i));
        let (body, check) = split.map(|i| cursor.split_at(i)).ok_or_else(bad)?;
        if check != check_digits(body) {
            return Err(bad());
        }
        let (digest, at) = body.split_once('.').ok_or_else(bad)?;
        let parse = |s: &str| {
            (!s.is_empty()
                && s.len() <= 13
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()))
            .then(|| u64::from_str_radix(s, 36).ok())
            .flatten()
            .ok_or_else(bad)
        };
        let (digest, at) = (parse(digest)?, parse(at)?);
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        match guard.0.get(&digest) {
            Some(seen) if seen.key != key => Err(ToolError::Invalid(format!(
                "this cursor belongs to a watch of {}, not {}; omit the cursor to start \
                 watching {}",
                tina_session::model::input::quote(&seen.key),
                tina_session::model::input::quote(key),
                tina_session::model::input::quote(key)
            ))),
            Some(seen) => Ok(Resumed::Known(seen.clone())),
            None => Ok(Resumed::AsOf(i64::try_from(at).map_err(|_| bad())?)),
        }
    }
}
