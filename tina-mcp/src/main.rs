//! tina-mcp: filled by its own issue.

fn main() -> anyhow::Result<()> {
    anyhow::bail!("tina-mcp is not built yet")
}
