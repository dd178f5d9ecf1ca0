//! Serving the tools: stdio (the default, what Claude Code uses) or streamable HTTP
//! bound to a loopback address only.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use rmcp::ServiceExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::TinaMcp;

/// Serves one client over stdin/stdout until it disconnects or `shutdown` fires.
/// Nothing else may write to stdout while this runs.
pub async fn serve_stdio(server: TinaMcp, shutdown: CancellationToken) -> anyhow::Result<()> {
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .context("MCP handshake over stdio failed")?;
    let ct = running.cancellation_token();
    tokio::select! {
        r = running.waiting() => { r.context("MCP stdio session failed")?; }
        _ = shutdown.cancelled() => { ct.cancel(); }
    }
    Ok(())
}

/// Refuses anything but a loopback address: the tools can start builds and runs.
pub fn check_loopback(addr: &SocketAddr) -> anyhow::Result<()> {
    anyhow::ensure!(
        addr.ip().is_loopback(),
        "refusing to serve MCP on {addr}: only loopback addresses (127.0.0.1, ::1) are \
         allowed, because the tools can start builds and scenario runs"
    );
    Ok(())
}

/// Serves streamable HTTP at `http://<addr>/mcp` until `shutdown` fires. Binds before
/// returning the bound address (use port 0 for an ephemeral one).
pub async fn serve_http(
    server: TinaMcp,
    addr: SocketAddr,
    shutdown: CancellationToken,
) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<anyhow::Result<()>>)> {
    check_loopback(&addr)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot bind {addr}"))?;
    let bound = listener.local_addr()?;
    let config =
        StreamableHttpServerConfig::default().with_cancellation_token(shutdown.child_token());
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let router = axum::Router::new().nest_service("/mcp", service);
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await
            .context("HTTP server failed")
    });
    Ok((bound, task))
}
