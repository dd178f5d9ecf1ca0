//! tina-web: filled by its own issue.

fn main() -> anyhow::Result<()> {
    anyhow::bail!("tina-web is not built yet")
}
