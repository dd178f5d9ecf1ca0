//! The shared input-rule vectors (`tests/vectors/validation.json`), which the Convex
//! suite runs too: the Rust rules accept and refuse exactly what the file says, and the
//! limits it states are the ones the code enforces.

use serde_json::Value;
use tina_session::model::input::*;

fn vectors() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/validation.json"
    ))
    .expect("read validation.json");
    serde_json::from_str(&text).expect("parse validation.json")
}

#[test]
fn names_are_accepted_and_refused_as_the_vectors_say() {
    let v = vectors();
    let cases = v["names"].as_array().unwrap();
    assert!(cases.len() > 40);
    for case in cases {
        let kind: NameKind = serde_json::from_value(case["kind"].clone()).unwrap();
        let value = case["value"].as_str().unwrap();
        let valid = case["valid"].as_bool().unwrap();
        assert_eq!(
            validate_name(kind, value).is_ok(),
            valid,
            "{kind:?} {value:?} ({})",
            case["why"]
        );
    }
}

#[test]
fn session_and_task_ids_are_accepted_and_refused_as_the_vectors_say() {
    let v = vectors();
    for case in v["session_ids"].as_array().unwrap() {
        let value = case["value"].as_str().unwrap();
        assert_eq!(
            validate_session_id(value).is_ok(),
            case["valid"].as_bool().unwrap(),
            "{value:?}"
        );
    }
    for case in v["task_ids"].as_array().unwrap() {
        let value = case["value"].as_str().unwrap();
        assert_eq!(
            validate_task_id(value).is_ok(),
            case["valid"].as_bool().unwrap(),
            "{value:?}"
        );
    }
}

#[test]
fn the_stated_limits_are_the_enforced_ones() {
    let v = vectors();
    let limits = &v["limits"];
    let pairs = [
        ("feature_name_max", FEATURE_NAME_MAX),
        ("team_name_max", TEAM_NAME_MAX),
        ("agent_name_max", AGENT_NAME_MAX),
        ("session_id_max", SESSION_ID_MAX),
        ("task_id_max", TASK_ID_MAX),
        ("reason_max", REASON_MAX),
        ("subject_max", SUBJECT_MAX),
        ("active_form_max", ACTIVE_FORM_MAX),
        ("description_max", DESCRIPTION_MAX),
        ("metadata_max", METADATA_MAX),
        ("path_max", PATH_MAX),
        ("branch_max", BRANCH_MAX),
        ("quote_max", QUOTE_MAX),
    ];
    for (key, value) in pairs {
        assert_eq!(limits[key].as_u64(), Some(value as u64), "{key}");
    }
}
