//! Logging: `tracing` to `$TINA_HOME/logs/daemon.log` and, unless detached, to stderr.
//! The level comes from `RUST_LOG` (default `info`).
//!
//! The log file rotates by size: when a write would take it past
//! [`LogOptions::max_bytes`] (default 10 MiB), `daemon.log` becomes `daemon.log.1`, the
//! older ones shift up to `daemon.log.<keep>` (default 3) and the oldest is dropped. So
//! the daemon's logs never take more than about `(keep + 1) × max_bytes` of disk, however
//! many broken files agents write. A log write that fails (a full disk) is dropped
//! rather than stopping the daemon.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tina_session::Config;
use tina_session::cli_common::init_tracing_to;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Default size at which the log rotates.
pub const LOG_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Default number of rotated logs kept.
pub const LOG_KEEP: usize = 3;

/// How the log file rotates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOptions {
    pub max_bytes: u64,
    pub keep: usize,
}

impl Default for LogOptions {
    fn default() -> Self {
        Self {
            max_bytes: LOG_MAX_BYTES,
            keep: LOG_KEEP,
        }
    }
}

/// A log file that rotates by size.
pub struct RotatingFile {
    path: PathBuf,
    file: Option<File>,
    size: u64,
    options: LogOptions,
}

impl RotatingFile {
    pub fn open(path: &Path, options: LogOptions) -> io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let size = file.metadata()?.len();
        Ok(Self {
            path: path.to_owned(),
            file: Some(file),
            size,
            options,
        })
    }

    fn rotated(&self, n: usize) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file = None;
        if self.options.keep == 0 {
            let _ = std::fs::remove_file(&self.path);
        } else {
            let _ = std::fs::remove_file(self.rotated(self.options.keep));
            for n in (1..self.options.keep).rev() {
                let _ = std::fs::rename(self.rotated(n), self.rotated(n + 1));
            }
            let _ = std::fs::rename(&self.path, self.rotated(1));
        }
        self.file = Some(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?,
        );
        self.size = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.size > 0 && self.size + buf.len() as u64 > self.options.max_bytes {
            self.rotate()?;
        }
        let file = match self.file.as_mut() {
            Some(f) => f,
            None => {
                self.rotate()?;
                self.file
                    .as_mut()
                    .ok_or_else(|| io::Error::other("log closed"))?
            }
        };
        let n = file.write(buf)?;
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), File::flush)
    }
}

/// Installs the global subscriber ([`tina_session::cli_common::init_tracing_to`], as every
/// TINA binary): the log file, plus stderr unless `to_stderr` is off (a detached daemon,
/// whose stderr already goes to the same file).
pub fn init(config: &Config, to_stderr: bool, options: LogOptions) -> io::Result<()> {
    std::fs::create_dir_all(config.logs_dir())?;
    let file = Mutex::new(RotatingFile::open(
        &tina_session::daemon::log_path(config),
        options,
    )?);
    if to_stderr {
        init_tracing_to("info", file.and(std::io::stderr), false);
    } else {
        init_tracing_to("info", file, false);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_by_size_and_keeps_a_bounded_number_of_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("daemon.log");
        let options = LogOptions {
            max_bytes: 1_000,
            keep: 3,
        };
        let mut log = RotatingFile::open(&path, options).unwrap();
        for i in 0..1_000 {
            writeln!(log, "line {i:04} of a log that keeps growing").unwrap();
        }
        log.flush().unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["daemon.log", "daemon.log.1", "daemon.log.2", "daemon.log.3"]
        );
        for name in &names {
            let len = std::fs::metadata(dir.path().join(name)).unwrap().len();
            assert!(len <= 1_000, "{name}: {len}");
        }
        // The newest lines are in the current file, the oldest were dropped.
        let current = std::fs::read_to_string(&path).unwrap();
        assert!(current.contains("line 0999"));
        let all: String = names
            .iter()
            .map(|n| std::fs::read_to_string(dir.path().join(n)).unwrap())
            .collect();
        assert!(!all.contains("line 0000"));

        // Reopening continues the current file's size.
        drop(log);
        let reopened = RotatingFile::open(&path, options).unwrap();
        assert_eq!(reopened.size, current.len() as u64);
    }
}
