//! Where a run's binaries and this workspace are. Shared by the build
//! ([`crate::binaries`]) and the daemon control ([`crate::daemon`]), which both need
//! it, so neither imports the other for it.

use std::path::{Path, PathBuf};

/// Where the binaries are: `$TINA_BIN_DIR`, else the folder of the running executable
/// (stepping out of cargo's `deps/` for test binaries).
pub fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TINA_BIN_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.pop();
    }
    dir
}

/// The workspace this harness was built from (where `cargo build` runs).
pub fn workspace_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Paths of the binaries a run executes.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub tina_session: PathBuf,
    pub tina_daemon: PathBuf,
    pub tina_harness: PathBuf,
}

impl Binaries {
    pub fn locate() -> Self {
        let dir = bin_dir();
        Self {
            tina_session: dir.join("tina-session"),
            tina_daemon: dir.join("tina-daemon"),
            tina_harness: dir.join("tina-harness"),
        }
    }

    /// Fails naming every missing binary and how to build it.
    pub fn check(&self) -> anyhow::Result<()> {
        let missing: Vec<String> = [&self.tina_session, &self.tina_daemon, &self.tina_harness]
            .iter()
            .filter(|p| !p.is_file())
            .map(|p| p.display().to_string())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            anyhow::bail!(
                "missing binaries: {}; run without --skip-build, or `cargo build -p tina-session -p tina-daemon -p tina-harness`, or set TINA_BIN_DIR",
                missing.join(", ")
            )
        }
    }
}
