//! The shared orchestration-status vectors (`tests/vectors/orchestration_status.json`),
//! which the Convex suite runs too (`convex/tests/status.test.ts`): the one rule
//! (`OrchestrationStatus::implied_by`, `derive`, `is_terminal`) gives exactly the
//! statuses the file says, and both store backends apply it on every phase change.

use serde_json::Value;
use tina_session::model::{OrchestrationStatus, PhaseStatus};

fn vectors() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/orchestration_status.json"
    ))
    .expect("read orchestration_status.json");
    serde_json::from_str(&text).expect("parse orchestration_status.json")
}

fn statuses<T: std::str::FromStr>(v: &Value) -> Vec<T>
where
    T::Err: std::fmt::Debug,
{
    v.as_array()
        .expect("a list of statuses")
        .iter()
        .map(|s| {
            s.as_str()
                .expect("a status")
                .parse()
                .expect("a known status")
        })
        .collect()
}

#[test]
fn the_orchestration_status_follows_every_phase_as_the_vectors_say() {
    let v = vectors();
    let cases = v["derive"].as_array().expect("derive cases");
    assert!(cases.len() >= 10);
    for case in cases {
        let changed: PhaseStatus = case["changed"].as_str().unwrap().parse().unwrap();
        let phases: Vec<PhaseStatus> = statuses(&case["phases"]);
        let total = case["total"].as_u64().unwrap() as u32;
        let expect: OrchestrationStatus = case["expect"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            OrchestrationStatus::derive(OrchestrationStatus::implied_by(changed), phases, total),
            expect,
            "{}",
            case["why"]
        );
    }
}

#[test]
fn terminal_and_running_statuses_are_the_vectors() {
    let v = vectors();
    let terminal: Vec<OrchestrationStatus> = statuses(&v["terminal"]);
    let running: Vec<OrchestrationStatus> = statuses(&v["running"]);
    for s in OrchestrationStatus::ALL {
        assert_eq!(s.is_terminal(), terminal.contains(s), "{s}");
    }
    assert_eq!(OrchestrationStatus::running().collect::<Vec<_>>(), running);
}
