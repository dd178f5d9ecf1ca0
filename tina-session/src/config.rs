//! Configuration: where TINA keeps its state and which store it uses.
//!
//! Precedence: command-line flags, then environment (`TINA_HOME`, `CLAUDE_HOME`,
//! `TINA_CONVEX_URL`, `TINA_CONVEX_KEY`), then `$TINA_HOME/config.toml`, then defaults
//! (`~/.tina`, `~/.claude`, the SQLite file `$TINA_HOME/tina.db`).
//!
//! The Convex deployment key is a secret: it is held as a [`DeploymentKey`], which never
//! prints, and a Convex URL without a key is refused when the store is opened.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

pub use crate::store::convex::DeploymentKey;
use crate::store::sqlite::{SqliteStore, open::Creation};
use crate::store::{Store, StoreError};

/// Values given explicitly (flags); `None` falls through to env, file, default.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub tina_home: Option<PathBuf>,
    pub claude_home: Option<PathBuf>,
    pub convex_url: Option<String>,
    /// The Convex deployment key (`--convex-key`; prefer the environment or the file:
    /// a flag shows in the process list).
    pub convex_key: Option<DeploymentKey>,
}

/// The optional `$TINA_HOME/config.toml`.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    claude_home: Option<PathBuf>,
    convex_url: Option<String>,
    // Read by `crate::attention::Settings`; listed here so other unknown keys stay errors.
    #[allow(dead_code)]
    notify_command: Option<toml::Value>,
    #[allow(dead_code)]
    notify_timeout_secs: Option<toml::Value>,
    #[allow(dead_code)]
    stall_after_secs: Option<toml::Value>,
    #[allow(dead_code)]
    prices: Option<toml::Value>,
    convex_key: Option<String>,
}

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub tina_home: PathBuf,
    pub claude_home: PathBuf,
    /// Set: use the Convex deployment at this URL instead of SQLite.
    pub convex_url: Option<String>,
    /// The key every call to the Convex deployment presents (`TINA_CONVEX_KEY`).
    pub convex_key: Option<DeploymentKey>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot find a home directory; set TINA_HOME and CLAUDE_HOME")]
    NoHome,
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid {path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn env_string(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Config {
    /// Resolves flags over environment over `config.toml` over defaults.
    pub fn load(overrides: Overrides) -> Result<Self, ConfigError> {
        let tina_home = match overrides.tina_home.or_else(|| env_path("TINA_HOME")) {
            Some(p) => p,
            None => home_dir().ok_or(ConfigError::NoHome)?.join(".tina"),
        };
        let file = read_file_config(&tina_home.join("config.toml"))?;
        let claude_home = match overrides
            .claude_home
            .or_else(|| env_path("CLAUDE_HOME"))
            .or(file.claude_home)
        {
            Some(p) => p,
            None => home_dir().ok_or(ConfigError::NoHome)?.join(".claude"),
        };
        let convex_url = overrides
            .convex_url
            .or_else(|| env_string("TINA_CONVEX_URL"))
            .or(file.convex_url);
        let convex_key = overrides
            .convex_key
            .or_else(|| env_string("TINA_CONVEX_KEY").map(DeploymentKey::new))
            .or(file
                .convex_key
                .filter(|k| !k.is_empty())
                .map(DeploymentKey::new));
        Ok(Self {
            tina_home,
            claude_home,
            convex_url,
            convex_key,
        })
    }

    /// The configuration rooted at explicit directories, ignoring the environment.
    pub fn at(tina_home: impl Into<PathBuf>, claude_home: impl Into<PathBuf>) -> Self {
        Self {
            tina_home: tina_home.into(),
            claude_home: claude_home.into(),
            convex_url: None,
            convex_key: None,
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.tina_home.join("tina.db")
    }

    /// Where `init` makes each feature's git worktree (`<worktrees_dir>/<feature>`) and
    /// the only place `cleanup` removes one from.
    pub fn worktrees_dir(&self) -> PathBuf {
        self.tina_home.join("worktrees")
    }

    pub fn logs_dir(&self) -> PathBuf {
        self.tina_home.join("logs")
    }

    pub fn daemon_pid_path(&self) -> PathBuf {
        self.tina_home.join("daemon.pid")
    }

    pub fn runs_dir(&self) -> PathBuf {
        self.tina_home.join("runs")
    }

    /// Opens the configured store: Convex when a URL is set (with its key), SQLite
    /// otherwise. A SQLite store is created on first use, but never silently re-created
    /// after it was deleted (see [`crate::store::sqlite::open`]);
    /// [`Self::open_store_for_init`] does.
    pub fn open_store(&self) -> Result<Arc<dyn Store>, StoreError> {
        self.open_store_with(Creation::FreshOnly)
    }

    /// [`Self::open_store`] for `init`, which may create a new store where one was lost.
    pub fn open_store_for_init(&self) -> Result<Arc<dyn Store>, StoreError> {
        self.open_store_with(Creation::Allowed)
    }

    fn open_store_with(&self, creation: Creation) -> Result<Arc<dyn Store>, StoreError> {
        match (&self.convex_url, &self.convex_key) {
            (Some(url), Some(key)) => crate::store::open_convex(url, key),
            (Some(url), None) => Err(StoreError::Unauthorized(format!(
                "the Convex deployment {url} needs its deployment key: set TINA_CONVEX_KEY \
                 (or convex_key in {}, or --convex-key) to the deployment's TINA_CONVEX_KEY",
                self.tina_home.join("config.toml").display()
            ))),
            (None, _) => Ok(Arc::new(SqliteStore::open_with(&self.db_path(), creation)?)),
        }
    }

    /// The variables a child TINA process needs to reach the same store: `TINA_CONVEX_URL`
    /// and `TINA_CONVEX_KEY`, each with its value, or `None` to remove it from the child's
    /// environment (a child must not inherit a deployment this configuration does not use).
    pub fn store_env(&self) -> [(&'static str, Option<&str>); 2] {
        [
            ("TINA_CONVEX_URL", self.convex_url.as_deref()),
            (
                "TINA_CONVEX_KEY",
                self.convex_url
                    .as_ref()
                    .and(self.convex_key.as_ref())
                    .map(DeploymentKey::expose),
            ),
        ]
    }
}

fn read_file_config(path: &Path) -> Result<FileConfig, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
        Err(source) => Err(ConfigError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// The log filter every TINA binary uses when `RUST_LOG` is unset: `level` for TINA,
/// and the `convex` client muted (it logs each reconnect with a backtrace; TINA reports
/// an unreachable deployment itself, as `StoreError::Unavailable`).
pub fn default_log_filter(level: &str) -> String {
    format!("{level},convex=off")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home_with(config_toml: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("config.toml"), config_toml).expect("config.toml");
        dir
    }

    #[test]
    fn the_key_comes_from_the_flag_over_the_file_and_never_prints() {
        let dir = home_with(
            "convex_url = \"https://x.convex.cloud\"\nconvex_key = \"file-key-0123456789\"\n",
        );
        let load = |key: Option<&str>| {
            Config::load(Overrides {
                tina_home: Some(dir.path().to_owned()),
                claude_home: Some(dir.path().to_owned()),
                convex_url: None,
                convex_key: key.map(DeploymentKey::new),
            })
            .expect("config")
        };
        let flagged = load(Some("flag-key"));
        assert_eq!(flagged.convex_key, Some(DeploymentKey::new("flag-key")));
        assert!(!format!("{flagged:?}").contains("flag-key"));
        if std::env::var_os("TINA_CONVEX_KEY").is_none() {
            assert_eq!(
                load(None).convex_key,
                Some(DeploymentKey::new("file-key-0123456789"))
            );
        }
        let env = flagged.store_env();
        assert_eq!(env[1], ("TINA_CONVEX_KEY", Some("flag-key")));
    }

    #[test]
    fn a_convex_url_without_a_key_is_refused_before_connecting() {
        let mut config = Config::at("/nonexistent/tina", "/nonexistent/claude");
        config.convex_url = Some("https://x.convex.cloud".into());
        let err = match config.open_store() {
            Err(e) => e,
            Ok(_) => panic!("a Convex URL without a key must be refused"),
        };
        assert!(matches!(err, StoreError::Unauthorized(_)), "{err}");
        assert!(err.to_string().contains("TINA_CONVEX_KEY"), "{err}");
        // SQLite needs no key, and a child of a SQLite configuration gets none.
        config.convex_url = None;
        config.convex_key = Some(DeploymentKey::new("stray"));
        assert_eq!(
            config.store_env(),
            [("TINA_CONVEX_URL", None), ("TINA_CONVEX_KEY", None)]
        );
    }
}
