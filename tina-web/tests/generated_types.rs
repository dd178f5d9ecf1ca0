//! The TypeScript types in `ui/src/generated/` must be exactly what ts-rs exports from the
//! Rust types today. `cargo test` rewrites them in the working tree, so this compares both
//! the working tree and the git index (what will be committed) with a fresh export into a
//! temp dir: stale or missing generated files fail here instead of drifting silently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use ts_rs::TS;

/// Every exported type, tina-session's model and tina-web's own; their dependencies follow.
fn export_all(dir: &Path) {
    use tina_session::*;
    use tina_web::types::*;
    let results = [
        Orchestration::export_all_to(dir),
        Phase::export_all_to(dir),
        Team::export_all_to(dir),
        TeamMember::export_all_to(dir),
        TaskEvent::export_all_to(dir),
        CurrentTask::export_all_to(dir),
        OrchestrationDetail::export_all_to(dir),
        TeamHierarchy::export_all_to(dir),
        TeamNode::export_all_to(dir),
        OrchestrationStatus::export_all_to(dir),
        PhaseStatus::export_all_to(dir),
        TaskStatus::export_all_to(dir),
        OrchestrationId::export_all_to(dir),
        TeamId::export_all_to(dir),
        PhaseChange::export_all_to(dir),
        tina_session::dashboard::ListPage::export_all_to(dir),
        tina_session::dashboard::DashboardDetail::export_all_to(dir),
        tina_session::dashboard::TaskDetail::export_all_to(dir),
        ApiErrorBody::export_all_to(dir),
        RevisionEvent::export_all_to(dir),
        Health::export_all_to(dir),
    ];
    for r in results {
        r.expect("ts-rs export");
    }
}

fn read_tree(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "ts") {
                let rel = path
                    .strip_prefix(root)
                    .expect("under root")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(
                    rel,
                    std::fs::read_to_string(&path).expect("read generated file"),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The generated files as staged in git, or `None` when git or the repository is absent.
fn read_index(repo: &Path, rel_dir: &str) -> Option<BTreeMap<String, String>> {
    let ls = Command::new("git")
        .args(["ls-files", "--", rel_dir])
        .current_dir(repo)
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let mut out = BTreeMap::new();
    for path in String::from_utf8_lossy(&ls.stdout)
        .lines()
        .filter(|p| p.ends_with(".ts"))
    {
        let show = Command::new("git")
            .args(["show", &format!(":{path}")])
            .current_dir(repo)
            .output()
            .ok()?;
        if !show.status.success() {
            return None;
        }
        let rel = path
            .strip_prefix(rel_dir)
            .unwrap_or(path)
            .trim_start_matches('/')
            .to_owned();
        out.insert(rel, String::from_utf8_lossy(&show.stdout).into_owned());
    }
    Some(out)
}

fn differences(
    expected: &BTreeMap<String, String>,
    actual: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut diffs = Vec::new();
    for (path, text) in expected {
        match actual.get(path) {
            None => diffs.push(format!("missing: {path}")),
            Some(t) if t != text => diffs.push(format!("stale: {path}")),
            Some(_) => {}
        }
    }
    for path in actual.keys().filter(|p| !expected.contains_key(*p)) {
        diffs.push(format!(
            "not exported by any Rust type (remove it, or add the type to this test): {path}"
        ));
    }
    diffs
}

#[test]
fn generated_typescript_matches_the_rust_types() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let generated = manifest.join("ui/src/generated");
    let fresh = tempfile::tempdir().expect("temp dir");
    export_all(fresh.path());
    let expected = read_tree(fresh.path());
    assert!(
        expected.contains_key("OrchestrationDetail.ts")
            && expected.contains_key("DashboardDetail.ts")
    );

    let diffs = differences(&expected, &read_tree(&generated));
    assert!(
        diffs.is_empty(),
        "tina-web/ui/src/generated differs from the Rust types:\n  {}\n\
         regenerate with `cargo test -p tina-session -p tina-web --lib` and commit the result",
        diffs.join("\n  ")
    );

    let repo = manifest.parent().expect("workspace root");
    if let Some(index) = read_index(repo, "tina-web/ui/src/generated") {
        let diffs = differences(&expected, &index);
        assert!(
            diffs.is_empty(),
            "the committed (staged) tina-web/ui/src/generated differs from the Rust types:\n  {}\n\
             `git add tina-web/ui/src/generated` and commit",
            diffs.join("\n  ")
        );
    }
}

#[test]
fn differences_report_stale_missing_and_extra_files() {
    let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let expected = map(&[("A.ts", "a"), ("B.ts", "b")]);
    assert!(differences(&expected, &expected).is_empty());
    let diffs = differences(&expected, &map(&[("A.ts", "old"), ("C.ts", "c")]));
    assert_eq!(diffs.len(), 3, "{diffs:?}");
    assert!(diffs[0].starts_with("stale: A.ts"));
    assert!(diffs[1].starts_with("missing: B.ts"));
    assert!(diffs[2].contains("C.ts"));
}
