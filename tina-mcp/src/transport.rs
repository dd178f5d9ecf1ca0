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
    let handshake = async {
        match pipes() {
            Some(io) => server.serve(io).await,
            None => server.serve(rmcp::transport::stdio()).await,
        }
    };
    // A signal during the handshake ends the server too.
    let running = tokio::select! {
        r = handshake => r.context("MCP handshake over stdio failed")?,
        _ = shutdown.cancelled() => return Ok(()),
    };
    let ct = running.cancellation_token();
    tokio::select! {
        r = running.waiting() => { r.context("MCP stdio session failed")?; }
        _ = shutdown.cancelled() => { ct.cancel(); }
    }
    Ok(())
}

/// Stdin and stdout as non-blocking pipes registered with the reactor, when both are
/// pipes (as when a client spawns the server). Tokio's `stdin()`/`stdout()` go through
/// a blocking thread for every read and write, which costs a thread hand-off per
/// message each way; reading the pipes directly removes it. Anything else (a file, a
/// terminal) gets `None` and the ordinary stdio transport.
fn pipes() -> Option<(
    tokio::net::unix::pipe::Receiver,
    tokio::net::unix::pipe::Sender,
)> {
    use std::os::fd::AsFd;
    let input = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let output = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
    let rx = tokio::net::unix::pipe::Receiver::from_owned_fd(input).ok()?;
    let tx = tokio::net::unix::pipe::Sender::from_owned_fd(output).ok()?;
    Some((rx, tx))
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
