//! `tina-session daemon status` (the real binary) for a daemon that runs but cannot
//! write: state "unhealthy", the reason, exit code 1. A `sleep` process stands in for
//! the daemon (named through `TINA_DAEMON_BIN`, which status accepts as the daemon's
//! binary); the heartbeat is the one a daemon writes when its store is full.

use std::process::{Command, Stdio};

use tina_session::daemon::{DaemonProblem, Heartbeat, ProblemKind};
use tina_session::now_ms;

#[test]
fn daemon_status_shows_an_unhealthy_daemon_with_its_reason_and_exits_one() {
    let dir = tempfile::tempdir().unwrap();
    let tina = dir.path().join("tina");
    std::fs::create_dir_all(&tina).unwrap();
    let mut stand_in = Command::new("sleep")
        .arg("60")
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let pid = stand_in.id();
    std::fs::write(tina.join("daemon.pid"), pid.to_string()).unwrap();
    let heartbeat = |problem: Option<DaemonProblem>| {
        let hb = Heartbeat {
            pid,
            started_at: now_ms() - 60_000,
            updated_at: now_ms(),
            ready: true,
            problem,
        };
        std::fs::write(
            tina.join("daemon.heartbeat"),
            serde_json::to_vec(&hb).unwrap(),
        )
        .unwrap();
    };
    let status = || {
        Command::new(env!("CARGO_BIN_EXE_tina-session"))
            .args(["daemon", "status"])
            .env("TINA_HOME", &tina)
            .env("CLAUDE_HOME", dir.path().join("claude"))
            .env("TINA_DAEMON_BIN", "/usr/bin/sleep")
            .output()
            .unwrap()
    };

    heartbeat(None);
    let out = status();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("daemon: running"), "{text}");

    heartbeat(Some(DaemonProblem {
        kind: ProblemKind::DiskFull,
        detail: "database /x/tina.db is full (database or disk is full)".into(),
        since: now_ms() - 5_000,
    }));
    let out = status();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("unhealthy"), "{text}");
    assert!(text.contains("problem:       disk_full since"), "{text}");
    assert!(text.contains("disk is full"), "{text}");

    let _ = stand_in.kill();
    let _ = stand_in.wait();
}
