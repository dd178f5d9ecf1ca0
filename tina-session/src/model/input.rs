//! The rules for untrusted input: names, sizes, and how agent-written text is shown.
//!
//! Everything agents write (team and task files, hook payloads, MCP arguments) and every
//! argument a person types reaches the store through these checks, on every entry point
//! (CLI, MCP, daemon, hooks, both store backends). The Convex functions mirror the same
//! rules in TypeScript; `tests/vectors/validation.json` holds cases both sides must agree
//! on.
//!
//! - **Names** (features, teams, agents) name directories and git branches, so they are
//!   limited to ASCII letters, digits, `-`, `_` and `.`, never start with `-` or `.`
//!   (no `..`, no option look-alikes), and are bounded in length.
//! - **Sizes**: every free-text field has a limit; [`quote`] keeps an error message from
//!   echoing more than [`QUOTE_MAX`] characters of what was sent.
//! - **Display**: [`display_safe`] escapes control and bidi characters in text that is
//!   printed for a person; JSON output stays exact.

use std::borrow::Cow;

/// Longest feature name, in bytes (= characters: names are ASCII).
pub const FEATURE_NAME_MAX: usize = 100;
/// Longest team name: room for `<feature>-orchestration` with a 100-byte feature.
pub const TEAM_NAME_MAX: usize = 128;
/// Longest agent (member) name.
pub const AGENT_NAME_MAX: usize = 128;
/// Longest session id (Claude Code uses UUIDs: 36 characters).
pub const SESSION_ID_MAX: usize = 128;
/// Longest record id passed in (orchestration or team id: UUIDs and Convex ids are
/// far shorter).
pub const ID_MAX: usize = 128;
/// Longest task id (Claude Code numbers tasks "1", "2", ...).
pub const TASK_ID_MAX: usize = 64;
/// Longest block reason, in bytes.
pub const REASON_MAX: usize = 2_000;
/// Longest task subject, in bytes.
pub const SUBJECT_MAX: usize = 1_000;
/// Longest task `activeForm`, in bytes.
pub const ACTIVE_FORM_MAX: usize = 1_000;
/// Longest task description kept, in bytes; longer ones are cut (see [`truncate`]).
pub const DESCRIPTION_MAX: usize = 64 * 1024;
/// Longest task metadata, as serialized JSON bytes.
pub const METADATA_MAX: usize = 16 * 1024;
/// Longest path argument (design doc, plan, repository), in bytes.
pub const PATH_MAX: usize = 4_096;
/// Longest git branch name, in bytes.
pub const BRANCH_MAX: usize = 200;
/// Largest agent-written file the daemon reads (default; configurable).
pub const FILE_READ_MAX: u64 = 1024 * 1024;
/// Most characters of an input that an error message quotes.
pub const QUOTE_MAX: usize = 120;

/// What kind of name is checked, for the message and the length limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameKind {
    Feature,
    Team,
    Agent,
}

impl NameKind {
    pub fn max_len(self) -> usize {
        match self {
            NameKind::Feature => FEATURE_NAME_MAX,
            NameKind::Team => TEAM_NAME_MAX,
            NameKind::Agent => AGENT_NAME_MAX,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NameKind::Feature => "feature",
            NameKind::Team => "team",
            NameKind::Agent => "agent",
        }
    }
}

/// Why an input was refused. `value` is already quoted (bounded and escaped).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// A name breaks the naming rule.
    #[error(
        "invalid {} name {value}: {reason}; use 1-{max} ASCII letters, digits, '-', '_' or '.', \
         not starting with '-' or '.'", kind.as_str()
    )]
    BadName {
        kind: NameKind,
        value: String,
        reason: &'static str,
        max: usize,
    },
    /// A text field is longer than its limit.
    #[error("{field} is {len} bytes, more than the limit of {max}: {value}")]
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
        value: String,
    },
    /// A field holds characters it may not (control characters in an id, ...).
    #[error("{field} {value} is not valid: {reason}")]
    BadValue {
        field: &'static str,
        value: String,
        reason: &'static str,
    },
}

/// Checks a feature, team or agent name against the one naming rule.
pub fn validate_name(kind: NameKind, name: &str) -> Result<(), InputError> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if name.len() > kind.max_len() {
        Some("it is too long")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        Some("it contains a character other than a letter, digit, '-', '_' or '.'")
    } else if name.starts_with(['-', '.']) {
        Some("it starts with '-' or '.'")
    } else if kind == NameKind::Feature && uuid::Uuid::parse_str(name).is_ok() {
        // "id or feature name" lookups would be ambiguous.
        Some("it is shaped like an id")
    } else {
        None
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(InputError::BadName {
            kind,
            value: quote(name),
            reason,
            max: kind.max_len(),
        }),
    }
}

/// Checks a Claude Code session id: 1-128 ASCII letters, digits, '-' or '_'.
pub fn validate_session_id(id: &str) -> Result<(), InputError> {
    check_len("session id", id, SESSION_ID_MAX)?;
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    {
        return Err(InputError::BadValue {
            field: "session id",
            value: quote(id),
            reason: "use 1-128 ASCII letters, digits, '-' or '_' (Claude Code uses UUIDs)",
        });
    }
    Ok(())
}

/// Checks a task id: 1-64 ASCII letters, digits, '-', '_' or '.', not starting with '.'
/// (it is a file stem in a task folder).
pub fn validate_task_id(id: &str) -> Result<(), InputError> {
    check_len("task id", id, TASK_ID_MAX)?;
    if id.is_empty()
        || id.starts_with('.')
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(InputError::BadValue {
            field: "task id",
            value: quote(id),
            reason: "use 1-64 ASCII letters, digits, '-', '_' or '.', not starting with '.'",
        });
    }
    Ok(())
}

