//! The DNS-rebinding guard: a server on a loopback address answers only requests whose
//! `Host` is a loopback name; a page on another site that rebinds its own name to
//! 127.0.0.1 gets a JSON 421 instead of the API.

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
