//! What a model receives from tina-mcp, counted in o200k_base tokens (the tokenizer of
//! current OpenAI models; a stand-in for any BPE tokenizer, bundled in `tiktoken-rs`,
//! so nothing is downloaded). Claude Code hands the model `JSON.stringify` of a
//! result's `structuredContent`, so that is what is counted for a reply.
//!
//! Used by `tests/token_budget.rs` (fails over budget) and `examples/token_budget.rs`
//! (prints the table).

#![allow(dead_code)]

use std::time::Duration;

use serde_json::{Value, json};
use tina_mcp::{Context, TinaMcp};
use tina_session::Config;

use super::seed;

/// Tokens of `text` in o200k_base.
pub fn tokens(text: &str) -> usize {
    tiktoken_rs::o200k_base_singleton()
        .encode_with_special_tokens(text)
        .len()
}

/// One measured figure and its budget.
#[derive(Debug, Clone)]
pub struct Row {
    pub what: String,
    pub value: usize,
    pub budget: usize,
    /// Unit of `value` and `budget`: "tokens", "tokens/task" or "chars".
    pub unit: &'static str,
}

impl Row {
    pub fn over(&self) -> bool {
        self.value > self.budget
    }
}

/// A server on a fresh store in `dir`, with a client connected over an in-memory pipe.
struct Probe {
    client: rmcp::service::RunningService<rmcp::RoleClient, ()>,
}

impl Probe {
    async fn new(config: &Config) -> Self {
        let store = config.open_store().expect("open store");
        let mut ctx = Context::new(
            config.clone(),
            store,
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios"),
        );
        ctx.watch_poll = Duration::from_millis(20);
        Self {
            client: super::connect(TinaMcp::new(ctx), ()).await,
        }
    }

    /// The structured content of a successful call, as the model sees it.
    async fn call(&self, tool: &str, args: Value) -> Value {
        let r = super::call(&self.client, tool, args).await;
        assert_ne!(r.is_error, Some(true), "{tool}: {}", super::text(&r));
        r.structured_content
            .unwrap_or_else(|| panic!("{tool}: no structured content"))
    }

    async fn reply_tokens(&self, tool: &str, args: Value) -> (usize, Value) {
        let v = self.call(tool, args).await;
        (tokens(&serde_json::to_string(&v).expect("json")), v)
    }
}

fn config_in(dir: &std::path::Path) -> Config {
    let config = Config::at(dir.join("tina"), dir.join("claude"));
    std::fs::create_dir_all(&config.tina_home).expect("tina home");
    config
}

/// Tasks in a `get_current_tasks` reply, whatever its shape: every object in an array
/// named `tasks`, at any depth.
pub fn count_tasks(v: &Value) -> usize {
    match v {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match (k.as_str(), v) {
                ("tasks", Value::Array(items)) => items
                    .iter()
                    .map(|i| {
                        if i.get("tasks").is_some() {
                            count_tasks(i)
                        } else {
                            1
                        }
                    })
                    .sum(),
                _ => count_tasks(v),
            })
            .sum(),
        Value::Array(items) => items.iter().map(count_tasks).sum(),
        _ => 0,
    }
}

fn row(what: impl Into<String>, value: usize, budget: usize, unit: &'static str) -> Row {
    Row {
        what: what.into(),
        value,
        budget,
        unit,
    }
}

/// The tool list: definitions (name, description, inputSchema) plus instructions, and
/// the whole `tools/list` result.
async fn tool_list(probe: &Probe) -> Vec<Row> {
    let tools = probe.client.list_all_tools().await.expect("tools/list");
    let defs: usize = tools
        .iter()
        .map(|t| {
            tokens(
                &json!({"name": t.name, "description": t.description, "inputSchema": t.input_schema})
                    .to_string(),
            )
        })
        .sum();
    let instructions = probe
        .client
        .peer_info()
        .and_then(|i| i.instructions.clone())
        .unwrap_or_default();
    let whole = tokens(&json!({ "tools": tools }).to_string());
    vec![
        row(
            format!("tool definitions ({} tools) + instructions", tools.len()),
            defs + tokens(&instructions),
            2_500,
            "tokens",
        ),
        row(
            "whole tools/list (with outputSchemas)",
            whole,
            5_000,
            "tokens",
        ),
    ]
}

/// Per tool: tokens of its description, inputSchema and outputSchema, largest first.
pub async fn tool_breakdown() -> Vec<(String, usize, usize, usize)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_in(dir.path());
    let probe = Probe::new(&config).await;
    let tools = probe.client.list_all_tools().await.expect("tools/list");
    let mut rows: Vec<_> = tools
        .iter()
        .map(|t| {
            (
                t.name.to_string(),
                tokens(t.description.as_deref().unwrap_or_default()),
                tokens(&serde_json::to_string(&t.input_schema).expect("json")),
                tokens(&serde_json::to_string(&t.output_schema).expect("json")),
            )
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.1 + r.2 + r.3));
    rows
}

