//! The one path parameter rule: an id or feature name in a URL is 1 to [`MAX_KEY_LEN`]
//! bytes of UTF-8 without control characters, else a 400. Used by the handlers and the
//! live feed's `?orchestration=` alike.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::error::ApiError;

/// Longest id or feature name the API accepts in a path.
pub const MAX_KEY_LEN: usize = 512;

/// One path parameter (an id or a feature name), percent-decoded and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Key {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(format!("invalid path: {}", e.body_text())))?;
        validate_key(&raw)?;
        Ok(Key(raw))
    }
}

pub fn validate_key(raw: &str) -> Result<(), ApiError> {
    if raw.is_empty() || raw.len() > MAX_KEY_LEN {
        return Err(ApiError::BadRequest(format!(
            "an id or feature name must be 1 to {MAX_KEY_LEN} bytes long (got {})",
            raw.len()
        )));
    }
    if raw.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(
            "an id or feature name must not contain control characters".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_validated() {
        assert!(validate_key("verbose-flag").is_ok());
        assert!(validate_key("with space and ünïcode").is_ok());
        assert!(validate_key("").is_err());
        assert!(validate_key("a\nb").is_err());
        assert!(validate_key(&"x".repeat(MAX_KEY_LEN + 1)).is_err());
        assert!(validate_key(&"x".repeat(MAX_KEY_LEN)).is_ok());
    }
}
