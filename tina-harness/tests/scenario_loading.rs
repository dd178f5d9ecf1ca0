//! Scenario loading: every shipped scenario loads, and every kind of mistake is
//! refused with the file and the field named.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::{copy_scenarios, scenarios_dir};
use tina_harness::scenario::Scenario;
use tina_harness::{list_scenarios, validate_scenario_name};

#[test]
fn every_shipped_scenario_loads() {
    let list = list_scenarios(&scenarios_dir()).expect("list");
    let names: Vec<&str> = list.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "01-single-phase",
            "02-two-phase-refactor",
            "03-failing-tests",
            "04-crash-restart",
            "05-prefix-auth",
            "06-prefix-auth-v2"
        ]
    );
    for s in &list {
        assert_eq!(s.error, None, "{}", s.name);
    }
    let features: Vec<&str> = list
        .iter()
        .filter_map(|s| s.feature_name.as_deref())
        .collect();
    assert_eq!(
        features,
        [
            "greeting",
            "calc-refactor",
            "word-count",
            "stats",
            "auth",
            "auth-v2"
        ]
    );
}

#[test]
fn scenario_names_with_paths_are_refused() {
    for bad in ["", "..", "../scenarios/01-single-phase", "01/..", "a\\b"] {
        assert!(validate_scenario_name(bad).is_err(), "{bad:?}");
        assert!(Scenario::load(&scenarios_dir(), bad).is_err(), "{bad:?}");
    }
}

/// Copies the scenarios, edits one JSON file of 01-single-phase, loads it and returns
/// the error text.
fn load_error(file: &str, edit: impl FnOnce(&mut Value)) -> String {
    let dir = tempfile::tempdir().expect("temp");
    copy_scenarios(dir.path());
    let path = dir.path().join("01-single-phase").join(file);
    let mut value: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    edit(&mut value);
    std::fs::write(&path, value.to_string()).expect("write");
    let err = Scenario::load(dir.path(), "01-single-phase").expect_err("must be refused");
    let text = err.to_string();
    assert!(
        text.contains(
            &Path::new("01-single-phase")
                .join(file)
                .display()
                .to_string()
        ),
        "file not named: {text}"
    );
    text
}

#[test]
fn unknown_field_is_named() {
    let e = load_error("scenario.json", |v| v["feature"] = json!("x"));
    assert!(e.contains("unknown field `feature`"), "{e}");
    let e = load_error("scenario.json", |v| {
        v["phases"][0]["tasks"][0]["owners"] = json!("x")
    });
    assert!(e.contains("unknown field `owners`"), "{e}");
    let e = load_error("expected.json", |v| v["min_task"] = json!(1));
    assert!(e.contains("unknown field `min_task`"), "{e}");
}

#[test]
fn missing_feature_name_is_named() {
    let e = load_error("scenario.json", |v| {
        v.as_object_mut().expect("object").remove("feature_name");
    });
    assert!(e.contains("missing field `feature_name`"), "{e}");
}

type Edit = Box<dyn FnOnce(&mut Value)>;

