//! Attention settings from `$TINA_HOME/config.toml` (environment over file):
//!
//! ```toml
//! notify_command = "notify-send TINA \"$(jq -r .message)\""  # run by sh -c, event JSON on stdin
//! notify_timeout_secs = 10      # killed after this long (default 10)
//! stall_after_secs = 600        # an executing phase quiet this long is a stall (default 600)
//! [prices."claude-sonnet-4-5"]  # USD per million tokens; see attention::prices
//! input = 3.0
//! output = 15.0
//! cache_write = 3.75
//! cache_read = 0.30
//! ```
//!
//! `TINA_NOTIFY_COMMAND` overrides `notify_command` (empty: none). The command is the
//! user's own configuration, run with `sh -c`; nothing an agent writes reaches it except
//! as the JSON on its stdin.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use super::prices::{ModelPrice, PriceTable};
use crate::config::{Config, ConfigError};

/// The resolved attention settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub notify_command: Option<String>,
    pub notify_timeout: Duration,
    pub stall_after: Duration,
    pub prices: PriceTable,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            notify_command: None,
            notify_timeout: Duration::from_secs(10),
            stall_after: Duration::from_secs(600),
            prices: PriceTable::default(),
        }
    }
}

/// The attention keys of config.toml (the rest is `config::FileConfig`'s).
#[derive(Debug, Default, Deserialize)]
struct FileSettings {
    notify_command: Option<String>,
    notify_timeout_secs: Option<u64>,
    stall_after_secs: Option<u64>,
    #[serde(default)]
    prices: BTreeMap<String, ModelPrice>,
}

/// Why the settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{path}: {source}")]
    Price {
        path: String,
        source: super::prices::PriceError,
    },
    #[error("{path}: {key} must be at least 1 second")]
    Zero { path: String, key: &'static str },
}

impl Settings {
    /// Reads `$TINA_HOME/config.toml` (absent: defaults) and `TINA_NOTIFY_COMMAND`.
    pub fn load(config: &Config) -> Result<Self, SettingsError> {
        let path = config.tina_home.join("config.toml");
        let mut s = Self::from_file(&path)?;
        if let Ok(cmd) = std::env::var("TINA_NOTIFY_COMMAND") {
            s.notify_command = Some(cmd).filter(|c| !c.trim().is_empty());
        }
        Ok(s)
    }

    fn from_file(path: &Path) -> Result<Self, SettingsError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    source,
                }
                .into());
            }
        };
        let f: FileSettings = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })?;
        let shown = path.display().to_string();
        let secs = |v: Option<u64>, key, default: Duration| match v {
            Some(0) => Err(SettingsError::Zero {
                path: shown.clone(),
                key,
            }),
            Some(n) => Ok(Duration::from_secs(n)),
            None => Ok(default),
        };
        let d = Self::default();
        Ok(Self {
            notify_command: f.notify_command.filter(|c| !c.trim().is_empty()),
            notify_timeout: secs(
                f.notify_timeout_secs,
                "notify_timeout_secs",
                d.notify_timeout,
            )?,
            stall_after: secs(f.stall_after_secs, "stall_after_secs", d.stall_after)?,
            prices: PriceTable::with_overrides(&f.prices).map_err(|source| {
                SettingsError::Price {
                    path: shown.clone(),
                    source,
                }
            })?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_values_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        assert_eq!(Settings::from_file(&path).unwrap(), Settings::default());
        std::fs::write(
            &path,
            "notify_command = \"cat >> out\"\nstall_after_secs = 30\n[prices.\"m-1\"]\ninput = 1.0\noutput = 2.0\ncache_write = 0.0\ncache_read = 0.0\n",
        )
        .unwrap();
        let s = Settings::from_file(&path).unwrap();
        assert_eq!(s.notify_command.as_deref(), Some("cat >> out"));
        assert_eq!(s.stall_after, Duration::from_secs(30));
        assert!(s.prices.get("m-1").is_some());
        std::fs::write(&path, "stall_after_secs = 0\n").unwrap();
        assert!(Settings::from_file(&path).is_err());
    }
}
