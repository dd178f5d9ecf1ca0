//! Files the daemon could not use, and what it does about each: warn (rate-limited per
//! file), and retry a malformed file shortly in case it was caught half-written.
//!
//! - A file is reported when a new version of it (modification time, length) fails, but
//!   at most once per [`WARN_EVERY`] per file; versions that fail in between are counted
//!   and the count is given with the next warning. 500 agents rewriting broken files in a
//!   loop therefore cost a few log lines a minute, not megabytes.
//! - A malformed file (half-written by a non-atomic writer, read between its two writes)
//!   is read again after [`RETRY_FIRST`], doubling, at most [`RETRY_ATTEMPTS`] times per
//!   version, rather than only on its next change: the writer's last event may have been
//!   folded into the batch that read the half.
//! - Refused files (FIFOs, devices, symlinks, too large) are not retried: they are looked
//!   at again when they change.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::source::{ReadError, SourceFile};

/// At most one warning per file this often.
pub const WARN_EVERY: Duration = Duration::from_secs(60);
/// The first quick retry of a malformed file; later ones double.
pub const RETRY_FIRST: Duration = Duration::from_millis(200);
/// Quick retries per version of a malformed file.
pub const RETRY_ATTEMPTS: u32 = 5;

/// A file's version: modification time and length.
type Version = (Option<SystemTime>, u64);

#[derive(Debug)]
struct Issue {
    version: Version,
    last_warned: Option<Instant>,
    /// Failed versions not warned about since the last warning.
    suppressed: u64,
    /// The next quick retry: the file, attempts made, when.
    retry: Option<(SourceFile, u32, Instant)>,
}

/// The files that failed to read, by path.
#[derive(Debug, Default)]
pub struct FileIssues {
    files: HashMap<PathBuf, Issue>,
}

impl FileIssues {
    /// Records that `file` failed with `e` (not `Missing`): warns if allowed, and
    /// schedules a quick retry for a malformed file. Returns whether it warned.
    pub fn failed(&mut self, file: &SourceFile, e: &ReadError) -> bool {
        self.failed_at(file, e, version(e.path()), Instant::now())
    }

    fn failed_at(
        &mut self,
        file: &SourceFile,
        e: &ReadError,
        version: Version,
        now: Instant,
    ) -> bool {
        let path = e.path().to_owned();
        let issue = self.files.entry(path.clone()).or_insert(Issue {
            version,
            last_warned: None,
            suppressed: 0,
            retry: None,
        });
        let new_version = issue.version != version || issue.last_warned.is_none();
        let malformed = matches!(e, ReadError::Malformed { .. });
        if issue.version != version {
            issue.version = version;
            issue.retry = None;
        }
        // Quick retries of a malformed file, per version.
        if malformed {
            let attempts = issue.retry.as_ref().map_or(0, |(_, n, _)| *n);
            issue.retry = (attempts < RETRY_ATTEMPTS).then(|| {
                (
                    file.clone(),
                    attempts + 1,
                    now + RETRY_FIRST * 2u32.pow(attempts),
                )
            });
        }
        if !new_version {
            return false;
        }
        let allowed = issue
            .last_warned
            .is_none_or(|at| now.duration_since(at) >= WARN_EVERY);
        if !allowed {
            issue.suppressed += 1;
            return false;
        }
        let suppressed = std::mem::take(&mut issue.suppressed);
        issue.last_warned = Some(now);
        let retried = if malformed {
            "retried shortly and on its next change"
        } else {
            "looked at again when it changes"
        };
        if suppressed > 0 {
            tracing::warn!(path = %path.display(), error = %e, suppressed,
                "file skipped ({retried}); {suppressed} more failed versions were not logged");
        } else {
            tracing::warn!(path = %path.display(), error = %e, "file skipped ({retried})");
        }
        true
    }

    /// The file read fine (or is gone): forget its issue.
    pub fn clear(&mut self, path: &Path) {
        self.files.remove(path);
    }

    /// Malformed files whose quick retry is due.
    pub fn due(&mut self, now: Instant) -> Vec<SourceFile> {
        self.files
            .values()
            .filter_map(|i| i.retry.as_ref())
            .filter(|(_, _, at)| *at <= now)
            .map(|(f, _, _)| f.clone())
            .collect()
    }

    /// Whether any quick retry is scheduled.
    pub fn retry_pending(&self) -> bool {
        self.files.values().any(|i| i.retry.is_some())
    }
}

fn version(path: &Path) -> Version {
    std::fs::symlink_metadata(path)
        .map(|m| (m.modified().ok(), m.len()))
        .unwrap_or((None, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn malformed(path: &str) -> (SourceFile, ReadError) {
        (
            SourceFile::Task {
                team: "t".into(),
                path: PathBuf::from(path),
            },
            ReadError::Malformed {
                path: PathBuf::from(path),
                reason: "eof".into(),
            },
        )
    }

    #[test]
    fn warns_once_per_window_per_file_and_counts_the_rest() {
        let mut issues = FileIssues::default();
        let (file, e) = malformed("/c/tasks/t/1.json");
        let t0 = Instant::now();
        assert!(issues.failed_at(&file, &e, (None, 1), t0));
        // Same version again: never a second warning.
        assert!(!issues.failed_at(&file, &e, (None, 1), t0));
        // 100 new versions within the window: none warned.
        for len in 2..102 {
            assert!(!issues.failed_at(&file, &e, (None, len), t0 + Duration::from_secs(1)));
        }
        // Another file is not held back by this one.
        let (other, e2) = malformed("/c/tasks/t/2.json");
        assert!(issues.failed_at(&other, &e2, (None, 1), t0));
        // After the window, the next new version warns again (with the count).
        assert!(issues.failed_at(&file, &e, (None, 500), t0 + WARN_EVERY));
        assert_eq!(issues.files[Path::new("/c/tasks/t/1.json")].suppressed, 0);
    }

    #[test]
    fn malformed_files_are_retried_a_bounded_number_of_times() {
        let mut issues = FileIssues::default();
        let (file, e) = malformed("/c/tasks/t/1.json");
        let t0 = Instant::now();
        issues.failed_at(&file, &e, (None, 1), t0);
        assert!(issues.due(t0).is_empty());
        let mut now = t0;
        let mut retries = 0;
        while issues.retry_pending() {
            now += Duration::from_secs(10);
            assert_eq!(issues.due(now), vec![file.clone()]);
            retries += 1;
            issues.failed_at(&file, &e, (None, 1), now);
        }
        assert_eq!(retries, RETRY_ATTEMPTS);
        issues.clear(Path::new("/c/tasks/t/1.json"));
        assert!(issues.due(now + WARN_EVERY).is_empty());
    }

    #[test]
    fn refused_files_are_not_retried() {
        let mut issues = FileIssues::default();
        let file = SourceFile::Task {
            team: "t".into(),
            path: PathBuf::from("/c/tasks/t/1.json"),
        };
        let e = ReadError::TooLarge {
            path: PathBuf::from("/c/tasks/t/1.json"),
            size: 10,
            max: 1,
        };
        assert!(issues.failed_at(&file, &e, (None, 10), Instant::now()));
        assert!(!issues.retry_pending());
    }
}
