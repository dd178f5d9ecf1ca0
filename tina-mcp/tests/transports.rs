//! The real binary over stdio (rmcp client), the loopback-only rule, and streamable
//! HTTP answering an initialize request.

mod common;

use std::process::Command;
use std::time::Duration;

use rmcp::ServiceExt;
use rmcp::transport::TokioChildProcess;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tina-mcp")
}

#[tokio::test]
async fn binary_serves_stdio_and_survives_tool_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seeded = common::seed(dir.path());
    let mut cmd = tokio::process::Command::new(bin());
    cmd.env("TINA_HOME", &seeded.config.tina_home)
        .env("CLAUDE_HOME", &seeded.config.claude_home)
        .env("RUST_LOG", "debug")
        .env_remove("TINA_CONVEX_URL");
    // Debug logging on: every log line must go to stderr, or the client would choke on
    // a non-JSON line in the protocol stream.
    let (transport, stderr) = TokioChildProcess::builder(cmd)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stderr = stderr.expect("stderr pipe");
    let logs = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    let client = ().serve(transport).await.expect("handshake");
    let bad = common::call(
        &client,
        "get_orchestration",
        json!({"orchestration": "nope"}),
    )
    .await;
    assert_eq!(bad.is_error, Some(true));
    let bad = common::call(&client, "get_current_tasks", json!({"orchestration": 1})).await;
    assert_eq!(bad.is_error, Some(true));
    let tasks = common::ok(
        &client,
        "get_current_tasks",
        json!({"orchestration": "auth", "team": seeded.phase1_team_name}),
    )
    .await;
    assert_eq!(tasks["teams"][0]["tasks"].as_array().map(Vec::len), Some(5));
    client.cancel().await.expect("close");
    let logs = tokio::time::timeout(Duration::from_secs(10), logs)
        .await
        .expect("server exits when the client closes")
        .expect("join");
    assert!(
        logs.contains("tool error"),
        "debug logs went elsewhere: {logs}"
    );
}

#[test]
fn http_refuses_non_loopback_addresses() {
    let dir = tempfile::tempdir().expect("tempdir");
    for addr in ["0.0.0.0:0", "[::]:0", "192.0.2.1:8080"] {
        let out = Command::new(bin())
            .args(["serve", "--http", addr])
            .env("TINA_HOME", dir.path().join("tina"))
            .env("CLAUDE_HOME", dir.path().join("claude"))
            .output()
            .expect("run");
        assert!(!out.status.success(), "{addr} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("only loopback"), "{addr}: {stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[tokio::test]
async fn http_answers_initialize_on_loopback() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seeded = common::seed(dir.path());
    let server = tina_mcp::TinaMcp::new(tina_mcp::Context::new(
        seeded.config.clone(),
        seeded.store.clone(),
        dir.path().join("scenarios"),
    ));
    let shutdown = CancellationToken::new();
    let (addr, task) = tina_mcp::transport::serve_http(
        server,
        "127.0.0.1:0".parse().expect("addr"),
        shutdown.clone(),
    )
    .await
    .expect("serve");
    let body = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "raw-http-test", "version": "0"}}
    })
    .to_string();
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        addr.port(),
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await.expect("read");
            if n == 0 {
                break;
            }
            response.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&response).contains("\"serverInfo\"") {
                break;
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "no answer: {}",
        String::from_utf8_lossy(&response)
    );
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("\"name\":\"tina-mcp\""), "{text}");
    shutdown.cancel();
    let ended = tokio::time::timeout(Duration::from_secs(10), task).await;
    assert!(ended.is_ok(), "server did not shut down");
}
