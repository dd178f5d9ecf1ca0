//! Pins the launcher's command line and environment, built as data.

use std::collections::BTreeMap;

use super::*;

fn config(claude_home: &str, convex: Option<&str>) -> Config {
    Config {
        tina_home: "/t/tina".into(),
        claude_home: claude_home.into(),
        convex_url: convex.map(str::to_owned),
        convex_key: convex.map(|_| crate::config::DeploymentKey::new("k".repeat(40))),
    }
}

fn settings() -> LaunchSettings {
    LaunchSettings {
        claude_bin: "/opt/cc/claude".into(),
        plugin_dir: "/src/tina".into(),
        permission_mode: "acceptEdits".into(),
        model: None,
        trust: false,
        link_timeout: DEFAULT_LINK_TIMEOUT,
    }
}

fn lead() -> Lead {
    Lead {
        tmux_session: "greeting-phase-1".into(),
        cwd: "/w/greeting".into(),
        session_id: "0190f5a2-0000-7000-8000-000000000001".into(),
        prompt: "/tina:phase-executor go".into(),
    }
}

fn build(
    cfg: &Config,
    s: &LaunchSettings,
    vars: &[(&str, &str)],
    default_dir: Option<&str>,
) -> LaunchCommand {
    let map: BTreeMap<String, OsString> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
        .collect();
    let env = move |k: &str| map.get(k).cloned();
    command(
        cfg,
        s,
        &lead(),
        &Surroundings {
            env: &env,
            bin_dir: Path::new("/src/tina/target/debug"),
            default_claude_dir: default_dir.map(PathBuf::from),
        },
    )
}

fn strings(args: &[OsString]) -> Vec<String> {
    args.iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn the_command_line_is_tmux_then_claude_with_session_plugin_and_mode() {
    let cmd = build(
        &config("/t/claude", None),
        &settings(),
        &[("PATH", "/usr/bin:/bin")],
        Some("/home/u/.claude"),
    );
    assert_eq!(cmd.program, "tmux");
    let args = strings(&cmd.args);
    assert_eq!(
        args[..6],
        [
            "new-session",
            "-d",
            "-s",
            "greeting-phase-1",
            "-c",
            "/w/greeting"
        ]
    );
    assert_eq!(
        strings(cmd.claude_argv()),
        [
            "/opt/cc/claude",
            "--session-id",
            "0190f5a2-0000-7000-8000-000000000001",
            "--plugin-dir",
            "/src/tina",
            "--permission-mode",
            "acceptEdits",
            "/tina:phase-executor go",
        ]
    );
    let mut with_model = settings();
    with_model.model = Some("claude-sonnet-4-5".into());
    with_model.permission_mode = "default".into();
    let cmd = build(&config("/t/claude", None), &with_model, &[], None);
    let argv = strings(cmd.claude_argv());
    assert_eq!(
        argv[5..],
        [
            "--permission-mode",
            "default",
            "--model",
            "claude-sonnet-4-5",
            "/tina:phase-executor go"
        ]
    );
}

#[test]
fn the_environment_is_explicit_and_complete() {
    let cmd = build(
        &config("/t/claude", Some("https://x.convex.cloud")),
        &settings(),
        &[
            ("PATH", "/usr/bin:/bin"),
            ("ANTHROPIC_API_KEY", "sk-test"),
            ("ANTHROPIC_BASE_URL", "http://127.0.0.1:9"),
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("DISABLE_TELEMETRY", "1"),
            ("TINA_CLAUDE_BIN", "/opt/cc/claude"),
            ("UNRELATED_SECRET", "must not pass"),
        ],
        Some("/home/u/.claude"),
    );
    let env: Vec<(String, String)> = cmd
        .env()
        .into_iter()
        .map(|(k, v)| (k, v.to_string_lossy().into_owned()))
        .collect();
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        pairs,
        [
            ("CLAUDE_CODE_EXPERIMENTAL_AGENT_TEAMS", "1"),
            ("CLAUDE_CODE_ENABLE_TODO_TOOLS", "1"),
            ("TINA_HOME", "/t/tina"),
            ("CLAUDE_HOME", "/t/claude"),
            ("CLAUDE_CONFIG_DIR", "/t/claude"),
            ("TINA_CONVEX_URL", "https://x.convex.cloud"),
            (
                "TINA_CONVEX_KEY",
                "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
            ),
            ("TINA_PLUGIN_DIR", "/src/tina"),
            ("PATH", "/src/tina/target/debug:/usr/bin:/bin"),
            ("ANTHROPIC_API_KEY", "sk-test"),
            ("ANTHROPIC_BASE_URL", "http://127.0.0.1:9"),
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("DISABLE_TELEMETRY", "1"),
            ("TINA_CLAUDE_BIN", "/opt/cc/claude"),
        ]
    );
}

