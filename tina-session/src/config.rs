//! Configuration: where TINA keeps its state and which store it uses.
//!
//! Precedence: command-line flags, then environment (`TINA_HOME`, `CLAUDE_HOME`,
//! `TINA_CONVEX_URL`), then `$TINA_HOME/config.toml`, then defaults (`~/.tina`,
//! `~/.claude`, the SQLite file `$TINA_HOME/tina.db`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::store::sqlite::{SqliteStore, open::Creation};
use crate::store::{Store, StoreError};

/// Values given explicitly (flags); `None` falls through to env, file, default.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub tina_home: Option<PathBuf>,
    pub claude_home: Option<PathBuf>,
    pub convex_url: Option<String>,
}

/// The optional `$TINA_HOME/config.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    claude_home: Option<PathBuf>,
    convex_url: Option<String>,
}

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub tina_home: PathBuf,
    pub claude_home: PathBuf,
    /// Set: use the Convex deployment at this URL instead of SQLite.
    pub convex_url: Option<String>,
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
        Ok(Self {
            tina_home,
            claude_home,
            convex_url,
        })
    }

    /// The configuration rooted at explicit directories, ignoring the environment.
    pub fn at(tina_home: impl Into<PathBuf>, claude_home: impl Into<PathBuf>) -> Self {
        Self {
            tina_home: tina_home.into(),
            claude_home: claude_home.into(),
            convex_url: None,
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.tina_home.join("tina.db")
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

    /// Opens the configured store: Convex when a URL is set, SQLite otherwise. A SQLite
    /// store is created on first use, but never silently re-created after it was
    /// deleted (see [`crate::store::sqlite::open`]); [`Self::open_store_for_init`] does.
    pub fn open_store(&self) -> Result<Arc<dyn Store>, StoreError> {
        self.open_store_with(Creation::FreshOnly)
    }

    /// [`Self::open_store`] for `init`, which may create a new store where one was lost.
    pub fn open_store_for_init(&self) -> Result<Arc<dyn Store>, StoreError> {
        self.open_store_with(Creation::Allowed)
    }

    fn open_store_with(&self, creation: Creation) -> Result<Arc<dyn Store>, StoreError> {
        match &self.convex_url {
            Some(url) => crate::store::open_convex(url),
            None => Ok(Arc::new(SqliteStore::open_with(&self.db_path(), creation)?)),
        }
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
