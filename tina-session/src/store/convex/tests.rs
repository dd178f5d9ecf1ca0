//! Unit tests of the Convex store that need no deployment: timeouts, error mapping, the
//! key on every call, value conversion, wire shapes and batch sizes.

use serde_json::{Value, json};

use super::wire::{chunks_within_limits, parse_metadata};
use super::*;
use crate::model::*;
use crate::store::{Entity, Store, StoreError};

fn key() -> DeploymentKey {
    DeploymentKey::new("k".repeat(40))
}

/// A transport that never answers, like a deployment that accepted the connection
/// and went silent.
struct Silent;

impl ConvexTransport for Silent {
    fn describe(&self) -> String {
        "convex:silent".into()
    }
    fn call<'a>(&'a self, _: FunctionKind, _: &'a str, _: Value) -> CallFuture<'a> {
        Box::pin(std::future::pending())
    }
}

/// A transport that fails every call with one fixed error.
struct Failing(CallError);

impl ConvexTransport for Failing {
    fn describe(&self) -> String {
        "convex:failing".into()
    }
    fn call<'a>(&'a self, _: FunctionKind, _: &'a str, _: Value) -> CallFuture<'a> {
        let e = self.0.clone();
        Box::pin(async move { Err(e) })
    }
}

fn failing(data: Value) -> ConvexStore {
    let message = data["message"].as_str().unwrap_or("").to_owned();
    ConvexStore::with_transport(
        Box::new(Failing(CallError::Application { message, data })),
        &key(),
        Duration::from_secs(5),
    )
    .unwrap()
}

#[test]
fn a_silent_deployment_times_out_as_unavailable() {
    let store =
        ConvexStore::with_transport(Box::new(Silent), &key(), Duration::from_millis(200)).unwrap();
    let started = std::time::Instant::now();
    let err = store.revision().unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err}");
    assert!(err.to_string().contains("admin:revision"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn an_unreachable_deployment_is_unavailable_not_a_hang() {
    // Nothing listens on a port we just bound and released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = std::time::Instant::now();
    let result = ConvexStore::connect_with_timeout(
        &format!("http://127.0.0.1:{port}"),
        &key(),
        Duration::from_millis(500),
    )
    .and_then(|store| store.list_orchestrations());
    let err = result.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn convex_error_codes_become_the_sqlite_error_kinds() {
    let err = failing(json!({"code": "not_found", "message": "m", "kind": "team", "key": "id x"}))
        .get_team(&TeamId::from("x"))
        .unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::NotFound {
                entity: Entity::Team,
                key,
            } if key == "id x"
        ),
        "{err}"
    );
    assert!(err.to_string().contains("team not found: id x"), "{err}");
    let err = failing(
        json!({"code": "not_found", "message": "m", "kind": "orchestration", "key": "id o"}),
    )
    .list_orchestrations()
    .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                entity: Entity::Orchestration,
                ..
            }
        ),
        "{err}"
    );
    // A kind this build does not know is not guessed at: it stays the backend's error.
    let err = failing(json!({"code": "not_found", "message": "m", "kind": "widget", "key": "k"}))
        .list_orchestrations()
        .unwrap_err();
    assert!(matches!(err, StoreError::Backend { .. }), "{err}");
    let err = failing(
        json!({"code": "feature_in_use", "message": "m", "feature": "f", "id": "o1",
        "status": "executing"}),
    )
    .list_orchestrations()
    .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::FeatureInUse {
                status: OrchestrationStatus::Executing,
                ..
            }
        ),
        "{err}"
    );
    let err = failing(
        json!({"code": "team_owned_by_other", "message": "m", "team_name": "t",
        "owner": "a", "requested": "b"}),
    )
    .list_orchestrations()
    .unwrap_err();
    assert!(matches!(err, StoreError::TeamOwnedByOther { .. }), "{err}");
    let err =
        failing(json!({"code": "invalid", "message": "m", "what": "parent team", "reason": "r"}))
            .list_orchestrations()
            .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Invalid {
                what: "parent team",
                ..
            }
        ),
        "{err}"
    );
    let err = failing(json!({"code": "conflict", "message": "phase 1 is executing"}))
        .list_orchestrations()
        .unwrap_err();
    assert_eq!(err.to_string(), "conflict: phase 1 is executing");
    let err = failing(
        json!({"code": "conflicting_event", "message": "m", "team_id": "t",
        "task_id": "1", "recorded_at": 5, "sequence": 2}),
    )
    .list_orchestrations()
    .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::ConflictingEvent {
                recorded_at: 5,
                sequence: 2,
                ..
            }
        ),
        "{err}"
    );
    // Unknown codes and malformed payloads stay visible as backend errors.
    let err = failing(json!({"code": "feature_in_use", "message": "odd"}))
        .list_orchestrations()
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Backend { .. }) && err.to_string().contains("odd"),
        "{err}"
    );
}

