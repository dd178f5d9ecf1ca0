//! The real binary stops promptly on SIGINT and on SIGTERM, before and after the MCP
//! handshake, with its stdin still open: Claude Code ends its MCP servers that way
//! (SIGINT, then SIGTERM 100 ms later) and a server that ignores SIGINT is killed
//! without cleaning up.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Generous: this catches a server that never exits, it does not measure speed.
const HANG: Duration = Duration::from_secs(20);

fn spawn(home: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tina-mcp"))
        .arg("serve")
        .env("TINA_HOME", home)
        .env("CLAUDE_HOME", home.join("claude"))
        .env_remove("TINA_CONVEX_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn tina-mcp")
}

fn send_signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal} failed");
}

/// Waits for the exit; None when it is still running after [`HANG`].
fn exited_within(child: &mut Child) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + HANG;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Completes the MCP handshake over the child's pipes and lists the tools.
fn handshake(child: &mut Child) {
    let stdin = child.stdin.as_mut().expect("stdin");
    let init = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "signals-test", "version": "0"}}});
    writeln!(stdin, "{init}").expect("write initialize");
    let mut out = BufReader::new(child.stdout.as_mut().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("read initialize result");
    assert!(line.contains("\"serverInfo\""), "{line}");
    let stdin = child.stdin.as_mut().expect("stdin");
    writeln!(
        stdin,
        "{}",
        serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
    )
    .expect("write initialized");
    writeln!(
        stdin,
        "{}",
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    )
    .expect("write tools/list");
    line.clear();
    out.read_line(&mut line).expect("read tools/list");
    assert!(line.contains("start_phase"), "{line}");
}

#[test]
fn sigint_and_sigterm_stop_the_stdio_server_with_stdin_open() {
    for signal in ["INT", "TERM"] {
        for after_handshake in [false, true] {
            let home = tempfile::tempdir().expect("tempdir");
            let mut child = spawn(home.path());
            if after_handshake {
                handshake(&mut child);
            } else {
                // Let it reach the handshake wait (the store is opened first).
                std::thread::sleep(Duration::from_millis(300));
            }
            send_signal(&child, signal);
            let status = exited_within(&mut child);
            assert!(
                status.is_some(),
                "tina-mcp still running {HANG:?} after SIG{signal} (handshake done: {after_handshake})"
            );
        }
    }
}
