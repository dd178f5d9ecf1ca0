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
//! With `TINA_TEST_CONVEX_URL` set, the same suite runs against that real deployment
//! through the real client instead: it must be a throwaway deployment with
//! `TINA_ALLOW_TEST_RESET=1` set (every test wipes it first), and the tests must run one
//! at a time (`RUST_TEST_THREADS=1`).

mod support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::{Value, json};
use tina_session::store::convex::{
    CallError, CallFuture, ConvexStore, ConvexTransport, FunctionKind, from_convex, to_convex,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CALL_TIMEOUT: Duration = Duration::from_secs(30);

fn convex_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../convex")
}

/// The running double: its base URL, and the child kept alive for the process lifetime.
struct Double {
    base: String,
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
    let mut child = Command::new("node")
        .args(["--import", "tsx", "double/server.ts"])
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

fn double_store() -> Arc<dyn tina_session::Store> {
    let base = &double().base;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let created = runtime
        .block_on(http("POST", &format!("{base}/instances"), &json!({})))
        .expect("a fresh instance of the Convex double");
    let id = created["id"].as_str().expect("instance id");
    let transport = DoubleTransport {
        instance: format!("{base}/instances/{id}"),
    };
    Arc::new(ConvexStore::with_transport(Box::new(transport), CALL_TIMEOUT).expect("convex store"))
}

fn real_store(url: &str) -> Arc<dyn tina_session::Store> {
    assert_eq!(
        std::env::var("RUST_TEST_THREADS").as_deref(),
        Ok("1"),
        "TINA_TEST_CONVEX_URL is set: the suite shares that one deployment, so run it with \
         RUST_TEST_THREADS=1"
    );
    let store =
        ConvexStore::connect(url).unwrap_or_else(|e| panic!("TINA_TEST_CONVEX_URL={url}: {e}"));
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
    let base = &double().base;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let created = runtime
        .block_on(http("POST", &format!("{base}/instances"), &json!({})))
        .expect("instance");
    let transport = DoubleTransport {
        instance: format!("{base}/instances/{}", created["id"].as_str().expect("id")),
    };
    // total_phases as a float is not an int64.
    let result = runtime.block_on(transport.call(
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
