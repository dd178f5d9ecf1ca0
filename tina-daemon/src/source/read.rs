//! Reading one agent-written file safely: regular files only, inside `$CLAUDE_HOME`, up to
//! a size limit, with a time stamp no later than now.
//!
//! Agents (and anything else running as the user) can put anything where a task file is
//! expected. So a file is opened with `O_NONBLOCK` (a FIFO cannot block the open),
//! `O_NOFOLLOW` (a symlink is refused, whatever it points to) and `O_NOCTTY`; its type is
//! checked with `fstat` on the opened handle (no race with a swap after a `stat`), so
//! FIFOs, devices, sockets and directories are refused; the path the kernel resolved for
//! the handle must lie inside the root (a directory symlink on the way cannot lead out);
//! a file larger than the limit is reported, not read; and reading stops at the limit
//! even if the file grows meanwhile. A modification time in the future (a clock set
//! wrong, a `touch -d 2099`) is clamped to the daemon's clock, so it cannot freeze the
//! order of a task's events.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use nix::fcntl::OFlag;
use tina_session::{Millis, now_ms};

use super::ReadError;

/// Reads the regular file at `path` (which must resolve inside `root`, given already
/// canonicalized), at most `max` bytes; returns its bytes and its modification time (ms,
/// never later than now).
pub fn read_regular(root: &Path, path: &Path, max: u64) -> Result<(Vec<u8>, Millis), ReadError> {
    let refused = |reason: String| ReadError::Refused {
        path: path.to_owned(),
        reason,
    };
    let flags = OFlag::O_NONBLOCK | OFlag::O_NOFOLLOW | OFlag::O_NOCTTY;
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits())
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ReadError::Missing(path.to_owned()));
        }
        Err(e) if e.raw_os_error() == Some(nix::libc::ELOOP) => {
            return Err(refused(
                "it is a symbolic link; only regular files are read".into(),
            ));
        }
        Err(source) => {
            return Err(ReadError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    let meta = file.metadata().map_err(|source| ReadError::Io {
        path: path.to_owned(),
        source,
    })?;
    let kind = meta.file_type();
    if !kind.is_file() {
        let what = if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_char_device() || kind.is_block_device() {
            "a device"
        } else if kind.is_socket() {
            "a socket"
        } else if kind.is_dir() {
            "a directory"
        } else {
            "not a regular file"
        };
        return Err(refused(format!(
            "it is {what}; only regular files are read"
        )));
    }
    if let Some(real) = resolved(&file)
        && !real.starts_with(root)
    {
        return Err(refused(format!(
            "it resolves to {}, outside {}",
            real.display(),
            root.display()
        )));
    }
    if meta.len() > max {
        return Err(ReadError::TooLarge {
            path: path.to_owned(),
            size: meta.len(),
            max,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| ReadError::Io {
            path: path.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge {
            path: path.to_owned(),
            size: bytes.len() as u64,
            max,
        });
    }
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as Millis);
    Ok((bytes, modified.min(now_ms())))
}

/// The path the kernel opened (Linux `/proc/self/fd`); `None` where that is unknown.
fn resolved(file: &File) -> Option<PathBuf> {
    use std::os::fd::AsRawFd;
    std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()
}

/// Whether `path` is a real directory (not a symlink to one).
pub fn is_real_dir(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn refuses_fifos_devices_symlinks_and_big_files_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().canonicalize().unwrap();
        let root = real.as_path();
        let fifo = root.join("fifo.json");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        let zero = root.join("zero.json");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("x.json"), "{}").unwrap();
        let link = root.join("link.json");
        std::os::unix::fs::symlink(outside.path().join("x.json"), &link).unwrap();
        let big = root.join("big.json");
        std::fs::write(&big, vec![b' '; 2048]).unwrap();

        for path in [&fifo, &zero, &link] {
            assert!(
                matches!(
                    read_regular(root, path, 1024),
                    Err(ReadError::Refused { .. })
                ),
                "{}",
                path.display()
            );
        }
        assert!(matches!(
            read_regular(root, &big, 1024),
            Err(ReadError::TooLarge {
                size: 2048,
                max: 1024,
                ..
            })
        ));
        assert_eq!(read_regular(root, &big, 4096).unwrap().0.len(), 2048);
        assert!(matches!(
            read_regular(root, &root.join("none.json"), 1024),
            Err(ReadError::Missing(_))
        ));
    }

    #[test]
    fn a_directory_symlink_cannot_lead_out_of_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("1.json"), "{}").unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("team")).unwrap();
        let root = dir.path().canonicalize().unwrap();
        let err = read_regular(&root, &dir.path().join("team/1.json"), 1024).unwrap_err();
        assert!(matches!(err, ReadError::Refused { .. }), "{err}");
        assert!(!is_real_dir(&dir.path().join("team")));
    }

    #[test]
    fn a_future_mtime_is_clamped_to_now() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1.json");
        std::fs::write(&path, "{}").unwrap();
        let f = File::options().write(true).open(&path).unwrap();
        // 2099-01-01.
        f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(4_070_908_800))
            .unwrap();
        let before = now_ms();
        let (_, at) = read_regular(dir.path(), &path, 1024).unwrap();
        assert!(at >= before && at <= now_ms(), "{at}");
    }
}
