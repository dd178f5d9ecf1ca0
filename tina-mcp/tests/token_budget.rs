//! The token budget: what tina-mcp costs a model's context, counted with a real BPE
//! tokenizer (o200k_base, bundled in `tiktoken-rs`) on seeded stores — the `auth` seed,
//! scenarios 01-03 as a simulated run leaves them, a 200-task orchestration and a
//! store of 500 orchestrations (1,000 teams, 20,000 tasks). Fails when a figure is over
//! its budget; `cargo run -p tina-mcp --example token_budget` prints the table.

mod common;

#[tokio::test(flavor = "multi_thread")]
async fn replies_and_the_tool_list_stay_within_their_token_budgets() {
    let rows = common::budget::measure().await;
    let table = common::budget::table(&rows);
    println!("{table}");
    // Every kind of figure was measured: none silently missing.
    for what in [
        "tool definitions",
        "whole tools/list",
        "scenario 01-single-phase: get_current_tasks",
        "scenario 02-two-phase-refactor: get_orchestration_detail (12 tasks)",
        "scenario 03-failing-tests: idle watch_orchestration",
        "200-task orchestration: get_current_tasks, 200 tasks",
        "500 orchestrations: list_orchestrations",
        "500 orchestrations: list_active_teams",
    ] {
        assert!(
            rows.iter().any(|r| r.what.starts_with(what)),
            "no row for {what}:\n{table}"
        );
    }
    let over: Vec<_> = rows.iter().filter(|r| r.over()).collect();
    assert!(over.is_empty(), "over budget: {over:#?}\n{table}");
}

/// The counter itself: a known string has the token count o200k_base gives it, so a
/// broken tokenizer cannot pass the budget by counting too little.
#[test]
fn the_tokenizer_is_o200k_base() {
    assert_eq!(common::budget::tokens("hello world"), 2);
    assert_eq!(common::budget::tokens("Hello, world!"), 4);
    assert!(common::budget::tokens(&"word ".repeat(1000)) >= 1000);
}
