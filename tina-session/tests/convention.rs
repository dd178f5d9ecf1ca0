//! The real `tina-session` binary keeps the convention every TINA binary shares: exit 2
//! for usage errors and 1 for failures, errors as one JSON line on stderr under `--json`
//! (stdout empty), the home and store flags, values printed as their flag spells them,
//! aligned `list` columns; and its `--help` agrees with the README.

#[path = "support/convention.rs"]
mod convention;

use convention::json_error;

use std::path::{Path, PathBuf};
use std::process::Output;

use unicode_width::UnicodeWidthStr;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tina-session"))
}

fn run(home: &Path, args: &[&str]) -> Output {
    convention::command(&bin(), home)
        .args(args)
        .current_dir(home)
        .output()
        .expect("run tina-session")
}

#[test]
fn usage_errors_exit_2_and_failures_exit_1_as_json_under_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path();

    // Usage: an unknown flag, a bad value; text and JSON.
    let out = run(home, &["list", "--bogus"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "));
    let out = run(home, &["list", "--bogus", "--json"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = json_error(&out);
    assert_eq!(err["error"]["kind"], "usage");
    assert!(
        err["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("--bogus")),
        "{err}"
    );

    // A failure: not found, exit 1, with what to do.
    let out = run(home, &["status", "--feature", "nope", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = json_error(&out);
    assert_eq!(err["error"]["kind"], "not_found");
    assert!(
        err["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("tina-session list")),
        "{err}"
    );

    // A refused input names its flag.
    std::fs::write(home.join("design.md"), "# d\n").expect("design doc");
    let out = run(
        home,
        &[
            "init",
            "--feature",
            "../up",
            "--design-doc",
            "design.md",
            "--no-worktree",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = json_error(&out);
    assert_eq!(err["error"]["kind"], "invalid_input", "{err}");
    assert_eq!(err["error"]["flag"], "--feature", "{err}");
    let out = run(
        home,
        &[
            "init",
            "--feature",
            "../up",
            "--design-doc",
            "design.md",
            "--no-worktree",
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("error: --feature: "),
        "{out:?}"
    );
}

#[test]
fn tasks_refuses_a_bad_status_or_phase_as_usage() {
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path();
    let out = run(
        home,
        &["tasks", "--feature", "f", "--status", "in-progress"],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("did you mean in_progress?"),
        "{out:?}"
    );
    for bad in ["", "in progress", "done!"] {
        let out = run(home, &["tasks", "--feature", "f", "--status", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {out:?}");
    }
    let out = run(home, &["tasks", "--feature", "f", "--phase", "0", "--json"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(json_error(&out)["error"]["kind"], "usage");
    // A well-formed status passes the parser (an unknown feature is then the failure).
    let out = run(home, &["tasks", "--feature", "f", "--status", "mystery"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
}

#[test]
fn the_store_flags_reach_the_configuration() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A Convex URL from the flag, without a key: refused before connecting, naming the key.
    let out = run(
        dir.path(),
        &["--convex-url", "https://flag.convex.cloud", "list"],
    );
    convention::assert_convex_flag_reaches_the_config(&out);
    let out = run(dir.path(), &["list", "--convex-key", ""]);
    assert_eq!(out.status.code(), Some(2), "an empty key is a usage error");
}

#[test]
fn list_columns_align_and_runtimes_print_as_their_flag_values() {
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path();
    std::fs::write(home.join("design.md"), "# d\n").expect("design doc");
    std::fs::write(home.join("plan.md"), "# p\n").expect("plan");
    let long = "a-feature-name-well-past-thirty-characters-long";
    for feature in ["x", long] {
        let out = run(
            home,
            &[
                "init",
                "--feature",
                feature,
                "--design-doc",
                "design.md",
                "--no-worktree",
                "--total-phases",
                "12",
            ],
        );
        assert!(out.status.success(), "{out:?}");
    }
    let out = run(home, &["list"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    let column = |line: &str, needle: &str| {
        let at = line
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in {line}"));
        line[..at].width()
    };
    let status = column(lines[0], "STATUS");
    let id = column(lines[0], "ID");
    for line in &lines[1..] {
        assert_eq!(column(line, "planning"), status, "{text}");
        // Every id is a uuid, starting in the ID column.
        let last = line.split_whitespace().last().expect("id");
        assert_eq!(column(line, last), id, "{text}");
    }

    let out = run(
        home,
        &[
            "start",
            "--feature",
            "x",
            "--phase",
            "1",
            "--plan",
            "plan.md",
            "--runtime",
            "none",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("runtime:        none"), "{text}");

    // A phase past the last is refused (after parsing), naming --phase apart under --json.
    let out = run(
        home,
        &["tasks", "--feature", "x", "--phase", "13", "--json"],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = json_error(&out);
    assert_eq!(err["error"]["kind"], "invalid_input", "{err}");
    assert_eq!(err["error"]["flag"], "--phase", "{err}");
    let out = run(home, &["tasks", "--feature", "x", "--phase", "13"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("error: --phase: phase 13"),
        "{out:?}"
    );
}

#[test]
fn the_readme_and_help_agree() {
    let help = convention::assert_readme_agrees(&bin(), "tina-session");
    // Every command that prints takes --json.
    for path in help.paths() {
        let mut node = &help;
        for name in &path {
            node = &node.subcommands[name];
        }
        if node.subcommands.is_empty() && path != ["hook"] {
            assert!(node.flags.contains_key("json"), "{path:?} has no --json");
        }
    }
}

#[test]
fn every_flag_has_help() {
    use clap::CommandFactory;
    let cli = tina_session::cli::Cli::command();
    assert_eq!(
        tina_session::cli_common::undocumented(&cli),
        Vec::<String>::new()
    );
}

#[test]
fn the_readme_check_fails_on_drift() {
    let help = convention::help_of(&bin());
    let drifted = "Run `tina-session stauts --feature x` or `tina-session list --colour`.\n\
                   ```sh\ncargo run -p tina-session -- init --featur x   # typo\n```\n";
    let problems = convention::disagreements(drifted, "tina-session", &help);
    let all = problems.join("\n");
    assert!(all.contains("no subcommand 'stauts'"), "{all}");
    assert!(all.contains("has no flag --colour"), "{all}");
    assert!(
        all.contains("`tina-session init` has no flag --featur"),
        "{all}"
    );
    assert!(
        all.contains("never shows `tina-session daemon stop`"),
        "{all}"
    );
}
