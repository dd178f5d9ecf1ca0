//! Test helpers: a real server on 127.0.0.1:0 over a SQLite file in a temp dir.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use tina_session::Store;
use tina_session::config::Config;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub struct TestServer {
    pub base: String,
    pub store: Arc<dyn Store>,
    pub dir: tempfile::TempDir,
    pub shutdown: CancellationToken,
    pub handle: JoinHandle<std::io::Result<()>>,
    pub client: reqwest::Client,
}

impl TestServer {
    /// A server over a fresh SQLite store in a temp `TINA_HOME`.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Config::at(dir.path(), dir.path().join("claude"))
            .open_store()
            .expect("open store");
        Self::start_with(store, dir).await
    }

    pub async fn start_with(store: Arc<dyn Store>, dir: tempfile::TempDir) -> Self {
        Self::start_bound("127.0.0.1:0", store, dir).await
    }

    /// A server over a fresh SQLite store, listening on `bind` (e.g. `0.0.0.0:0`); `base`
    /// is always `http://127.0.0.1:<port>`, which reaches either.
    pub async fn start_on(bind: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Config::at(dir.path(), dir.path().join("claude"))
            .open_store()
            .expect("open store");
        Self::start_bound(bind, store, dir).await
    }

    async fn start_bound(bind: &str, store: Arc<dyn Store>, dir: tempfile::TempDir) -> Self {
        let listener = tokio::net::TcpListener::bind(bind).await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let base = format!("http://127.0.0.1:{port}");
        let shutdown = CancellationToken::new();
        let options = tina_web::ServeOptions {
            poll_interval: Duration::from_millis(200),
            ..tina_web::ServeOptions::default()
        };
        let handle = tokio::spawn(tina_web::serve(
            listener,
            store.clone(),
            options,
            shutdown.clone(),
        ));
        Self {
            base,
            store,
            dir,
            shutdown,
            handle,
            client: reqwest::Client::new(),
        }
    }

    /// A second, independent handle on the same database file (as another process has).
    pub fn second_store(&self) -> Arc<dyn Store> {
        Config::at(self.dir.path(), self.dir.path().join("claude"))
            .open_store()
            .expect("open second store")
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = resp.bytes().await.expect("body");
        assert!(
            ctype.starts_with("application/json"),
            "{path}: content-type {ctype}"
        );
        let body = serde_json::from_slice(&bytes).expect("JSON body");
        (status, body)
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        let result = tokio::time::timeout(Duration::from_secs(5), self.handle)
            .await
            .expect("server stops within 5 s");
        result.expect("server task").expect("server result");
    }
}
