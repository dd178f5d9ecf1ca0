//! The real `tina-web` binary: serves on the printed address, stops on SIGTERM with exit 0,
//! and fails with a clear message when it cannot listen.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tina-web"));
    cmd.env_remove("TINA_CONVEX_URL").env("RUST_LOG", "warn");
    cmd
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
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .expect("join")
    .expect("read line");
    let base = line
        .trim()
        .strip_prefix("tina-web listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(
        base.starts_with("http://127.0.0.1:"),
        "loopback by default: {base}"
    );

    let body: serde_json::Value = serde_json::from_slice(
        &reqwest::get(format!("{base}/api/health"))
            .await
            .expect("health")
            .bytes()
            .await
            .expect("body"),
    )
    .expect("json");
    let store = body["store"].as_str().unwrap_or_default();
    assert!(
        store.contains(&home.path().display().to_string()),
        "uses --tina-home: {store}"
    );

    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(status.success(), "graceful exit: {status:?}");
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
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("127.0.0.1:{port}")) && err.contains("--port"),
        "{err}"
    );
}
