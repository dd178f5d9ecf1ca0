//! Transcript ingest throughput (`cargo bench -p tina-daemon --bench usage`).
//!
//! A transcript of 100,000 lines shaped like Claude Code's (assistant lines with text
//! and a usage block, a third of them repeating the previous message id the way a
//! streamed message does, user lines with tool results in between), measured two ways,
//! median of 5 runs each:
//! - parse: `read_usage` over the whole file (lines/s and MB/s);
//! - ingest: one attention pass of the daemon from a fresh reader and store: read,
//!   price, deduplicate and record into SQLite with the offset (lines/s).
//!
//! `TINA_BENCH_QUICK=1` uses 20,000 lines.

use std::io::Write;
use std::time::Instant;

use tina_daemon::usage::Attention;
use tina_session::attention::Settings;
use tina_session::attention::transcript::read_usage;
use tina_session::*;

const SESSION: &str = "8739ce96-1dac-48df-8c52-26613812a012";

fn transcript(lines: usize) -> String {
    let text = "I will update the parser and run the tests. ".repeat(8);
    let tool_result = "test result: ok. 42 passed; 0 failed\n".repeat(10);
    let mut out = String::new();
    let mut id = 0;
    for i in 0..lines {
        let line = if i % 3 == 2 {
            serde_json::json!({"type": "user", "uuid": format!("u{i}"), "sessionId": SESSION,
                "message": {"role": "user", "content": [{"type": "tool_result", "content": tool_result}]}})
        } else {
            if i % 3 == 0 {
                id += 1;
            }
            serde_json::json!({"type": "assistant", "uuid": format!("a{i}"), "requestId": format!("req_{id}"),
                "sessionId": SESSION, "timestamp": "2026-12-01T10:00:00.000Z", "isSidechain": false,
                "message": {"id": format!("msg_{id}"), "type": "message", "role": "assistant",
                    "model": "claude-sonnet-4-5-20250929",
                    "content": [{"type": "text", "text": text}],
                    "usage": {"input_tokens": 1200, "output_tokens": 300,
                              "cache_creation_input_tokens": 500, "cache_read_input_tokens": 40000}}})
        };
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let lines = if std::env::var("TINA_BENCH_QUICK").is_ok() {
        20_000
    } else {
        100_000
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let text = transcript(lines);
    let mb = text.len() as f64 / 1e6;

    let mut parse = Vec::new();
    let file = dir.path().join("parse.jsonl");
    std::fs::write(&file, &text).expect("write");
    for _ in 0..5 {
        let start = Instant::now();
        let r = read_usage(&file, 0, u64::MAX).expect("read");
        assert_eq!(r.lines, lines as u64);
        parse.push(start.elapsed().as_secs_f64());
    }
    let p = median(parse);
    println!(
        "parse:  {lines} lines ({mb:.1} MB) in {:.1} ms: {:.0} lines/s, {:.0} MB/s",
        p * 1e3,
        lines as f64 / p,
        mb / p
    );

    let mut ingest = Vec::new();
    for run in 0..5 {
        let root = dir.path().join(format!("run{run}"));
        let config = Config::at(root.join("tina"), root.join("claude"));
        std::fs::create_dir_all(&config.tina_home).expect("home");
        let store = config.open_store().expect("store");
        let (orch, lead) = store
            .create_orchestration(&NewOrchestration {
                feature_name: "bench".into(),
                design_doc: "d.md".into(),
                branch: None,
                worktree_path: None,
                total_phases: 1,
                orchestrator_team_name: orchestrator_team_name("bench"),
                lead_session_id: Some(SESSION.into()),
                replace: false,
            })
            .expect("create");
        let project = config.claude_home.join("projects").join("-bench");
        std::fs::create_dir_all(&project).expect("project");
        let mut f = std::fs::File::create(project.join(format!("{SESSION}.jsonl"))).expect("file");
        f.write_all(text.as_bytes()).expect("write");
        let mut reader = Attention::new(store.clone(), &config, Settings::default());
        let start = Instant::now();
        // A pass reads at most 16 MiB of one transcript: pass until the offset is at the end.
        loop {
            let r = reader.pass().expect("pass");
            if r.lines == 0 {
                break;
            }
        }
        ingest.push(start.elapsed().as_secs_f64());
        let messages: u64 = store
            .list_usage(&orch.id)
            .expect("usage")
            .iter()
            .map(|u| u.messages)
            .sum();
        assert_eq!(messages, (lines as u64).div_ceil(3));
        let _ = lead;
    }
    let i = median(ingest);
    println!(
        "ingest: {lines} lines into SQLite in {:.1} ms: {:.0} lines/s",
        i * 1e3,
        lines as f64 / i
    );
}
