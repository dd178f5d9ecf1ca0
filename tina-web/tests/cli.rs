//! The real `tina-web` binary: serves on the printed address (with or without the `serve`
//! subcommand), stops on SIGTERM with exit 0, logs only warnings by default, and fails
//! with a clear message when it cannot listen.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tina-web"));
    cmd.env_remove("TINA_CONVEX_URL").env("RUST_LOG", "warn");
    cmd
}

/// Reads the first stdout line of a started `tina-web` and returns the base URL it names.
async fn base_url(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .expect("join")
    .expect("read line");
    line.trim()
        .strip_prefix("tina-web listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned()
}

/// The `store` that `GET /api/health` reports.
async fn health_store(base: &str) -> String {
    let body: serde_json::Value = serde_json::from_slice(
        &reqwest::get(format!("{base}/api/health"))
            .await
            .expect("health")
            .bytes()
            .await
            .expect("body"),
    )
    .expect("json");
    body["store"].as_str().unwrap_or_default().to_owned()
}

/// Sends SIGTERM and waits for the exit, which must be a success.
async fn terminate(child: Child) {
    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    assert!(
        output.status.success(),
        "graceful exit: {:?}",
        output.status
    );
}

#[tokio::test]
async fn serves_on_port_0_and_stops_on_sigterm() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut child = bin()
        .args(["serve", "--port", "0", "--tina-home"])
        .arg(home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn tina-web");
    let base = base_url(&mut child).await;
    assert!(
        base.starts_with("http://127.0.0.1:"),
        "loopback by default: {base}"
    );
    let store = health_store(&base).await;
    assert!(
        store.contains(&home.path().display().to_string()),
        "uses --tina-home: {store}"
    );
    terminate(child).await;
}

#[tokio::test]
async fn serves_without_the_subcommand_honouring_its_flags() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut child = bin()
        .args(["--port", "0", "--tina-home"])
        .arg(home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn tina-web");
    // --port 0 honoured: not the default 7410.
    let base = base_url(&mut child).await;
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert!(!base.ends_with(":7410"), "--port 0 was dropped: {base}");
    let store = health_store(&base).await;
    assert!(
        store.contains(&home.path().display().to_string()),
        "uses --tina-home: {store}"
    );
    terminate(child).await;
}

#[tokio::test]
async fn logs_only_warnings_unless_rust_log_says_otherwise() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut child = bin()
        .env_remove("RUST_LOG")
        .args(["--port", "0", "--tina-home"])
        .arg(home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tina-web");
    let base = base_url(&mut child).await;
    // A request, and a refused one (which logs a warning): both happen under the default.
    health_store(&base).await;
    let refused = reqwest::Client::new()
        .get(format!("{base}/api/health"))
        .header(reqwest::header::HOST, "evil.example")
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status().as_u16(), 421);
    let mut stderr = child.stderr.take().expect("stderr");
    terminate(child).await;
    let mut err = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut err).expect("read stderr");
    assert!(!err.contains("INFO"), "info logged by default:\n{err}");
    assert!(err.contains("WARN"), "warnings still logged:\n{err}");
    assert!(err.contains("evil.example"), "{err}");
}

#[test]
fn port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let home = tempfile::tempdir().expect("temp dir");
    let mut child = bin()
        .args(["serve", "--port", &port, "--tina-home"])
        .arg(home.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("tina-web kept running on a taken port");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    // The server could not run: a failure (1); 2 is for usage errors.
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("127.0.0.1:{port}")) && err.contains("--port"),
        "{err}"
    );
}
