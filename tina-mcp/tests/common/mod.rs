//! In-process MCP client over `tokio::io::duplex` against a seeded temporary store.

#![allow(dead_code)]

pub mod budget;
pub mod failing;
pub mod seed;

use std::path::PathBuf;
use std::time::Duration;

use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServiceExt};
use serde_json::Value;
use tina_mcp::{Context, TinaMcp};

pub use seed::{Seeded, seed};

pub struct Session {
    pub client: RunningService<RoleClient, ()>,
    pub seeded: Seeded,
    pub dir: tempfile::TempDir,
}

/// Seeds a temp store and connects a client to a fresh server over an in-memory pipe.
pub async fn session() -> Session {
    session_with(|_| {}).await
}

pub async fn session_with(adjust: impl FnOnce(&mut Context)) -> Session {
    let dir = tempfile::tempdir().expect("tempdir");
    let seeded = seed(dir.path());
    let mut ctx = Context::new(
        seeded.config.clone(),
        seeded.store.clone(),
        dir.path().join("scenarios"),
    );
    ctx.watch_poll = Duration::from_millis(20);
    adjust(&mut ctx);
    let client = connect(TinaMcp::new(ctx), ()).await;
    Session {
        client,
        seeded,
        dir,
    }
}

pub async fn connect<C: rmcp::ClientHandler>(
    server: TinaMcp,
    handler: C,
) -> RunningService<RoleClient, C> {
    let (server_io, client_io) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    handler.serve(client_io).await.expect("client handshake")
}

pub fn scenarios_dir(s: &Session) -> PathBuf {
    s.dir.path().join("scenarios")
}

fn params(name: &str, args: Value) -> CallToolRequestParams {
    let mut p = CallToolRequestParams::new(name.to_owned());
    if let Value::Object(map) = args {
        p = p.with_arguments(map);
    }
    p
}

/// Calls a tool; a protocol error panics (use `call_raw` to inspect those).
pub async fn call<C: rmcp::ClientHandler>(
    client: &RunningService<RoleClient, C>,
    name: &str,
    args: Value,
) -> CallToolResult {
    client
        .call_tool(params(name, args))
        .await
        .unwrap_or_else(|e| panic!("{name}: protocol error {e}"))
}

pub async fn call_raw<C: rmcp::ClientHandler>(
    client: &RunningService<RoleClient, C>,
    name: &str,
    args: Value,
) -> Result<CallToolResult, rmcp::ServiceError> {
    client.call_tool(params(name, args)).await
}

/// The structured content of a successful call.
pub async fn ok<C: rmcp::ClientHandler>(
    client: &RunningService<RoleClient, C>,
    name: &str,
    args: Value,
) -> Value {
    let r = call(client, name, args).await;
    assert_ne!(r.is_error, Some(true), "{name} failed: {}", text(&r));
    let structured = r
        .structured_content
        .clone()
        .unwrap_or_else(|| panic!("{name}: no structured content"));
    // The text block carries the same JSON for clients that ignore structuredContent.
    let from_text: Value = serde_json::from_str(&text(&r)).expect("text block is JSON");
    assert_eq!(
        from_text, structured,
        "{name}: text and structured content differ"
    );
    structured
}

/// The message of a call that must fail with a tool error (`isError: true`).
pub async fn tool_error<C: rmcp::ClientHandler>(
    client: &RunningService<RoleClient, C>,
    name: &str,
    args: Value,
) -> String {
    let r = call(client, name, args).await;
    assert_eq!(
        r.is_error,
        Some(true),
        "{name} should fail, got {:?}",
        r.structured_content
    );
    text(&r)
}

pub fn text(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}