#[test]
fn config_dir_only_when_claude_home_is_not_the_default_and_convex_empty_for_sqlite() {
    let cmd = build(
        &config("/home/u/.claude", None),
        &settings(),
        &[],
        Some("/home/u/.claude"),
    );
    let env = cmd.env();
    assert!(
        !env.iter().any(|(k, _)| k == "CLAUDE_CONFIG_DIR"),
        "{env:?}"
    );
    assert!(env.contains(&("TINA_CONVEX_URL".into(), OsString::new())));
    assert!(env.contains(&("TINA_CONVEX_KEY".into(), OsString::new())));
    // No HOME at all: the config dir is always passed.
    let cmd = build(&config("/home/u/.claude", None), &settings(), &[], None);
    assert!(cmd.env().iter().any(|(k, _)| k == "CLAUDE_CONFIG_DIR"));
}

#[test]
fn settings_come_from_the_environment_and_refuse_nonsense() {
    let none = |_: &str| None;
    let s = LaunchSettings::from_lookup(&none).expect("defaults");
    assert_eq!(s.claude_bin, PathBuf::from("claude"));
    assert_eq!(s.permission_mode, "acceptEdits");
    assert_eq!(s.link_timeout, DEFAULT_LINK_TIMEOUT);
    assert_eq!(s.plugin_dir, default_plugin_dir());
    assert!(s.plugin_dir.join(".claude-plugin/plugin.json").is_file());
    let set = |k: &str| match k {
        CLAUDE_BIN_ENV => Some(OsString::from("/x/claude")),
        PERMISSION_MODE_ENV => Some(OsString::from("plan")),
        MODEL_ENV => Some(OsString::from("opus")),
        LINK_TIMEOUT_ENV => Some(OsString::from("30")),
        PLUGIN_DIR_ENV => Some(OsString::from("/p")),
        _ => None,
    };
    let s = LaunchSettings::from_lookup(&set).expect("set");
    assert_eq!(
        (
            s.claude_bin.to_str(),
            s.permission_mode.as_str(),
            s.model.as_deref(),
            s.link_timeout,
            s.plugin_dir.to_str()
        ),
        (
            Some("/x/claude"),
            "plan",
            Some("opus"),
            Duration::from_secs(30),
            Some("/p")
        )
    );
    let bad_mode = |k: &str| (k == PERMISSION_MODE_ENV).then(|| OsString::from("yolo"));
    let err = LaunchSettings::from_lookup(&bad_mode).expect_err("mode");
    assert!(err.to_string().contains("acceptEdits"), "{err}");
    let bad_wait = |k: &str| (k == LINK_TIMEOUT_ENV).then(|| OsString::from("0"));
    let err = LaunchSettings::from_lookup(&bad_wait).expect_err("timeout");
    assert!(err.to_string().contains(LINK_TIMEOUT_ENV), "{err}");
}

