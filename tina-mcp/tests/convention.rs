//! The real `tina-mcp` binary keeps the convention every TINA binary shares: exit 2 for
//! usage errors and 1 when it cannot serve, with `error: ...` on stderr and **nothing**
//! on stdout (the MCP protocol channel); the store flags reach its configuration; and
//! its `--help` agrees with the README.

#[path = "../../tina-session/tests/support/help_readme.rs"]
mod help_readme;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tina-mcp"))
}

fn mcp(home: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("--tina-home")
        .arg(home.join("tina"))
        .arg("--claude-home")
        .arg(home.join("claude"))
        .args(args)
        .env_remove("TINA_CONVEX_URL")
        .env_remove("TINA_CONVEX_KEY")
        .stdin(Stdio::null())
        .output()
        .expect("run tina-mcp")
}

#[test]
fn usage_errors_exit_2_and_failures_exit_1_with_stdout_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = mcp(dir.path(), &["--bogus"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");

    let tina = dir.path().join("tina");
    std::fs::create_dir_all(&tina).expect("home");
    std::fs::write(tina.join("config.toml"), "claude_home = [").expect("config");
    let out = mcp(dir.path(), &["serve"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
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
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("https://flag.convex.cloud") && stderr.contains("TINA_CONVEX_KEY"),
        "{stderr}"
    );
}

#[test]
fn the_readme_and_help_agree() {
    let help = help_readme::help_of(&bin());
    let problems = help_readme::disagreements(&help_readme::readme(), "tina-mcp", &help);
    assert!(problems.is_empty(), "{problems:#?}");
}
