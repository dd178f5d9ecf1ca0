//! The model double: a small local Messages API server that plays each agent of a
//! scenario from its script, so real Claude Code runs offline and deterministically.
//!
//! Claude Code is pointed at it with `ANTHROPIC_BASE_URL=http://<addr>` and any
//! `ANTHROPIC_API_KEY`. `POST /v1/messages` (streaming or not) is answered from the
//! script of the agent the request belongs to ([`script::script_for`]: the agent's
//! `match` text in the first user message), at the step its history has reached
//! ([`script::step_index`]). Requests without tools (titles, summaries) and requests of
//! no scripted agent get a short text. `POST /v1/messages/count_tokens` gets a rough
//! count. Every reply carries `usage`. Each request is logged, one JSON line, to the
//! log file given, so a failed run shows what each agent was asked and answered.

pub mod reply;
pub mod script;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use reply::{Block, Reply};
use script::{Script, Turn, fill, fill_value, first_user_text, script_for, turn};

/// Set to a folder: every request body is written there whole (`<reply id>.json`).
pub const DUMP_ENV: &str = "TINA_MODEL_DOUBLE_DUMP";

/// Largest request body read (Claude Code sends the whole conversation each time).
const BODY_MAX: usize = 64 * 1024 * 1024;

/// A running model double; stops when dropped.
pub struct ModelDouble {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<std::thread::JoinHandle<()>>,
    shared: Arc<Shared>,
}

struct Shared {
    scripts: Vec<Script>,
    log: Option<PathBuf>,
    next_id: AtomicU64,
    next_request: AtomicU64,
    /// Connections are served in parallel (teammates ask at the same time): one log
    /// line is written at a time, whole.
    log_lock: std::sync::Mutex<()>,
    /// When the last reply was sent (or the double started).
    last_reply: std::sync::Mutex<Instant>,
}

impl ModelDouble {
    /// Serves `scripts` on `127.0.0.1:<ephemeral port>`, logging to `log`.
    pub fn start(scripts: Vec<Script>, log: Option<PathBuf>) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared {
            scripts,
            log,
            next_id: AtomicU64::new(1),
            next_request: AtomicU64::new(1),
            log_lock: std::sync::Mutex::new(()),
            last_reply: std::sync::Mutex::new(Instant::now()),
        });
        let serving = shared.clone();
        let stopping = stop.clone();
        let accept = std::thread::Builder::new()
            .name("model-double".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let shared = serving.clone();
                    let _ = std::thread::Builder::new()
                        .name("model-double-conn".into())
                        .spawn(move || serve_connection(conn, &shared));
                }
            })?;
        Ok(Self {
            addr,
            stop,
            accept: Some(accept),
            shared,
        })
    }

    /// Waits until no reply has been sent for `quiet` (at most `limit`), so Claude Code
    /// has written what it last received to its transcripts before a session is ended.
    pub fn wait_quiet(&self, quiet: Duration, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let last = *self
                .shared
                .last_reply
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let idle = last.elapsed();
            if idle >= quiet || Instant::now() >= deadline {
                return;
            }
            std::thread::sleep((quiet - idle).min(Duration::from_millis(200)));
        }
    }

    /// The base URL to give Claude Code as `ANTHROPIC_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for ModelDouble {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

/// One parsed HTTP request.
struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
            if name == "content-length" {
                length = value.parse().unwrap_or(0);
            } else if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
                chunked = true;
            }
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            if n == 0 {
                let mut end = String::new();
                reader.read_line(&mut end)?;
                break;
            }
            if body.len() + n > BODY_MAX {
                return Err(std::io::Error::other("request body too large"));
            }
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk[..n]);
        }
    } else {
        if length > BODY_MAX {
            return Err(std::io::Error::other("request body too large"));
        }
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    }
    Ok(Some(Request { method, path, body }))
}

fn serve_connection(conn: TcpStream, shared: &Shared) {
    let Ok(mut out) = conn.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(conn);
    while let Ok(Some(req)) = read_request(&mut reader) {
        let (status, content_type, body) = respond(&req, shared);
        // Unique like the API's: Claude Code records it with each message (requestId),
        // and usage readers dedupe by message id and request id.
        let request = shared.next_request.fetch_add(1, Ordering::SeqCst);
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
             request-id: req_double_{request}\r\nconnection: keep-alive\r\n\r\n",
            body.len()
        );
        if out.write_all(head.as_bytes()).is_err() || out.write_all(body.as_bytes()).is_err() {
            return;
        }
        let _ = out.flush();
        *shared
            .last_reply
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Instant::now();
    }
}

