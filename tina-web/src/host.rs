//! DNS-rebinding guard. On a loopback address the server has no authentication and trusts
//! that only local programs reach it. A web page on another site can still reach it by
//! pointing its own host name at 127.0.0.1 (DNS rebinding): the browser then treats
//! `/api/*` as same-origin for that page and lets it read the answers. The request still
//! carries the attacker's name in `Host`, so a loopback server answers only requests
//! addressed to a loopback name: `localhost`, `127.0.0.1` or `[::1]`, on any port.
//!
//! On any address, a request whose host is ambiguous is refused with 400 before anything
//! else looks at it ([`require_one_host`]): two `Host` headers (proxies and servers may
//! disagree on which one wins, which is how cache poisoning and guard bypasses start), a
//! `Host` that is not text, or an absolute request target whose authority differs from
//! `Host`.

use axum::extract::Request;
use axum::http::header::HOST;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Whether `authority` (a `Host` header value or a URI authority: a host, optionally
/// followed by `:port`) names this machine's loopback interface.
pub fn is_loopback_authority(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        // An IPv6 literal: `[::1]` or `[::1]:port`.
        Some(rest) => match rest.split_once(']') {
            Some((addr, after))
                if after.is_empty() || after.strip_prefix(':').is_some_and(valid_port) =>
            {
                return addr == "::1";
            }
            _ => return false,
        },
        None => match authority.rsplit_once(':') {
            Some((host, port)) if valid_port(port) => host,
            Some(_) => return false,
            None => authority,
        },
    };
    host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1"
}

/// A port number, or nothing (RFC 3986 allows `host:` with an empty port).
fn valid_port(port: &str) -> bool {
    port.is_empty() || port.parse::<u16>().is_ok()
}

/// Middleware: refuses (400, JSON) a request with more than one `Host` header, a `Host`
/// that is not visible ASCII, or an absolute-form target naming another authority.
pub async fn require_one_host(request: Request, next: Next) -> Response {
    match host_problem(&request) {
        None => next.run(request).await,
        Some(problem) => {
            tracing::warn!("refused a request: {problem}");
            ApiError::BadRequest(format!(
                "ambiguous host: {problem}; send exactly one Host header naming the server"
            ))
            .into_response()
        }
    }
}

fn host_problem(request: &Request) -> Option<String> {
    let mut hosts = request.headers().get_all(HOST).iter();
    let first = hosts.next();
    let extra = hosts.count();
    if extra > 0 {
        return Some(format!("{} Host headers", extra + 1));
    }
    let header = match first.map(|v| v.to_str()) {
        Some(Err(_)) => return Some("the Host header is not text".into()),
        Some(Ok(v)) => Some(v),
        None => None,
    };
    let target = request.uri().authority().map(|a| a.as_str());
    match (header, target) {
        (Some(h), Some(t)) if !h.eq_ignore_ascii_case(t) => Some(format!(
            "the request target names {} but Host says {}",
            tina_session::model::input::quote(t),
            tina_session::model::input::quote(h)
        )),
        _ => None,
    }
}

/// Middleware: refuses (421, JSON) a request whose `Host` (and request-target authority,
/// when the client sent an absolute URI) is missing or not a loopback name.
pub async fn require_loopback_host(request: Request, next: Next) -> Response {
    let header = request
        .headers()
        .get(HOST)
        .map(|v| v.to_str().unwrap_or("<not text>").to_owned());
    let target = request.uri().authority().map(|a| a.as_str().to_owned());
    let refused = match (&header, &target) {
        (None, None) => Some("no Host header".to_owned()),
        _ => [header.as_deref(), target.as_deref()]
            .into_iter()
            .flatten()
            .find(|a| !is_loopback_authority(a))
            .map(|a| format!("Host {a:?}")),
    };
    match refused {
        None => next.run(request).await,
        Some(what) => {
            tracing::warn!("refused a request for {what} (loopback names only)");
            ApiError::WrongHost(format!(
                "this tina-web listens on a loopback address and answers only requests for \
                 localhost, 127.0.0.1 or [::1], not {what}: a page on another site may be \
                 trying DNS rebinding. Open the dashboard at http://127.0.0.1:<port>/ or \
                 http://localhost:<port>/."
            ))
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback_authority;

    #[test]
    fn loopback_names_on_any_port_are_accepted() {
        for ok in [
            "localhost",
            "LocalHost:7410",
            "127.0.0.1",
            "127.0.0.1:0",
            "127.0.0.1:65535",
            "[::1]",
            "[::1]:7410",
            "localhost:",
        ] {
            assert!(is_loopback_authority(ok), "{ok}");
        }
    }

    #[test]
    fn other_names_are_refused() {
        for bad in [
            "",
            "evil.example",
            "evil.example:7410",
            "localhost.evil.example",
            "127.0.0.1.evil.example:7410",
            "localhost:notaport",
            "localhost:70000",
            "127.0.0.2",
            "0.0.0.0:7410",
            "[::2]:7410",
            "[::1]x",
            "[::1",
            "::1",
            "user@localhost",
        ] {
            assert!(!is_loopback_authority(bad), "{bad}");
        }
    }
}