#[test]
fn versions_parse_and_the_supported_range_holds() {
    assert_eq!(
        Version::parse("2.1.332 (Claude Code)\n"),
        Some(Version(2, 1, 332))
    );
    assert_eq!(Version::parse("claude v2.1.200"), Some(Version(2, 1, 200)));
    assert_eq!(Version::parse("Claude Code"), None);
    assert!(Version(2, 1, 332).is_supported());
    assert!(MIN_VERSION.is_supported() && TESTED_VERSION.is_supported());
    assert!(!Version(2, 1, 177).is_supported());
    assert!(!Version(2, 2, 0).is_supported());
    let msg = LaunchError::Unsupported {
        found: Version(2, 0, 5),
    }
    .to_string();
    assert!(
        msg.contains("2.1.178") && msg.contains("2.2.0") && msg.contains("2.0.5"),
        "{msg}"
    );
}

#[test]
fn preflight_names_a_missing_claude() {
    let mut s = settings();
    s.claude_bin = "/nonexistent/claude".into();
    let err = preflight(&s).expect_err("missing");
    let text = err.to_string();
    // tmux may be missing on a machine; either way the message says what to install.
    assert!(
        text.contains("/nonexistent/claude") || text.contains("tmux"),
        "{text}"
    );
}

#[test]
fn preflight_reads_the_version_of_a_fake_claude() {
    use std::os::unix::fs::PermissionsExt;
    if find_program(OsStr::new("tmux")).is_none() {
        eprintln!("SKIPPED: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for (version, ok) in [
        ("2.1.332 (Claude Code)", true),
        ("1.0.3 (Claude Code)", false),
    ] {
        let bin = dir.path().join("claude");
        std::fs::write(&bin, format!("#!/bin/sh\necho '{version}'\n")).expect("write");
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let mut s = settings();
        s.claude_bin = bin;
        match preflight(&s) {
            Ok(v) => assert!(ok, "accepted {v}"),
            Err(e) => assert!(!ok && e.to_string().contains("1.0.3"), "{e}"),
        }
    }
}

#[test]
fn trust_sets_only_that_key_and_keeps_a_backup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("worktree");
    std::fs::create_dir_all(&folder).expect("mkdir");
    let key = std::fs::canonicalize(&folder).expect("canonical");
    let key = key.to_str().expect("utf-8");
    let original = serde_json::json!({
        "hasCompletedOnboarding": true,
        "projects": { key: { "allowedTools": ["Bash"] }, "/other": { "x": 1 } }
    });
    let file = dir.path().join(".claude.json");
    std::fs::write(&file, original.to_string()).expect("write");
    trust(dir.path(), &folder).expect("trust");
    let after: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    let mut expected = original.clone();
    expected["projects"][key]["hasTrustDialogAccepted"] = true.into();
    assert_eq!(after, expected);
    let backup: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".claude.json.tina-backup")).expect("backup"),
    )
    .expect("json");
    assert_eq!(backup, original);
    // No file yet: one is created holding that key only.
    let fresh = tempfile::tempdir().expect("tempdir");
    trust(fresh.path(), &folder).expect("trust");
    let made: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fresh.path().join(".claude.json")).expect("read"),
    )
    .expect("json");
    assert_eq!(
        made,
        serde_json::json!({ "projects": { key: { "hasTrustDialogAccepted": true } } })
    );
    // Not JSON: refused, the file untouched.
    std::fs::write(&file, "{not json").expect("write");
    let err = trust(dir.path(), &folder).expect_err("bad json");
    assert!(err.to_string().contains("not JSON"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "{not json");
}