/// The per-orchestration replies on one store.
async fn orchestration_rows(probe: &Probe, label: &str, key: &str, rows: &mut Vec<Row>) {
    let (t, v) = probe
        .reply_tokens("get_current_tasks", json!({"orchestration": key}))
        .await;
    let n = count_tasks(&v).max(1);
    rows.push(row(
        format!("{label}: get_current_tasks per task ({n} tasks, {t} tokens)"),
        t.div_ceil(n),
        40,
        "tokens/task",
    ));
    let (t, v) = probe
        .reply_tokens("get_orchestration_detail", json!({"orchestration": key}))
        .await;
    let n = count_tasks(&v);
    // 1,200 tokens for 12 tasks; larger orchestrations scale at 100 a task.
    rows.push(row(
        format!("{label}: get_orchestration_detail ({n} tasks)"),
        t,
        100 * n.max(12),
        "tokens",
    ));
    let first = probe
        .call(
            "watch_orchestration",
            json!({"orchestration": key, "timeout_seconds": 0}),
        )
        .await;
    let cursor = first["cursor"].as_str().unwrap_or_default().to_owned();
    let (t, _) = probe
        .reply_tokens(
            "watch_orchestration",
            json!({"orchestration": key, "cursor": cursor, "timeout_seconds": 0}),
        )
        .await;
    rows.push(row(
        format!("{label}: idle watch_orchestration"),
        t,
        120,
        "tokens",
    ));
    rows.push(row(
        format!("{label}: watch cursor"),
        cursor.len(),
        24,
        "chars",
    ));
}

/// Every row of the budget: the tool list, the seeded `auth` store, scenarios 01-03,
/// a 200-task orchestration and a store of 500 orchestrations.
pub async fn measure() -> Vec<Row> {
    let mut rows = Vec::new();

    let dir = tempfile::tempdir().expect("tempdir");
    let seeded = seed::seed(dir.path());
    let probe = Probe::new(&seeded.config).await;
    rows.extend(tool_list(&probe).await);
    orchestration_rows(&probe, "seed auth", "auth", &mut rows).await;

    for name in [
        "01-single-phase",
        "02-two-phase-refactor",
        "03-failing-tests",
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config_in(dir.path());
        let store = config.open_store().expect("store");
        let feature = seed::seed_scenario(&config, &*store, name);
        let probe = Probe::new(&config).await;
        orchestration_rows(&probe, &format!("scenario {name}"), &feature, &mut rows).await;
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_in(dir.path());
    let store = config.open_store().expect("store");
    seed::seed_generated(&config, &*store, "big", 20, 180, false);
    let probe = Probe::new(&config).await;
    let (t, v) = probe
        .reply_tokens(
            "get_current_tasks",
            json!({"orchestration": "big", "limit": 200}),
        )
        .await;
    rows.push(row(
        format!(
            "200-task orchestration: get_current_tasks, {} tasks",
            count_tasks(&v)
        ),
        t,
        8_000,
        "tokens",
    ));
    orchestration_rows(&probe, "200-task orchestration", "big", &mut rows).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_in(dir.path());
    let store = config.open_store().expect("store");
    seed::seed_many(&config, &*store, 500);
    let probe = Probe::new(&config).await;
    for (tool, args) in [
        ("list_orchestrations", json!({})),
        ("list_active_teams", json!({})),
        (
            "get_current_tasks",
            json!({"orchestration": "feature-0000"}),
        ),
        (
            "get_orchestration_detail",
            json!({"orchestration": "feature-0000"}),
        ),
        (
            "get_team_hierarchy",
            json!({"orchestration": "feature-0000"}),
        ),
        (
            "get_orchestration",
            json!({"orchestration": "feature-0000"}),
        ),
    ] {
        let (t, _) = probe.reply_tokens(tool, args).await;
        rows.push(row(
            format!("500 orchestrations: {tool}"),
            t,
            4_000,
            "tokens",
        ));
    }
    rows
}

/// The rows as a markdown table.
pub fn table(rows: &[Row]) -> String {
    let mut out =
        String::from("| what the model receives | measured | budget |\n|---|---:|---:|\n");
    for r in rows {
        out.push_str(&format!(
            "| {} | {} {} | {} {}{} |\n",
            r.what,
            r.value,
            r.unit,
            r.budget,
            r.unit,
            if r.over() { " **over**" } else { "" }
        ));
    }
    out
}
