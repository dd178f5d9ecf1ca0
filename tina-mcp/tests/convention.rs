//! The real `tina-mcp` binary keeps the convention every TINA binary shares: exit 2 for
//! usage errors and 1 when it cannot serve, with `error: ...` on stderr and **nothing**
//! on stdout (the MCP protocol channel); the store flags reach its configuration; and
//! its `--help` agrees with the README.

#[path = "../../tina-session/tests/support/convention.rs"]
mod convention;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tina-mcp"))
}

fn mcp(home: &Path, args: &[&str]) -> Output {
    let out = convention::command(&bin(), home)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run tina-mcp");
    assert!(
        out.stdout.is_empty(),
        "stdout is for the protocol only: {out:?}"
    );
    out
}

#[test]
fn usage_errors_exit_2_and_failures_exit_1_with_stdout_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = mcp(dir.path(), &["--bogus"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");

    let tina = dir.path().join("tina");
    std::fs::create_dir_all(&tina).expect("home");
    std::fs::write(tina.join("config.toml"), "claude_home = [").expect("config");
    let out = mcp(dir.path(), &["serve"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: invalid ") && stderr.contains("config.toml"),
        "{stderr}"
    );
}

#[test]
fn the_store_flags_reach_the_configuration() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = mcp(dir.path(), &["--convex-url", "https://flag.convex.cloud"]);
    convention::assert_convex_flag_reaches_the_config(&out);
}

#[test]
fn the_readme_and_help_agree() {
    convention::assert_readme_agrees(&bin(), "tina-mcp");
}
