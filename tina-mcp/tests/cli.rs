//! The real binary's flags: the same before or after `serve`, and over the environment.

mod common;

use std::path::Path;

use rmcp::ServiceExt;
use rmcp::transport::TokioChildProcess;
use serde_json::json;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tina-mcp")
}

/// Starts the binary with `args` and the environment pointing elsewhere; returns the
/// feature names it lists and the scenarios folder it reports.
async fn served_with(
    args: &[&str],
    env_home: &Path,
    env_scenarios: &Path,
) -> (Vec<String>, String) {
    let mut cmd = tokio::process::Command::new(bin());
    cmd.args(args)
        .env("TINA_HOME", env_home)
        .env("CLAUDE_HOME", env_home.join("claude"))
        .env("TINA_SCENARIOS_DIR", env_scenarios)
        .env_remove("TINA_CONVEX_URL");
    let client = ().serve(TokioChildProcess::new(cmd).expect("spawn")).await.expect("handshake");
    let list = common::ok(&client, "list_orchestrations", json!({})).await;
    let features = list["orchestrations"]
        .as_array()
        .expect("orchestrations")
        .iter()
        .map(|o| o["feature"].as_str().expect("feature").to_owned())
        .collect();
    let scenarios = common::ok(&client, "list_scenarios", json!({})).await;
    client.cancel().await.expect("close");
    (
        features,
        scenarios["scenarios_dir"].as_str().expect("dir").to_owned(),
    )
}

#[tokio::test]
async fn flags_before_or_after_serve_name_the_store_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    let named = common::seed(&dir.path().join("named"));
    let env_home = dir.path().join("from-env");
    let env_scenarios = dir.path().join("env-scenarios");
    let flag_scenarios = dir.path().join("flag-scenarios");
    std::fs::create_dir_all(&env_scenarios).expect("mkdir");
    std::fs::create_dir_all(&flag_scenarios).expect("mkdir");
    let home = named.config.tina_home.to_str().expect("utf-8 path");
    let scenarios = flag_scenarios.to_str().expect("utf-8 path");
    for args in [
        vec!["--tina-home", home, "--scenarios-dir", scenarios, "serve"],
        vec!["serve", "--tina-home", home, "--scenarios-dir", scenarios],
        vec!["--tina-home", home, "--scenarios-dir", scenarios],
    ] {
        let (mut features, scenarios_dir) = served_with(&args, &env_home, &env_scenarios).await;
        features.sort();
        assert_eq!(features, ["auth", "billing"], "{args:?} used another store");
        assert_eq!(scenarios_dir, scenarios, "{args:?}");
    }
    assert!(
        !env_home.join("tina.db").exists(),
        "the store named by TINA_HOME was opened despite --tina-home"
    );
}

#[test]
fn convex_url_flag_overrides_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Neither is a valid URL, so the server stops at opening the store and says which
    // deployment it tried.
    for args in [
        ["--convex-url", "flag-deployment", "serve"],
        ["serve", "--convex-url", "flag-deployment"],
    ] {
        let out = std::process::Command::new(bin())
            .args(args)
            .env("TINA_HOME", dir.path().join("tina"))
            .env("CLAUDE_HOME", dir.path().join("claude"))
            .env("TINA_CONVEX_URL", "env-deployment")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}: {stderr}");
        assert!(
            stderr.contains("flag-deployment") && !stderr.contains("env-deployment"),
            "{args:?}: {stderr}"
        );
    }
}