#[test]
fn the_lead_team_folder_is_found_by_exact_session_id() {
    let home = tempfile::tempdir().expect("tempdir");
    let sid = "0190f5a2-0000-7000-8000-000000000001";
    assert_eq!(lead_team_folder(home.path(), sid), None);
    let write = |team: &str, lead: &str| {
        let dir = home.path().join("teams").join(team);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(
            dir.join("config.json"),
            serde_json::json!({ "name": team, "leadSessionId": lead }).to_string(),
        )
        .expect("write");
        dir
    };
    // Same 8-character prefix, other session: not ours.
    write("session-0190f5a2", "0190f5a2-0000-7000-8000-000000000002");
    assert_eq!(lead_team_folder(home.path(), sid), None);
    let ours = write("session-0190f5a2-b", sid);
    assert_eq!(lead_team_folder(home.path(), sid), Some(ours));
    assert_eq!(
        wait_for_team_folder(home.path(), "nobody", Duration::ZERO, &mut || true),
        None
    );
}

#[test]
fn tmux_session_names_avoid_dots_and_colons() {
    assert_eq!(tmux_session_name("v1.2:x-phase-1"), "v1_2_x-phase-1");
    assert_eq!(attach_hint("a"), "tmux attach -t a");
    // Two ids made at once differ in their first 8 characters (the task folder name).
    let (a, b) = (new_session_id(), new_session_id());
    assert_ne!(a[..8], b[..8]);
    assert!(uuid::Uuid::parse_str(&new_session_id()).is_ok());
}

#[test]
fn lead_link_says_linked_seen_waiting_or_missing() {
    use crate::model::{OrchestrationId, Team, TeamId};
    let home = tempfile::tempdir().expect("tempdir");
    let sid = "6c0ffee0-0000-4000-8000-000000000001";
    let mut team = Team {
        id: TeamId::from("t"),
        team_name: "f-phase-1".into(),
        orchestration_id: OrchestrationId::from("o"),
        parent_team_id: None,
        phase_number: Some(1),
        lead_session_id: None,
        claude_team_dir: None,
        created_at: 1_000_000,
    };
    let timeout = Duration::from_secs(60);
    assert_eq!(lead_link(&team, home.path(), 1_000_000, timeout), None);
    team.lead_session_id = Some(sid.into());
    assert_eq!(
        lead_link(&team, home.path(), 1_030_000, timeout),
        Some(LeadLink::Waiting {
            waited_secs: 30,
            timeout_secs: 60
        })
    );
    let missing = lead_link(&team, home.path(), 1_061_000, timeout).expect("state");
    assert_eq!(
        missing,
        LeadLink::Missing {
            waited_secs: 61,
            timeout_secs: 60
        }
    );
    assert!(
        missing
            .describe("f-phase-1")
            .contains("tmux attach -t f-phase-1")
    );
    let dir = home.path().join("teams/session-6c0ffee0");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("config.json"),
        serde_json::json!({ "leadSessionId": sid }).to_string(),
    )
    .expect("write");
    assert_eq!(
        lead_link(&team, home.path(), 1_061_000, timeout),
        Some(LeadLink::FolderSeen {
            folder: "session-6c0ffee0".into()
        })
    );
    team.claude_team_dir = Some("session-6c0ffee0".into());
    assert_eq!(
        lead_link(&team, home.path(), 1_061_000, timeout),
        Some(LeadLink::Linked {
            folder: "session-6c0ffee0".into()
        })
    );
}

/// Claude Code runs the plugin's hooks with the user's shell PATH, so the launcher
/// names the tina-session beside the launching binary for `bin/tina-session`, when
/// there is one.
#[test]
fn the_hooks_are_told_which_tina_session_to_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = |_: &str| None;
    let around = |bin_dir: &Path| {
        let cmd = command(
            &config("/t/claude", None),
            &settings(),
            &lead(),
            &Surroundings {
                env: &env,
                bin_dir,
                default_claude_dir: None,
            },
        );
        cmd.env()
            .into_iter()
            .find(|(k, _)| k == TINA_SESSION_BIN_ENV)
            .map(|(_, v)| PathBuf::from(v))
    };
    assert_eq!(around(dir.path()), None);
    std::fs::write(dir.path().join("tina-session"), "").expect("binary");
    assert_eq!(around(dir.path()), Some(dir.path().join("tina-session")));
}
