//! The conformance suite and the shared vectors against the Convex backend.
//!
//! No Convex backend can run on this machine, so by default every test gets a fresh,
//! empty deployment from a test double: `convex/double/server.ts`, which serves the REAL
//! functions in `convex/` from convex-test's in-memory backend on a loopback HTTP port.
//! The `ConvexStore` under test is the real one; only the transport at the client
//! boundary differs (`DoubleTransport` below, instead of the `convex` crate's WebSocket
//! client). One node process serves the whole test binary (each test its own instance)
//! and exits when this process does (its stdin closes).
//!
//! The double holds a deployment key (`TINA_CONVEX_KEY`, a random one per test process)
//! and checks it on every call, as a deployment does.
//!
//! With `TINA_TEST_CONVEX_URL` set, the same suite runs against that real deployment
//! through the real client instead: it must be a throwaway deployment with
//! `TINA_ALLOW_TEST_RESET=1` set (every test wipes it first), `TINA_TEST_CONVEX_KEY` must
//! hold its key, and the tests must run one at a time (`RUST_TEST_THREADS=1`). The tests
//! below that need the double (seeding, counting calls) return early there.

mod support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::{Value, json};
use tina_session::store::convex::{
    CallError, CallFuture, ConvexStore, ConvexTransport, DeploymentKey, FunctionKind, from_convex,
    to_convex,
};
use tina_session::store::{Store, StoreError};
use tina_session::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CALL_TIMEOUT: Duration = Duration::from_secs(30);

fn convex_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../convex")
}

/// The running double: its base URL, the key its deployments hold, and the child kept
/// alive for the process lifetime.
struct Double {
    base: String,
    key: DeploymentKey,
    _child: Mutex<Child>,
}

fn double() -> &'static Double {
    static DOUBLE: OnceLock<Double> = OnceLock::new();
    DOUBLE.get_or_init(start_double)
}

fn start_double() -> Double {
    let dir = convex_dir();
    if !dir.join("node_modules/tsx").is_dir() || !dir.join("node_modules/convex-test").is_dir() {
        let how = "run `npm ci` in convex/ (needs node >= 20) before `cargo test`";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "CI: convex/node_modules is missing, so the Convex conformance suite cannot run; {how}"
            );
        }
        panic!(
            "convex/node_modules is missing: the Convex conformance suite needs the test double \
             (convex/double/server.ts) and its npm packages; {how}"
        );
    }
    let key = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let mut child = Command::new("node")
        .args(["--import", "tsx", "double/server.ts"])
        .env("TINA_CONVEX_KEY", &key)
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start node for the Convex double in {}: {e}",
                dir.display()
            )
        });
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("reading the double's first line");
    let base = line
        .trim()
        .strip_prefix("TINA_CONVEX_DOUBLE_LISTENING ")
        .unwrap_or_else(|| panic!("the Convex double did not start; it printed {line:?}"))
        .to_owned();
    Double {
        base,
        key: DeploymentKey::new(key),
        _child: Mutex::new(child),
    }
}

/// POSTs (or DELETEs) JSON to the double over HTTP/1.1 and returns the JSON answer.
async fn http(method: &str, url: &str, body: &Value) -> Result<Value, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("not an http URL: {url}"))?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = tokio::net::TcpStream::connect(host)
        .await
        .map_err(|e| format!("connect {host}: {e}"))?;
    let body = body.to_string();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .await
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8(response).map_err(|e| e.to_string())?;
    let (head, payload) = text
        .split_once("\r\n\r\n")
        .ok_or("malformed HTTP response")?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(format!("{method} {url}: {head} {payload}"));
    }
    serde_json::from_str(payload).map_err(|e| format!("{method} {url}: {e}: {payload}"))
}

/// The seam implemented over the double: values in Convex's JSON encoding (int64 as
/// `{"$integer": ...}`), encoded and decoded with the `convex` crate's own code, so the
/// Int64 convention is checked against the JS `convex` package end to end.
struct DoubleTransport {
    instance: String,
}

impl ConvexTransport for DoubleTransport {
    fn describe(&self) -> String {
        format!("convex-double:{}", self.instance)
    }

