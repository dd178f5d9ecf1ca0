//! tina-harness: filled by its own issue.

fn main() -> anyhow::Result<()> {
    anyhow::bail!("tina-harness is not built yet")
}
