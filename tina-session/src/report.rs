//! Printing an error with its causes, once each.
//!
//! TINA's library errors say what failed in their own text and keep the underlying
//! error as their `source` (so callers can inspect it). A printer that walks the chain
//! would then repeat a cause the message already ends with; [`error_chain`] skips it.

use std::error::Error;

/// `error: cause: cause ...`, leaving out a cause whose text the text so far already
/// ends with.
pub fn error_chain(e: &(dyn Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !text.is_empty() && !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;

    #[test]
    fn a_cause_in_the_message_is_printed_once() {
        let io = std::io::Error::other("disk I/O error");
        let e = StoreError::backend_from("cannot write /db", io);
        assert_eq!(
            error_chain(&e),
            "store error: cannot write /db: disk I/O error"
        );
        assert!(std::error::Error::source(&e).is_some(), "the cause is kept");
    }

    #[test]
    fn a_cause_not_in_the_message_is_appended() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] std::io::Error);
        let e = Outer(std::io::Error::other("inner"));
        assert_eq!(error_chain(&e), "outer: inner");
    }
}