#[test]
fn input_and_team_rule_payloads_become_the_library_errors() {
    use crate::model::input::{InputError, NameKind};
    use crate::model::rules::TeamRuleError;
    let err = failing(json!({"code": "input", "error": "bad_name", "message": "m",
        "kind": "feature", "value": "'../x'", "reason": "it contains a character other than a letter, digit, '-', '_' or '.'", "max": 100}))
    .list_orchestrations()
    .unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::Input(InputError::BadName {
                kind: NameKind::Feature,
                max: 100,
                ..
            })
        ),
        "{err}"
    );
    assert!(
        err.to_string().starts_with("invalid feature name '../x'"),
        "{err}"
    );
    let err = failing(json!({"code": "input", "error": "too_long", "message": "m",
        "field": "subject", "len": 1001, "max": 1000, "value": "'x…'"}))
    .list_orchestrations()
    .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Input(InputError::TooLong {
                field: "subject",
                len: 1001,
                ..
            })
        ),
        "{err}"
    );
    let err = failing(
        json!({"code": "team_rule", "rule": "phase_out_of_range", "message": "m",
        "team_name": "t", "phase": 3, "total": 2, "feature": "f"}),
    )
    .list_orchestrations()
    .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::TeamRule(TeamRuleError::PhaseOutOfRange {
                phase: 3,
                total: 2,
                ..
            })
        ),
        "{err}"
    );
    // A field this build does not know stays visible instead of being misnamed.
    let err = failing(
        json!({"code": "input", "error": "too_long", "message": "future field too long",
        "field": "future field", "len": 2, "max": 1, "value": "'xx'"}),
    )
    .list_orchestrations()
    .unwrap_err();
    assert!(
        matches!(err, StoreError::Backend { .. }) && err.to_string().contains("future field"),
        "{err}"
    );
}

#[test]
fn function_and_transport_failures_map_to_backend_and_unavailable() {
    let store = ConvexStore::with_transport(
        Box::new(Failing(CallError::Function("Validator error".into()))),
        &key(),
        Duration::from_secs(5),
    )
    .unwrap();
    assert!(matches!(
        store.revision().unwrap_err(),
        StoreError::Backend { .. }
    ));
    let store = ConvexStore::with_transport(
        Box::new(Failing(CallError::Transport("connection refused".into()))),
        &key(),
        Duration::from_secs(5),
    )
    .unwrap();
    let err = store.revision().unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err}");
    // The transport's error is kept as the cause, and printed once.
    let source = std::error::Error::source(&err).expect("a source");
    assert_eq!(
        source.downcast_ref::<CallError>(),
        Some(&CallError::Transport("connection refused".into()))
    );
    let line = crate::report::error_chain(&err);
    assert_eq!(line.matches("connection refused").count(), 1, "{line}");
}

#[test]
fn integers_travel_as_int64_and_back() {
    let v = json!({"n": 7, "big": i64::MAX, "f": 1.5, "s": "x", "a": [1, null, true]});
    let encoded = encode_args(v.clone()).unwrap();
    assert!(matches!(encoded["n"], convex::Value::Int64(7)));
    assert!(matches!(encoded["big"], convex::Value::Int64(i64::MAX)));
    assert!(matches!(encoded["f"], convex::Value::Float64(_)));
    let back = from_convex(convex::Value::Object(encoded));
    assert_eq!(back, v);
    assert!(to_convex(json!(u64::MAX)).is_err());
    assert!(encode_args(json!([1])).is_err());
}

#[test]
fn batches_are_split_by_count_and_by_bytes() {
    let small: Vec<Value> = (0..150).map(|i| json!({ "task_id": i })).collect();
    let sizes: Vec<usize> = chunks_within_limits(small).iter().map(Vec::len).collect();
    assert_eq!(sizes, [64, 64, 22]);
    let big = "x".repeat(BYTES_PER_MUTATION / 3);
    let large: Vec<Value> = (0..7).map(|_| json!({ "description": big })).collect();
    let sizes: Vec<usize> = chunks_within_limits(large).iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 2, 2, 1]);
    // One event larger than the byte budget still goes, alone.
    let huge = vec![
        json!({ "d": "y".repeat(BYTES_PER_MUTATION + 1) }),
        json!({}),
    ];
    assert_eq!(chunks_within_limits(huge).len(), 2);
    assert!(chunks_within_limits(vec![]).is_empty());
}

#[test]
fn every_call_carries_the_key_and_the_key_never_prints() {
    struct Echo;
    impl ConvexTransport for Echo {
        fn describe(&self) -> String {
            "convex:echo".into()
        }
        fn call<'a>(&'a self, _: FunctionKind, _: &'a str, args: Value) -> CallFuture<'a> {
            Box::pin(async move { Ok(args["key"].clone()) })
        }
    }
    let store =
        ConvexStore::with_transport(Box::new(Echo), &key(), Duration::from_secs(5)).unwrap();
    let sent = store
        .call(FunctionKind::Query, "admin:revision", json!({}))
        .unwrap();
    assert_eq!(sent, json!("k".repeat(40)));
    assert_eq!(format!("{:?}", key()), "DeploymentKey(<redacted>)");
    let err = failing(json!({"code": "unauthorized", "message": "no deployment key was sent"}))
        .list_orchestrations()
        .unwrap_err();
    assert!(matches!(err, StoreError::Unauthorized(_)), "{err}");
}

#[test]
fn wire_shapes_are_restored() {
    let mut task = json!({"metadata": "{\"$odd key\": [1]}"});
    parse_metadata(&mut task).unwrap();
    assert_eq!(task, json!({"metadata": {"$odd key": [1]}}));
}