    fn call<'a>(&'a self, kind: FunctionKind, name: &'a str, args: Value) -> CallFuture<'a> {
        Box::pin(async move {
            let args = Value::from(to_convex(args).map_err(CallError::Function)?);
            let kind = match kind {
                FunctionKind::Query => "query",
                FunctionKind::Mutation => "mutation",
            };
            let url = format!("{}/api/{kind}", self.instance);
            let answer = http("POST", &url, &json!({ "path": name, "args": args }))
                .await
                .map_err(CallError::Transport)?;
            let decode = |v: &Value| {
                convex::Value::try_from(v.clone())
                    .map(from_convex)
                    .map_err(|e| {
                        CallError::Transport(format!("undecodable value from the double: {e}"))
                    })
            };
            match answer["status"].as_str() {
                Some("success") => decode(&answer["value"]),
                Some("error") => {
                    let message = answer["errorMessage"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    match answer.get("errorData") {
                        Some(data) => Err(CallError::Application {
                            message,
                            data: decode(data)?,
                        }),
                        None => Err(CallError::Function(message)),
                    }
                }
                _ => Err(CallError::Transport(format!(
                    "unexpected answer from the double: {answer}"
                ))),
            }
        })
    }
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// A fresh, empty instance of the double: its base URL.
fn new_instance() -> String {
    let base = &double().base;
    let created = block_on(http("POST", &format!("{base}/instances"), &json!({})))
        .expect("a fresh instance of the Convex double");
    format!(
        "{base}/instances/{}",
        created["id"].as_str().expect("instance id")
    )
}

fn double_store() -> Arc<dyn tina_session::Store> {
    let transport = DoubleTransport {
        instance: new_instance(),
    };
    Arc::new(
        ConvexStore::with_transport(Box::new(transport), &double().key, CALL_TIMEOUT)
            .expect("convex store"),
    )
}

fn real_store(url: &str) -> Arc<dyn tina_session::Store> {
    assert_eq!(
        std::env::var("RUST_TEST_THREADS").as_deref(),
        Ok("1"),
        "TINA_TEST_CONVEX_URL is set: the suite shares that one deployment, so run it with \
         RUST_TEST_THREADS=1"
    );
    let key = std::env::var("TINA_TEST_CONVEX_KEY")
        .expect("TINA_TEST_CONVEX_URL is set: set TINA_TEST_CONVEX_KEY to that deployment's key");
    let store = ConvexStore::connect(url, &DeploymentKey::new(key))
        .unwrap_or_else(|e| panic!("TINA_TEST_CONVEX_URL={url}: {e}"));
    store
        .reset_for_tests()
        .unwrap_or_else(|e| panic!("cannot reset {url} (set TINA_ALLOW_TEST_RESET=1 on it): {e}"));
    Arc::new(store)
}

fn convex() -> Arc<dyn tina_session::Store> {
    match std::env::var("TINA_TEST_CONVEX_URL") {
        Ok(url) if !url.is_empty() => real_store(&url),
        _ => double_store(),
    }
}

conformance_tests!(convex);

/// The double really runs the functions' validators: a wrong type is refused with
/// Convex's validator message, surfaced as a backend error naming the function.
#[test]
fn validators_reject_wrong_types_through_the_double() {
    if std::env::var("TINA_TEST_CONVEX_URL").is_ok_and(|u| !u.is_empty()) {
        return; // the raw transport below only speaks to the double
    }
    let transport = DoubleTransport {
        instance: new_instance(),
    };
    // total_phases as a float is not an int64.
    let result = block_on(transport.call(
        FunctionKind::Mutation,
        "orchestrations:create",
        json!({"feature_name": "f", "design_doc": "d", "branch": null, "worktree_path": null,
                   "total_phases": 1.5, "orchestrator_team_name": "f-orchestration",
                   "lead_session_id": null, "replace": false}),
    ));
    match result {
        Err(CallError::Function(m)) => assert!(
            m.contains("1.5") && (m.contains("bigint") || m.contains("int64")),
            "{m}"
        ),
        other => panic!("expected a validator error, got {other:?}"),
    }
}

fn on_real_deployment() -> bool {
    std::env::var("TINA_TEST_CONVEX_URL").is_ok_and(|u| !u.is_empty())
}

/// The double's transport, counting the calls of each function.
struct Counting {
    inner: DoubleTransport,
    calls: Arc<Mutex<Vec<String>>>,
}

impl ConvexTransport for Counting {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn call<'a>(&'a self, kind: FunctionKind, name: &'a str, args: Value) -> CallFuture<'a> {
        self.calls.lock().expect("calls").push(name.to_owned());
        self.inner.call(kind, name, args)
    }
}

/// A store over a fresh instance, the instance URL, and the calls it makes.
fn counting_store(key: &DeploymentKey) -> (ConvexStore, String, Arc<Mutex<Vec<String>>>) {
    let instance = new_instance();
    let calls = Arc::new(Mutex::new(Vec::new()));
    let transport = Counting {
        inner: DoubleTransport {
            instance: instance.clone(),
        },
        calls: calls.clone(),
    };
    let store = ConvexStore::with_transport(Box::new(transport), key, CALL_TIMEOUT).expect("store");
    (store, instance, calls)
}

fn calls_of(calls: &Mutex<Vec<String>>, name: &str) -> usize {
    calls
        .lock()
        .expect("calls")
        .iter()
        .filter(|c| *c == name)
        .count()
}

fn seed_tasks(instance: &str, team: &TeamId, count: usize) {
    block_on(http(
        "POST",
        &format!("{instance}/seed-tasks"),
        &json!({ "team_id": team, "count": count }),
    ))
    .expect("seeding tasks in the double");
}

fn new_orch(feature: &str, phases: u32) -> NewOrchestration {
    support::conformance::new_orch(feature, phases)
}

/// A wrong or missing key is refused by the functions themselves and reported as
/// `Unauthorized`, on reads and writes alike; the right key works on the same instance.
#[test]
fn calls_without_the_right_key_are_unauthorized() {
    if on_real_deployment() {
        return;
    }
    let instance = new_instance();
    let store = |key: &str| {
        ConvexStore::with_transport(
            Box::new(DoubleTransport {
                instance: instance.clone(),
            }),
            &DeploymentKey::new(key),
            CALL_TIMEOUT,
        )
        .expect("store")
    };
    let wrong = store("not-the-deployment-key-0123456789abcdef");
    for err in [
        wrong.list_orchestrations().unwrap_err(),
        wrong
            .create_orchestration(&new_orch("auth", 1))
            .unwrap_err(),
        wrong.revision().unwrap_err(),
    ] {
        assert!(matches!(err, StoreError::Unauthorized(_)), "{err}");
        assert!(err.to_string().contains("TINA_CONVEX_KEY"), "{err}");
    }
    // No key at all: the transport alone, without the store adding one.
    let raw = DoubleTransport {
        instance: instance.clone(),
    };
    match block_on(raw.call(FunctionKind::Query, "orchestrations:list", json!({}))) {
        Err(CallError::Application { data, .. }) => assert_eq!(data["code"], "unauthorized"),
        other => panic!("expected unauthorized, got {other:?}"),
    }
    let right = store(double().key.expose());
    assert!(right.list_orchestrations().unwrap().is_empty());
    assert!(format!("{:?}", double().key).contains("redacted"));
}

/// 20,000 current tasks in one orchestration (past Convex's 8,192-element and per-query
/// read limits) come back whole and in order through the paged reads, and so do the
/// views built on them and the list's counts.
#[test]
fn twenty_thousand_tasks_read_through_pages() {
    if on_real_deployment() {
        return;
    }
    const N: usize = 20_000;
    let (store, instance, calls) = counting_store(&double().key);
    let (o, root) = store.create_orchestration(&new_orch("huge", 2)).unwrap();
    let p1 = store
        .register_team(&support::conformance::phase_team(&o, &root, 1))
        .unwrap();
    seed_tasks(&instance, &p1.id, N - 100);
    seed_tasks(&instance, &root.id, 100);
    let tasks = store.get_current_tasks(&o.id).unwrap();
    assert_eq!(tasks.len(), N);
    assert!(
        calls_of(&calls, "tasks:getCurrentTasksPage") >= N / 1000,
        "read in pages"
    );
    let mut expected = tasks.clone();
    tina_session::store::sort_current_tasks(&mut expected);
    assert_eq!(tasks, expected, "canonical order across pages");
    assert_eq!(
        (tasks[0].team_name.as_str(), tasks[0].task_id.as_str()),
        ("huge-orchestration", "1")
    );
    let last = tasks.last().unwrap();
    assert_eq!(
        (last.phase_number, last.task_id.as_str()),
        (Some(1), "19900")
    );
    let distinct: std::collections::HashSet<_> =
        tasks.iter().map(|t| (&t.team_id, &t.task_id)).collect();
    assert_eq!(distinct.len(), N);
    assert_eq!(store.list_task_events(&o.id).unwrap().len(), N);
    let detail = store.get_orchestration_detail(&o.id).unwrap();
    assert_eq!(detail.orchestrator_tasks.len(), 100);
    assert_eq!(detail.phase_tasks["1"].len(), N - 100);
    let hierarchy = store.get_team_hierarchy(&o.id).unwrap();
    assert_eq!(hierarchy.teams[0].task_total, 100);
    assert_eq!(hierarchy.teams[0].children[0].task_total, (N - 100) as u32);
    let counts = store.task_counts_by_orchestration().unwrap();
    assert_eq!(counts[&o.id]["pending"], N as u32);
    assert_eq!(calls_of(&calls, "tasks:taskCountsByOrchestration"), 1);
}

/// A large orchestration is removed in several transactions, and replacing one removes
/// it first; nothing of it is left either way.
#[test]
fn large_orchestrations_are_removed_in_steps() {
    if on_real_deployment() {
        return;
    }
    let (store, instance, calls) = counting_store(&double().key);
    let (o, root) = store.create_orchestration(&new_orch("big", 1)).unwrap();
    seed_tasks(&instance, &root.id, 5_000); // 10,000 documents
    store.delete_orchestration(&o.id).unwrap();
    assert!(calls_of(&calls, "orchestrations:remove") >= 3);
    assert!(store.get_orchestration(&o.id).unwrap_err().is_not_found());
    assert!(
        store
            .get_team_by_name("big-orchestration")
            .unwrap_err()
            .is_not_found()
    );

    let (o, root) = store.create_orchestration(&new_orch("big", 1)).unwrap();
    seed_tasks(&instance, &root.id, 5_000);
    let (replaced, team) = store
        .create_orchestration(&NewOrchestration {
            replace: true,
            ..new_orch("big", 1)
        })
        .unwrap();
    assert_ne!(replaced.id, o.id);
    assert!(store.get_orchestration(&o.id).unwrap_err().is_not_found());
    assert_eq!(
        store.get_team_by_name("big-orchestration").unwrap().id,
        team.id
    );
    assert!(store.get_current_tasks(&replaced.id).unwrap().is_empty());
    assert!(
        !store
            .task_counts_by_orchestration()
            .unwrap()
            .contains_key(&o.id)
    );
}

/// A large batch goes in calls of at most 64 events, all of it recorded.
#[test]
fn large_batches_are_split_within_transaction_limits() {
    if on_real_deployment() {
        return;
    }
    let (store, _, calls) = counting_store(&double().key);
    let (o, root) = store.create_orchestration(&new_orch("batch", 1)).unwrap();
    let events: Vec<_> = (1..=300)
        .map(|i| support::conformance::event(&root.id, &i.to_string(), "pending", 1, 1))
        .collect();
    let summary = store.record_task_events(&events).unwrap();
    assert_eq!(summary.inserted, 300);
    assert_eq!(
        calls_of(&calls, "tasks:recordTaskEvents"),
        300_usize.div_ceil(64)
    );
    assert_eq!(store.get_current_tasks(&o.id).unwrap().len(), 300);
}

/// Writes to one orchestration move its revision and no other's; the store-wide
/// revision moves with both.
#[test]
fn orchestration_revisions_move_separately() {
    let store = convex();
    let (a, a_root) = store.create_orchestration(&new_orch("rev-a", 1)).unwrap();
    let (b, _) = store.create_orchestration(&new_orch("rev-b", 1)).unwrap();
    let (a0, b0, all0) = (
        store.orchestration_revision(&a.id).unwrap(),
        store.orchestration_revision(&b.id).unwrap(),
        store.revision().unwrap(),
    );
    store
        .record_task_event(&support::conformance::event(
            &a_root.id, "1", "pending", 1, 1,
        ))
        .unwrap();
    assert!(store.orchestration_revision(&a.id).unwrap() > a0);
    assert_eq!(store.orchestration_revision(&b.id).unwrap(), b0);
    assert!(store.revision().unwrap() > all0);
    let all1 = store.revision().unwrap();
    store.delete_orchestration(&a.id).unwrap();
    assert!(
        store.revision().unwrap() > all1,
        "a removal moves the store-wide revision"
    );
    assert!(
        store
            .orchestration_revision(&a.id)
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        store
            .orchestration_revision(&OrchestrationId::from("nope"))
            .unwrap_err()
            .is_not_found()
    );
}