/// Checks a git branch name TINA passes to `git worktree add -b`: 1-[`BRANCH_MAX`] bytes,
/// not starting with `-` (no option look-alike) or `/`, no `..`, `@{`, `//`, whitespace,
/// control characters or any of `~^:?*[\\`, not ending with `/`, `.` or `.lock` (what
/// `git check-ref-format --branch` refuses, checked before git ever sees it).
pub fn validate_branch(branch: &str) -> Result<(), InputError> {
    check_len("branch", branch, BRANCH_MAX)?;
    let reason = if branch.is_empty() {
        Some("it is empty")
    } else if branch.starts_with(['-', '/']) {
        Some("it starts with '-' or '/'")
    } else if branch.contains("..") || branch.contains("@{") || branch.contains("//") {
        Some("it contains '..', '@{' or '//'")
    } else if branch.chars().any(|c| {
        c.is_whitespace() || c.is_control() || matches!(c, '~' | '^' | ':' | '?' | '*' | '[' | '\\')
    }) {
        Some("it contains whitespace, a control character or one of ~ ^ : ? * [ \\")
    } else if branch.ends_with(['/', '.']) || branch.ends_with(".lock") || branch == "@" {
        Some("it ends with '/', '.' or '.lock', or is '@'")
    } else {
        None
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(InputError::BadValue {
            field: "branch",
            value: quote(branch),
            reason,
        }),
    }
}

/// Refuses a path argument longer than [`PATH_MAX`] bytes (`field` says which one).
pub fn check_path(field: &'static str, path: &std::path::Path) -> Result<(), InputError> {
    check_len(field, &path.to_string_lossy(), PATH_MAX)
}

/// Refuses `value` when it is longer than `max` bytes.
pub fn check_len(field: &'static str, value: &str, max: usize) -> Result<(), InputError> {
    if value.len() > max {
        return Err(InputError::TooLong {
            field,
            len: value.len(),
            max,
            value: quote(value),
        });
    }
    Ok(())
}

/// Cuts agent-written text to at most `max` bytes on a character boundary, saying how
/// much was cut: agent content is kept (shortened), never refused outright.
pub fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let marker_room = 40.min(max);
    let mut end = max - marker_room;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = text.len() - end;
    let mut out = String::with_capacity(max);
    out.push_str(&text[..end]);
    let marker = format!("…[{cut} bytes cut]");
    if out.len() + marker.len() <= max {
        out.push_str(&marker);
    }
    Cow::Owned(out)
}

/// An input as an error message shows it: escaped (see [`display_safe`]), at most
/// [`QUOTE_MAX`] characters, in single quotes, with the full length when cut.
pub fn quote(value: &str) -> String {
    let total = value.chars().count();
    if total <= QUOTE_MAX {
        return format!("'{}'", display_safe(value));
    }
    let head: String = value.chars().take(QUOTE_MAX).collect();
    format!("'{}…' ({} characters)", display_safe(&head), total)
}

/// Text as it may be printed to a terminal: control characters (C0, DEL, C1) and
/// bidirectional overrides are shown escaped (`\n`, `\t`, `\u{1b}`), so agent-written
/// strings cannot forge lines, move the cursor or set the terminal title.
pub fn display_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_one_rule() {
        for ok in ["auth", "auth-v2", "a", "verbose_flag.2", "session-1a2b3c4d"] {
            validate_name(NameKind::Team, ok).unwrap();
        }
        for bad in [
            "",
            "../x",
            "a/b",
            ".hidden",
            "-rf",
            "tab\there",
            "esc\u{1b}]0;x",
            "é",
        ] {
            assert!(validate_name(NameKind::Team, bad).is_err(), "{bad:?}");
        }
        assert!(validate_name(NameKind::Feature, &"a".repeat(100)).is_ok());
        assert!(validate_name(NameKind::Feature, &"a".repeat(101)).is_err());
        assert!(validate_name(NameKind::Team, &"a".repeat(128)).is_ok());
        assert!(validate_name(NameKind::Feature, "0d9b2f4e-3c3a-4d5e-9f00-aabbccddeeff").is_err());
    }

    #[test]
    fn quotes_are_bounded_and_escaped() {
        let long = "x".repeat(10_000);
        let q = quote(&long);
        assert!(q.len() < 200, "{q}");
        assert!(q.contains("10000 characters"));
        assert_eq!(quote("a\nb"), "'a\\nb'");
        let err = validate_name(NameKind::Team, &long)
            .unwrap_err()
            .to_string();
        assert!(err.len() < 400, "{err}");
    }

    #[test]
    fn display_escapes_controls_and_bidi() {
        assert_eq!(display_safe("plain"), "plain");
        assert_eq!(display_safe("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(display_safe("x\u{7}\u{202e}y"), "x\\u{7}\\u{202e}y");
    }

    #[test]
    fn branches_follow_git_rules_and_are_bounded() {
        for ok in ["tina/auth", "feature-1", "a.b_c/d"] {
            validate_branch(ok).unwrap();
        }
        for bad in [
            "", "-f", "/x", "a..b", "a b", "a\u{1b}b", "x~1", "a:b", "a/", "a.lock", "a@{1}", "@",
        ] {
            assert!(validate_branch(bad).is_err(), "{bad:?}");
        }
        let err = validate_branch(&"b".repeat(1 << 20))
            .unwrap_err()
            .to_string();
        assert!(err.len() < 400, "{err}");
    }

    #[test]
    fn truncation_keeps_a_char_boundary_and_says_so() {
        let text = "é".repeat(1000);
        let cut = truncate(&text, 101);
        assert!(cut.len() <= 101);
        assert!(cut.contains("bytes cut"));
        assert_eq!(truncate("short", 100), "short");
    }
}
