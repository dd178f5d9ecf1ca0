//! Prints the token budget table: what tina-mcp's tool list and replies cost a model, in
//! o200k_base tokens, on the seeded stores of `tests/common` (the same measurement the
//! `token_budget` test asserts).
//!
//! Run: `cargo run -p tina-mcp --example token_budget`.

#[path = "../tests/common/mod.rs"]
mod common;

#[tokio::main]
async fn main() {
    let rows = common::budget::measure().await;
    print!("{}", common::budget::table(&rows));
    let over = rows.iter().filter(|r| r.over()).count();
    if over > 0 {
        println!("\n{over} figure(s) over budget");
    }
}