#[test]
fn semantic_errors_name_the_field() {
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "scenario.json",
            Box::new(|v| v["feature_name"] = json!("no spaces allowed")),
            "field `feature_name`",
        ),
        (
            "scenario.json",
            Box::new(|v| v["total_phases"] = json!(2)),
            "field `phases`",
        ),
        (
            "scenario.json",
            Box::new(|v| v["total_phases"] = json!(0)),
            "field `total_phases`",
        ),
        (
            "scenario.json",
            Box::new(|v| v["phases"][0]["number"] = json!(3)),
            "field `phases[0].number`",
        ),
        (
            "scenario.json",
            Box::new(|v| v["phases"][0]["tasks"][1]["owner"] = json!("ghost")),
            "field `phases[0].tasks[1].owner`",
        ),
        (
            "scenario.json",
            Box::new(|v| v["phases"][0]["tasks"][1]["id"] = json!("1")),
            "field `phases[0].tasks[1].id`",
        ),
        (
            "scenario.json",
            Box::new(|v| v["phases"][0]["tasks"][1]["blocked_by"] = json!(["9"])),
            "field `phases[0].tasks[1].blocked_by[0]`",
        ),
        (
            "scenario.json",
            Box::new(|v| v["phases"][0]["tasks"][0]["progression"] = json!(["in_progress"])),
            "field `phases[0].tasks[0].progression`",
        ),
        (
            "scenario.json",
            Box::new(|v| v["phases"][0]["tasks"][0]["changes"][0]["path"] = json!("../escape.rs")),
            "field `phases[0].tasks[0].changes[0].path`",
        ),
        (
            "scenario.json",
            Box::new(|v| v["phases"][0]["members"][1]["name"] = json!("team-lead")),
            "field `phases[0].members[1].name`",
        ),
        (
            "scenario.json",
            Box::new(|v| v["phases"][0]["crash"] = json!({"task": "7", "status": "in_progress"})),
            "field `phases[0].crash.task`",
        ),
        (
            "scenario.json",
            Box::new(|v| v["phases"][0]["failure"] = json!({"reason": "r", "fix_tasks": []})),
            "field `phases[0].failure.fix_tasks`",
        ),
        (
            "expected.json",
            Box::new(|v| v["final_status"] = json!("done")),
            "field `final_status`",
        ),
        (
            "expected.json",
            Box::new(|v| v["phases_completed"] = json!(4)),
            "field `phases_completed`",
        ),
        (
            "expected.json",
            Box::new(|v| v["min_phases"] = json!(2)),
            "field `min_phases`: 2 exceeds the scenario's total_phases 1",
        ),
        (
            "expected.json",
            Box::new(|v| v["phases_completed"] = json!(0)),
            "field `phases_completed`: is 0 but final_status \"complete\" means all 1 phases",
        ),
        (
            "expected.json",
            Box::new(|v| v["file_changes"][0]["change"] = json!("renamed")),
            "field `file_changes[0].change`",
        ),
    ];
    for (file, edit, field) in cases {
        let e = load_error(file, edit);
        assert!(e.contains(field), "expected {field} in: {e}");
    }
}

#[test]
fn wrong_type_is_named() {
    let e = load_error("scenario.json", |v| v["total_phases"] = json!("one"));
    assert!(e.contains("invalid type"), "{e}");
    let e = load_error("scenario.json", |v| {
        v["phases"][0]["tasks"][0]["changes"][0]["action"] = json!("rename")
    });
    assert!(e.contains("unknown variant `rename`"), "{e}");
}

#[test]
fn missing_design_doc_is_named() {
    let dir = tempfile::tempdir().expect("temp");
    copy_scenarios(dir.path());
    std::fs::remove_file(dir.path().join("01-single-phase/design.md")).expect("rm");
    let e = Scenario::load(dir.path(), "01-single-phase")
        .expect_err("refused")
        .to_string();
    assert!(e.contains("design.md"), "{e}");
    let list = list_scenarios(dir.path()).expect("list");
    let broken = list
        .iter()
        .find(|s| s.name == "01-single-phase")
        .expect("listed");
    assert!(
        broken
            .error
            .as_deref()
            .is_some_and(|m| m.contains("design.md")),
        "{broken:?}"
    );
}

/// Fewer completed phases than total is refused only when the final status is
/// `complete`: a scenario may expect to end blocked.
#[test]
fn blocked_expectations_may_complete_fewer_phases() {
    let dir = tempfile::tempdir().expect("temp");
    copy_scenarios(dir.path());
    let path = dir.path().join("01-single-phase/expected.json");
    let mut value: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    value["final_status"] = json!("blocked");
    value["phases_completed"] = json!(0);
    std::fs::write(&path, value.to_string()).expect("write");
    let scenario = Scenario::load(dir.path(), "01-single-phase").expect("loads");
    assert_eq!(scenario.expected.phases_completed, 0);
}
