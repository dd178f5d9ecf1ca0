//! The independent client: the official Python `mcp` SDK over stdio against the built
//! binary, on a store seeded by the library. Needs `python3 -m pip install mcp`; the
//! interpreter is `$PYTHON` or `python3`.

mod common;

use std::process::Command;

#[test]
fn python_sdk_lists_tools_and_reads_tasks_and_hierarchy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seeded = common::seed(dir.path());
    let expected = serde_json::json!({
        "orchestration_id": seeded.orchestration_id,
        "orchestrator_team_id": seeded.orchestrator_team_id,
        "phase1_team_id": seeded.phase1_team_id,
        "plan": dir.path().join("plan-1.md"),
        "design_doc": dir.path().join("design.md"),
    });
    let expected_path = dir.path().join("expected.json");
    std::fs::write(&expected_path, expected.to_string()).expect("write expected");
    drop(seeded);
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/stdio_client.py");
    let out = Command::new(&python)
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_tina-mcp"))
        .arg(&expected_path)
        .env("TINA_HOME", dir.path().join("tina"))
        .env("CLAUDE_HOME", dir.path().join("claude"))
        .env_remove("TINA_CONVEX_URL")
        .env(
            "TINA_SCENARIOS_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios"),
        )
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("No module named 'mcp'"),
        "the Python MCP SDK is missing: run `{python} -m pip install mcp`"
    );
    assert!(
        out.status.success(),
        "python client failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
}
