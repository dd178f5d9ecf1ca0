//! The real `tina-web` binary keeps the convention every TINA binary shares: exit 2 for
//! usage errors and 1 when it cannot serve, errors as one JSON line on stderr under
//! `--json`, the listening address as JSON with `--json`; and its `--help` agrees with
//! the README.

#[path = "../../tina-session/tests/support/convention.rs"]
mod convention;

use convention::json_error;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tina-web"))
}

fn web(home: &Path) -> Command {
    let mut cmd = Command::new(bin());
    cmd.arg("--tina-home")
        .arg(home)
        .env_remove("TINA_CONVEX_URL")
        .env_remove("TINA_CONVEX_KEY")
        .env("RUST_LOG", "warn");
    cmd
}

#[test]
fn usage_errors_exit_2_and_failures_exit_1_as_json_under_json() {
    let home = tempfile::tempdir().expect("temp dir");
    let out = web(home.path())
        .args(["--port", "not-a-port"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = web(home.path())
        .args(["--json", "--port", "not-a-port"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(json_error(&out)["error"]["kind"], "usage");

    // A port in use: the server cannot run, a failure (1), not a usage error.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let out = web(home.path())
        .args(["--json", "--port", &port])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = json_error(&out);
    assert_eq!(err["error"]["kind"], "failed");
    assert!(
        err["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(&port) && m.contains("--port")),
        "{err}"
    );
}

#[test]
fn json_prints_the_listening_address_as_json() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut child = web(home.path())
        .args(["--json", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    let _ = child.kill();
    let _ = child.wait();
    let value: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
    assert!(
        value["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http://127.0.0.1:")),
        "{value}"
    );
}

#[test]
fn the_readme_and_help_agree() {
    convention::assert_readme_agrees(&bin(), "tina-web");
}
