//! The built UI, embedded into the binary by `build.rs` from `ui/dist` at compile time, so
//! `cargo run -p tina-web -- serve` needs nothing else once the UI has been built.
//! If it was not built, `/` answers with a page that says how to build it (the API works
//! either way).

use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/ui_assets.rs"));
}

/// True when `ui/dist` (with an `index.html`) was embedded at compile time.
pub fn ui_built() -> bool {
    embedded::UI_BUILT
}

/// The embedded file at `path` (relative to `ui/dist`, `/`-separated).
pub fn lookup(path: &str) -> Option<&'static [u8]> {
    embedded::FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, bytes)| *bytes)
}

pub async fn serve_asset(method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, "only GET is served here\n").into_response();
    }
    if !ui_built() {
        return (StatusCode::SERVICE_UNAVAILABLE, Html(NOT_BUILT_PAGE)).into_response();
    }
    let path = match uri.path().trim_start_matches('/') {
        "" => "index.html",
        p => p,
    };
    let Some(bytes) = lookup(path) else {
        let page = format!(
            "<!doctype html><title>Not found</title><p>Nothing at <code>/{}</code>. \
             The dashboard is at <a href=\"/\">/</a>.</p>",
            html_escape(path)
        );
        return (StatusCode::NOT_FOUND, Html(page)).into_response();
    };
    // Vite names built assets by content hash: they never change under the same name.
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(path)),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        bytes,
    )
        .into_response()
}

fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const NOT_BUILT_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TINA dashboard: UI not built</title></head>
<body>
<h1>The dashboard UI has not been built</h1>
<p>This <code>tina-web</code> binary was compiled without <code>tina-web/ui/dist</code>.
The JSON API works (try <a href="/api/orchestrations">/api/orchestrations</a>); to get the UI, build it and
rebuild the server:</p>
<pre>cd tina-web/ui &amp;&amp; npm ci &amp;&amp; npm run build
cargo run -p tina-web -- serve</pre>
</body></html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("assets/index-abc.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("assets/x.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }

    #[test]
    fn escapes_paths_in_pages() {
        assert_eq!(
            html_escape("<a href=\"x\">&"),
            "&lt;a href=&quot;x&quot;&gt;&amp;"
        );
    }
}
