//! The orchestration resources:
//! - `GET /api/orchestrations?status=&feature=&page=&per_page=`: one page of the list,
//!   attention first ([`tina_session::dashboard::list_page`]);
//! - `GET /api/orchestrations/{id}` and `GET /api/features/{feature}`: the grouped detail
//!   (by id or exact feature name), as the CLI and MCP tools read it;
//! - `GET /api/orchestrations/{id}/dashboard` and `GET /api/features/{feature}/dashboard`:
//!   what the dashboard page shows (phase history, attention, slim task rows).
//!
//! List and dashboard responses carry the revision their data is at in `X-Tina-Revision`
//! (global for the list, the orchestration's for a dashboard), so a client that receives a
//! live event for that revision or an older one knows it has nothing to refetch.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use tina_session::dashboard::{
    DashboardDetail, ListPage, ListQuery, StatusFilter, dashboard_detail, list_page,
};
use tina_session::{Millis, OrchestrationDetail, OrchestrationId, now_ms};

use super::{Key, validate_key, with_store};
use crate::error::ApiError;
use crate::state::AppState;

/// The header naming the revision a response's data is at.
pub const REVISION_HEADER: &str = "x-tina-revision";

/// Rows per page unless `per_page` says otherwise.
pub const DEFAULT_PER_PAGE: u32 = 50;

/// Longest feature filter accepted (a search box, not a name).
const FEATURE_FILTER_MAX: usize = 200;

pub fn with_revision(revision: i64, body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(REVISION_HEADER, HeaderValue::from(revision));
    response
}

/// Parses the list's query string; unknown parameters are refused, so a typo is not
/// silently ignored.
pub fn parse_list_query(
    raw: &HashMap<String, String>,
    now: Millis,
    stale_after: Millis,
) -> Result<ListQuery, ApiError> {
    for key in raw.keys() {
        if !["status", "feature", "page", "per_page"].contains(&key.as_str()) {
            return Err(ApiError::BadRequest(format!(
                "unknown query parameter {}; the list takes status, feature, page and per_page",
                tina_session::model::input::quote(key)
            )));
        }
    }
    let number = |name: &str, default: u32, max: u32| -> Result<u32, ApiError> {
        match raw.get(name).map(String::as_str) {
            None | Some("") => Ok(default),
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "{name} must be a whole number from 1 to {max}, not {}",
                        tina_session::model::input::quote(v)
                    ))
                }),
        }
    };
    let status = match raw.get("status").map(String::as_str) {
        None | Some("") | Some("all") => None,
        Some(s) => Some(s.parse::<StatusFilter>().map_err(ApiError::BadRequest)?),
    };
    let feature = raw.get("feature").filter(|f| !f.is_empty()).cloned();
    if let Some(f) = &feature
        && (f.len() > FEATURE_FILTER_MAX || f.chars().any(char::is_control))
    {
        return Err(ApiError::BadRequest(format!(
            "feature filter must be at most {FEATURE_FILTER_MAX} bytes without control characters"
        )));
    }
    Ok(ListQuery {
        status,
        feature,
        page: number("page", 1, u32::MAX)?,
        per_page: number(
            "per_page",
            DEFAULT_PER_PAGE,
            tina_session::dashboard::list::MAX_PER_PAGE,
        )?,
        now,
        stale_after,
    })
}

pub async fn list(
    State(state): State<AppState>,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let query = parse_list_query(&raw, now_ms(), state.stale_after_ms())?;
    let (revision, page): (i64, ListPage) = with_store(&state, move |store| {
        // Read first: the page is at least this new.
        let revision = store.revision()?;
        Ok((revision, list_page(store, &query)?))
    })
    .await?;
    Ok(with_revision(revision, Json(page)))
}

pub async fn detail(
    State(state): State<AppState>,
    Key(id): Key,
) -> Result<Json<OrchestrationDetail>, ApiError> {
    let id = OrchestrationId::from(id);
    let detail = with_store(&state, move |store| store.get_orchestration_detail(&id)).await?;
    Ok(Json(detail))
}

/// Exact, case-sensitive feature name: `verbose` never finds `verbose-flag`.
pub async fn detail_by_feature(
    State(state): State<AppState>,
    Key(feature): Key,
) -> Result<Json<OrchestrationDetail>, ApiError> {
    let detail = with_store(&state, move |store| {
        let orchestration = store.get_orchestration_by_feature(&feature)?;
        store.get_orchestration_detail(&orchestration.id)
    })
    .await?;
    Ok(Json(detail))
}

pub async fn dashboard(State(state): State<AppState>, Key(id): Key) -> Result<Response, ApiError> {
    let stale_after = state.stale_after_ms();
    let id = OrchestrationId::from(id);
    let d: DashboardDetail = with_store(&state, move |store| {
        dashboard_detail(store, &id, now_ms(), stale_after)
    })
    .await?;
    Ok(with_revision(d.revision, Json(d)))
}

/// Exact, case-sensitive feature name, as [`detail_by_feature`].
pub async fn dashboard_by_feature(
    State(state): State<AppState>,
    Key(feature): Key,
) -> Result<Response, ApiError> {
    validate_key(&feature)?;
    let stale_after = state.stale_after_ms();
    let d: DashboardDetail = with_store(&state, move |store| {
        let orchestration = store.get_orchestration_by_feature(&feature)?;
        dashboard_detail(store, &orchestration.id, now_ms(), stale_after)
    })
    .await?;
    Ok(with_revision(d.revision, Json(d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Result<ListQuery, ApiError> {
        let raw = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        parse_list_query(&raw, 0, 1)
    }

    #[test]
    fn list_queries_are_parsed_and_bad_ones_named() {
        let ok = q(&[("status", "blocked"), ("feature", "auth"), ("page", "2")]).unwrap();
        assert_eq!(ok.page, 2);
        assert_eq!(ok.per_page, DEFAULT_PER_PAGE);
        assert_eq!(ok.feature.as_deref(), Some("auth"));
        assert!(q(&[("status", "all")]).unwrap().status.is_none());
        for (pairs, says) in [
            (vec![("status", "done")], "unknown status filter 'done'"),
            (vec![("page", "0")], "page must be a whole number"),
            (
                vec![("per_page", "10000")],
                "per_page must be a whole number from 1 to 200",
            ),
            (vec![("sort", "x")], "unknown query parameter 'sort'"),
        ] {
            let err = q(&pairs).unwrap_err().to_string();
            assert!(err.contains(says), "{pairs:?}: {err}");
        }
    }
}
