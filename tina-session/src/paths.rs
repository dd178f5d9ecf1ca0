//! Paths derived from untrusted names, confirmed inside their root before use.
//!
//! A team or feature name reaches the file system as a folder name under
//! `$CLAUDE_HOME/teams`, `$CLAUDE_HOME/tasks` or `$TINA_HOME/worktrees`. Names are checked
//! by [`crate::model::input::validate_name`], and every path built from one goes through
//! [`confined`] as well, so a name that slipped past a check (an old record, a store
//! edited by hand) still cannot reach outside its root. Removal goes through
//! [`remove_confined_dir`], which refuses symlinks and anything not inside the root.

use std::io;
use std::path::{Component, Path, PathBuf};

/// Why a derived path was refused.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    /// The name is not one plain path component (separators, `..`, empty, absolute).
    #[error("{name} is not a plain folder name; refusing to use it under {root}")]
    NotAComponent { name: String, root: String },
    /// After resolving links the path is not inside its root.
    #[error("{path} resolves outside {root}; refusing to touch it")]
    OutsideRoot { path: String, root: String },
    /// The path is a symbolic link; TINA never follows or removes through one.
    #[error("{path} is a symbolic link; refusing to follow or remove it")]
    Symlink { path: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

/// `root/name`, refused unless `name` is exactly one normal path component (no `/`,
/// `\`, `..`, `.`, nothing absolute) and, when the path exists, it resolves inside
/// `root` (no symlink leading out).
pub fn confined(root: &Path, name: &str) -> Result<PathBuf, PathError> {
    let path = joined(root, name)?;
    ensure_inside(root, &path)?;
    Ok(path)
}

/// `root/name` when `name` is one normal component; not yet checked on disk.
fn joined(root: &Path, name: &str) -> Result<PathBuf, PathError> {
    let mut components = Path::new(name).components();
    let one_normal = matches!(components.next(), Some(Component::Normal(_)))
        && components.next().is_none()
        && !name.contains(['/', '\\', '\0']);
    if !one_normal {
        return Err(PathError::NotAComponent {
            name: crate::model::input::quote(name),
            root: root.display().to_string(),
        });
    }
    Ok(root.join(name))
}

/// Confirms that `path`, if it exists, resolves inside `root` (both canonicalized).
/// A path that does not exist yet is inside when its parent is.
pub fn ensure_inside(root: &Path, path: &Path) -> Result<(), PathError> {
    let io_err = |p: &Path| {
        let p = p.display().to_string();
        move |source| PathError::Io { path: p, source }
    };
    let root_real = match root.canonicalize() {
        Ok(r) => r,
        // No root yet: nothing below it exists either.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(root)(e)),
    };
    let real = match path.canonicalize() {
        Ok(r) => r,
        Err(e) if e.kind() == io::ErrorKind::NotFound => match path.parent() {
            Some(parent) if parent != path => match parent.canonicalize() {
                Ok(p) => p,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(io_err(parent)(e)),
            },
            _ => return Ok(()),
        },
        Err(e) => return Err(io_err(path)(e)),
    };
    if real.starts_with(&root_real) {
        Ok(())
    } else {
        Err(PathError::OutsideRoot {
            path: path.display().to_string(),
            root: root.display().to_string(),
        })
    }
}

/// Removes the folder `root/name` and everything in it, after confirming it is a real
/// directory (not a symlink) inside `root`. A missing folder is not an error (`Ok(false)`).
pub fn remove_confined_dir(root: &Path, name: &str) -> Result<bool, PathError> {
    let path = joined(root, name)?;
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(PathError::Io {
            path: path.display().to_string(),
            source,
        }),
        Ok(meta) if meta.file_type().is_symlink() => Err(PathError::Symlink {
            path: path.display().to_string(),
        }),
        Ok(_) => {
            ensure_inside(root, &path)?;
            // remove_dir_all does not follow symlinks inside the tree.
            std::fs::remove_dir_all(&path).map_err(|source| PathError::Io {
                path: path.display().to_string(),
                source,
            })?;
            Ok(true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_joined() {
        let root = tempfile::tempdir().unwrap();
        assert!(confined(root.path(), "team-a").is_ok());
        for bad in ["../victim", "a/b", "..", ".", "", "/etc", "a\\b"] {
            assert!(confined(root.path(), bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn removal_refuses_symlinks_and_keeps_what_they_point_to() {
        let root = tempfile::tempdir().unwrap();
        let victim = tempfile::tempdir().unwrap();
        std::fs::write(victim.path().join("keep"), "x").unwrap();
        std::os::unix::fs::symlink(victim.path(), root.path().join("link")).unwrap();
        assert!(matches!(
            remove_confined_dir(root.path(), "link"),
            Err(PathError::Symlink { .. })
        ));
        assert!(victim.path().join("keep").exists());

        std::fs::create_dir(root.path().join("real")).unwrap();
        std::fs::write(root.path().join("real/f"), "x").unwrap();
        assert!(remove_confined_dir(root.path(), "real").unwrap());
        assert!(!remove_confined_dir(root.path(), "real").unwrap());
    }
}
