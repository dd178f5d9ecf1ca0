//! Prints the token budget table: what tina-mcp's tool list and replies cost a model, in
//! o200k_base tokens, on the seeded stores of `tests/common` (the same measurement the
//! `token_budget` test asserts).
//!
//! Run: `cargo run -p tina-mcp --example token_budget` (add `-- --tools` for the tokens
//! of each tool's description, inputSchema and outputSchema).

#[path = "../tests/common/mod.rs"]
mod common;

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--tools") {
        println!("| tool | description | inputSchema | outputSchema |\n|---|---:|---:|---:|");
        for (name, d, i, o) in common::budget::tool_breakdown().await {
            println!("| {name} | {d} | {i} | {o} |");
        }
        return;
    }
    let rows = common::budget::measure().await;
    print!("{}", common::budget::table(&rows));
    let over = rows.iter().filter(|r| r.over()).count();
    if over > 0 {
        println!("\n{over} figure(s) over budget");
    }
}
