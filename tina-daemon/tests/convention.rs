//! The real `tina-daemon` binary keeps the convention every TINA binary shares: exit 2
//! for usage errors, 1 for failures (with `error: ...` on stderr), the home and store
//! flags reach its configuration; and its `--help` agrees with the README.

#[path = "../../tina-session/tests/support/convention.rs"]
mod convention;

use std::path::{Path, PathBuf};
use std::process::Output;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tina-daemon"))
}

fn daemon(home: &Path, args: &[&str]) -> Output {
    convention::command(&bin(), home)
        .args(args)
        .output()
        .expect("run tina-daemon")
}

#[test]
fn usage_errors_exit_2_and_failures_exit_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = daemon(dir.path(), &["--once", "--bogus"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty());

    // A broken config.toml: a failure naming the file.
    let tina = dir.path().join("tina");
    std::fs::create_dir_all(&tina).expect("home");
    std::fs::write(tina.join("config.toml"), "claude_home = [").expect("config");
    let out = daemon(dir.path(), &["--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: invalid ") && stderr.contains("config.toml"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn the_store_flags_reach_the_configuration() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = daemon(
        dir.path(),
        &["--once", "--convex-url", "https://flag.convex.cloud"],
    );
    convention::assert_convex_flag_reaches_the_config(&out);
}

#[test]
fn the_readme_and_help_agree() {
    convention::assert_readme_agrees(&bin(), "tina-daemon");
}