fn respond(req: &Request, shared: &Shared) -> (&'static str, &'static str, String) {
    let path = req.path.split('?').next().unwrap_or_default();
    let parsed: Option<Value> = serde_json::from_slice(&req.body).ok();
    match (req.method.as_str(), path, parsed) {
        ("POST", "/v1/messages/count_tokens", Some(_)) => (
            "200 OK",
            "application/json",
            json!({"input_tokens": (req.body.len() / 4).max(1)}).to_string(),
        ),
        ("POST", "/v1/messages", Some(request)) => {
            let reply = answer(&request, req.body.len(), shared);
            if request.get("stream").and_then(Value::as_bool) == Some(true) {
                ("200 OK", "text/event-stream", reply.to_sse())
            } else {
                ("200 OK", "application/json", reply.to_json().to_string())
            }
        }
        ("POST", _, None) => (
            "400 Bad Request",
            "application/json",
            json!({"type": "error", "error": {"type": "invalid_request_error",
                   "message": "the model double needs a JSON body"}})
            .to_string(),
        ),
        (method, _, _) => {
            if method == "HEAD" || (method == "GET" && path == "/") {
                ("200 OK", "text/plain", String::new())
            } else {
                (
                    "404 Not Found",
                    "application/json",
                    json!({"type": "error", "error": {"type": "not_found_error",
                           "message": format!("the model double does not serve {path}")}})
                    .to_string(),
                )
            }
        }
    }
}

/// The reply for one `/v1/messages` request.
fn answer(request: &Value, body_len: usize, shared: &Shared) -> Reply {
    let messages: Vec<Value> = request
        .get("messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let has_tools = request
        .get("tools")
        .and_then(Value::as_array)
        .is_some_and(|t| !t.is_empty());
    let n = shared.next_id.fetch_add(1, Ordering::SeqCst);
    let mut reply = Reply {
        id: format!("msg_double_{n}"),
        model: request
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or("model-double")
            .to_owned(),
        blocks: Vec::new(),
        prompt_tokens: (body_len as u64 / 4).max(1),
    };
    let script = has_tools
        .then(|| script_for(&shared.scripts, &messages))
        .flatten();
    let (agent, index) = match script {
        None => {
            reply.blocks.push(Block::Text("OK.".into()));
            (None, None)
        }
        Some(script) => {
            let (index, waiting) = match turn(script, &messages) {
                Turn::Step(i) => (i, false),
                Turn::Wait(i) => (i, true),
            };
            let source = first_user_text(&messages);
            match script.steps.get(index) {
                Some(_) if waiting => reply.blocks.push(Block::Text("Waiting.".into())),
                None => reply.blocks.push(Block::Text(
                    script.done.clone().unwrap_or_else(|| "Done.".into()),
                )),
                Some(step) => {
                    if let Some(ms) = step.delay_ms {
                        std::thread::sleep(Duration::from_millis(ms));
                    }
                    if let Some(text) = &step.text {
                        reply.blocks.push(Block::Text(fill(text, &source)));
                    }
                    for (i, call) in step.calls().into_iter().enumerate() {
                        reply.blocks.push(Block::ToolUse {
                            id: format!("toolu_double_{n}_{i}"),
                            name: call.tool,
                            input: fill_value(&call.input, &source),
                        });
                    }
                }
            }
            (Some(script.agent.clone()), Some(index))
        }
    };
    if let Some(dir) = std::env::var_os(DUMP_ENV).filter(|d| !d.is_empty()) {
        let file = Path::new(&dir).join(format!("{}.json", reply.id));
        let _ = std::fs::write(file, request.to_string());
    }
    if let Some(log) = &shared.log {
        let tools: Vec<&str> = request
            .get("tools")
            .and_then(Value::as_array)
            .map(|t| t.iter().filter_map(|x| x.get("name")?.as_str()).collect())
            .unwrap_or_default();
        let first = first_user_text(&messages);
        let last = messages
            .last()
            .map(|m| script::content_text(m.get("content").unwrap_or(&Value::Null)))
            .unwrap_or_default();
        let _one_at_a_time = shared.log_lock.lock();
        log_line(
            log,
            &json!({
                "id": reply.id, "agent": agent, "step": index, "messages": messages.len(),
                "tools": tools, "first_user": tina_session::model::input::truncate(&first, 600),
                "last": tina_session::model::input::truncate(&last, 600),
                "reply": reply.to_json()["content"], "usage": reply.usage(),
            }),
        );
    }
    reply
}

fn log_line(path: &Path, value: &Value) {
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        // One write of the whole line: a line is never split by another writer.
        let _ = f.write_all(format!("{value}\n").as_bytes());
    }
}
