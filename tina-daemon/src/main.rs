//! tina-daemon: filled by its own issue.

fn main() -> anyhow::Result<()> {
    anyhow::bail!("tina-daemon is not built yet")
}
