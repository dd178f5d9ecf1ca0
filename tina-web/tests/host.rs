//! The DNS-rebinding guard: a server on a loopback address answers only requests whose
//! `Host` is a loopback name; a page on another site that rebinds its own name to
//! 127.0.0.1 gets a JSON 421 instead of the API. On any address, an ambiguous host (two
//! `Host` headers, or a request target naming another authority) is a 400, and every
//! response carries the security headers (CSP, X-Frame-Options: DENY).

mod support;

use reqwest::header::HOST;
use support::TestServer;
use tina_web::fixture::seed_demo;

/// Sends `GET path` with the given `Host` header; returns the status and the body text.
async fn get_with_host(server: &TestServer, path: &str, host: &str) -> (u16, String) {
    let resp = server
        .client
        .get(format!("{}{path}", server.base))
        .header(HOST, host)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

fn port(server: &TestServer) -> &str {
    server.base.rsplit(':').next().expect("port in base")
}

#[tokio::test]
async fn foreign_host_names_are_refused_with_json() {
    let server = TestServer::start().await;
    seed_demo(&*server.store).expect("seed");
    let p = port(&server).to_owned();
    for path in [
        "/api/health",
        "/api/orchestrations",
        "/api/events",
        "/",
        "/index.html",
    ] {
        for host in [
            format!("evil.example:{p}"),
            "evil.example".to_owned(),
            format!("127.0.0.1.evil.example:{p}"),
        ] {
            let (status, body) = get_with_host(&server, path, &host).await;
            assert_eq!(status, 421, "{path} with Host {host}: {body}");
            let json: serde_json::Value = serde_json::from_str(&body)
                .unwrap_or_else(|e| panic!("{path} with Host {host}: not JSON ({e}): {body}"));
            assert_eq!(json["error"], "wrong_host", "{body}");
            let message = json["message"].as_str().unwrap_or_default();
            assert!(message.contains(&host), "names the host: {message}");
            assert!(!body.contains("verbose-flag"), "no data leaks: {body}");
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn loopback_host_names_on_any_port_are_served() {
    let server = TestServer::start().await;
    seed_demo(&*server.store).expect("seed");
    let p = port(&server).to_owned();
    for host in [
        format!("127.0.0.1:{p}"),
        format!("localhost:{p}"),
        format!("[::1]:{p}"),
        "localhost".to_owned(),
        // Another port: the Vite dev server proxies /api with its own Host (localhost:5173).
        "localhost:5173".to_owned(),
    ] {
        let (status, body) = get_with_host(&server, "/api/orchestrations", &host).await;
        assert_eq!(status, 200, "Host {host}: {body}");
        assert!(body.contains("verbose-flag"), "Host {host}: {body}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_server_bound_to_every_interface_does_not_filter_host_names() {
    // Binding beyond loopback is the user's explicit choice to be reached by other names.
    let server = TestServer::start_on("0.0.0.0:0").await;
    let (status, body) = get_with_host(&server, "/api/health", "dashboard.lan:7410").await;
    assert_eq!(status, 200, "{body}");
    server.stop().await;
}

/// Sends raw HTTP/1.1 bytes (reqwest cannot send two Host headers) and returns the status
/// code and the whole response text.
async fn raw(server: &TestServer, request: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.expect("read");
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn duplicate_or_ambiguous_hosts_are_400_on_any_address() {
    for bind in ["127.0.0.1:0", "0.0.0.0:0"] {
        let server = TestServer::start_on(bind).await;
        seed_demo(&*server.store).expect("seed");
        let p = port(&server).to_owned();
        for request in [
            // The first would pass the loopback guard, the second names another site.
            format!(
                "GET /api/orchestrations HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
            ),
            format!(
                "GET /api/orchestrations HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\nHost: 127.0.0.1:{p}\r\nConnection: close\r\n\r\n"
            ),
            format!(
                "GET http://localhost:{p}/api/orchestrations HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\nConnection: close\r\n\r\n"
            ),
        ] {
            let (status, text) = raw(&server, &request).await;
            assert_eq!(status, 400, "{bind}: {request:?}: {text}");
            assert!(text.contains("ambiguous host"), "{text}");
            assert!(!text.contains("verbose-flag"), "no data leaks: {text}");
        }
        // One Host, and a matching absolute target, are served.
        let (status, text) = raw(
            &server,
            &format!("GET http://127.0.0.1:{p}/api/health HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert_eq!(status, 200, "{text}");
        server.stop().await;
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let server = TestServer::start().await;
    let p = port(&server).to_owned();
    for (path, host) in [
        ("/", format!("127.0.0.1:{p}")),
        ("/api/health", format!("127.0.0.1:{p}")),
        ("/api/nothing", format!("127.0.0.1:{p}")),
        ("/api/health", "evil.example".to_owned()),
    ] {
        let resp = server
            .client
            .get(format!("{}{path}", server.base))
            .header(HOST, &host)
            .send()
            .await
            .expect("request");
        let h = resp.headers();
        assert_eq!(h["x-frame-options"], "DENY", "{path} {host}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        let csp = h["content-security-policy"].to_str().expect("csp");
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
    }
    server.stop().await;
}
