//! Reading token usage from a Claude Code transcript, incrementally.
//!
//! A transcript (`<CLAUDE_HOME>/projects/<project>/<session id>.jsonl`) is JSON lines,
//! appended while the session runs and never rewritten. Each assistant message is
//! recorded with `message.id`, `message.model` and `message.usage` (`input_tokens`,
//! `output_tokens`, `cache_creation_input_tokens`, `cache_read_input_tokens`); one
//! streamed message can span several lines that repeat the same id and usage, so a
//! message is identified by `message.id` + `requestId` (else the line's `uuid`, else
//! its byte offset) and counted once.
//!
//! [`read_usage`] starts at a byte offset and returns the usage of the complete lines
//! after it and the offset past the last complete line: a partial last line is left for
//! the next read. Only a regular file (no symlink) is read; a line longer than
//! [`MAX_LINE`] is skipped whole (never buffered), and one pass reads at most
//! `max_bytes`, ending on a line boundary. Agent-written strings kept from a line are
//! bounded.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde::Deserialize;

use crate::model::TokenCounts;
use crate::model::input::truncate;

/// The longest transcript line parsed; longer lines are skipped.
pub const MAX_LINE: usize = 4 * 1024 * 1024;
/// Kept length of a model name or agent name taken from a line.
const NAME_MAX: usize = 128;
/// Kept length of a message key.
const KEY_MAX: usize = 256;

/// One assistant message's usage as read from a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageUsage {
    pub key: String,
    pub model: String,
    /// The line's `agentName`, when it has one.
    pub agent_name: Option<String>,
    pub tokens: TokenCounts,
}

/// What one read found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TranscriptRead {
    /// The offset to start the next read at: just past the last complete line.
    pub offset: u64,
    pub messages: Vec<MessageUsage>,
    /// Complete lines read (usage or not).
    pub lines: u64,
    /// Lines that were not JSON.
    pub malformed: u64,
    /// Lines longer than [`MAX_LINE`], skipped.
    pub oversize: u64,
    /// The file was shorter than the offset (replaced): it was read from the start.
    pub restarted: bool,
}

#[derive(Deserialize)]
struct Line {
    #[serde(rename = "type")]
    kind: Option<String>,
    uuid: Option<String>,
    #[serde(rename = "requestId")]
    request_id: Option<String>,
    #[serde(rename = "agentName")]
    agent_name: Option<String>,
    message: Option<Message>,
}

#[derive(Deserialize)]
struct Message {
    id: Option<String>,
    model: Option<String>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: u64,
    #[serde(default)]
    cache_read_input_tokens: u64,
}

/// Parses one complete line; `None` when it carries no assistant usage. `at` is the
/// line's byte offset (the key of last resort) and `path_key` names the transcript.
pub fn parse_line(
    bytes: &[u8],
    path_key: &str,
    at: u64,
) -> Result<Option<MessageUsage>, serde_json::Error> {
    let line: Line = serde_json::from_slice(bytes)?;
    if line.kind.as_deref() != Some("assistant") {
        return Ok(None);
    }
    let Some(message) = line.message else {
        return Ok(None);
    };
    let Some(usage) = message.usage else {
        return Ok(None);
    };
    let model = message.model.unwrap_or_else(|| "unknown".into());
    // Claude Code's own placeholder messages (API errors, interruptions) cost nothing.
    if model == "<synthetic>" {
        return Ok(None);
    }
    let key = match (message.id, line.uuid) {
        (Some(id), _) => format!("{id}:{}", line.request_id.unwrap_or_default()),
        (None, Some(uuid)) => format!("uuid:{uuid}"),
        (None, None) => format!("at:{path_key}:{at}"),
    };
    Ok(Some(MessageUsage {
        key: truncate(&key, KEY_MAX).into_owned(),
        model: truncate(&model, NAME_MAX).into_owned(),
        agent_name: line
            .agent_name
            .filter(|n| !n.trim().is_empty())
            .map(|n| truncate(&n, NAME_MAX).into_owned()),
        tokens: TokenCounts {
            input: usage.input_tokens,
            output: usage.output_tokens,
            cache_creation: usage.cache_creation_input_tokens,
            cache_read: usage.cache_read_input_tokens,
        },
    }))
}

/// Reads the usage of the complete lines after `offset`, up to about `max_bytes`.
/// Refuses anything but a regular file (a symlink is refused, not followed).
pub fn read_usage(path: &Path, offset: u64, max_bytes: u64) -> io::Result<TranscriptRead> {
    let before = std::fs::symlink_metadata(path)?;
    if !before.file_type().is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file; not read", path.display()),
        ));
    }
    let file = File::open(path)?;
    let meta = file.metadata()?;
    // Swapped for something else between the check and the open: refuse.
    if (meta.dev(), meta.ino()) != (before.dev(), before.ino()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} changed while being opened; not read", path.display()),
        ));
    }
    let mut out = TranscriptRead::default();
    let mut start = offset;
    if meta.len() < offset {
        out.restarted = true;
        start = 0;
    }
    out.offset = start;
    if meta.len() == start {
        return Ok(out);
    }
    let path_key = path.display().to_string();
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    reader.seek(SeekFrom::Start(start))?;
    let mut line: Vec<u8> = Vec::new();
    let mut oversize = false;
    let mut pos = start;
    let mut line_start = start;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            // A partial last line stays unread until it is complete.
            return Ok(out);
        }
        let (chunk, complete) = match memchr(b'\n', buf) {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if !oversize {
            if line.len() + chunk.len() > MAX_LINE {
                oversize = true;
                line = Vec::new();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        let used = complete.unwrap_or(buf.len());
        reader.consume(used);
        pos += used as u64;
        if complete.is_some() {
            out.lines += 1;
            if oversize {
                out.oversize += 1;
            } else if !line.iter().all(u8::is_ascii_whitespace) {
                match parse_line(&line, &path_key, line_start) {
                    Ok(Some(m)) => out.messages.push(m),
                    Ok(None) => {}
                    Err(_) => out.malformed += 1,
                }
            }
            out.offset = pos;
            line.clear();
            oversize = false;
            line_start = pos;
            if pos - start >= max_bytes {
                return Ok(out);
            }
        }
    }
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|b| *b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn assistant(id: &str, input: u64, output: u64) -> String {
        format!(
            r#"{{"type":"assistant","uuid":"u-{id}","requestId":"req-{id}","message":{{"id":"msg-{id}","model":"claude-sonnet-4-5","usage":{{"input_tokens":{input},"output_tokens":{output},"cache_creation_input_tokens":1,"cache_read_input_tokens":2}}}}}}"#
        )
    }

    #[test]
    fn partial_last_line_waits_until_complete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let full = assistant("a", 10, 5);
        let second = assistant("b", 7, 3);
        let (head, tail) = second.split_at(20);
        std::fs::write(&path, format!("{full}\n{{\"type\":\"user\"}}\n{head}")).unwrap();
        let r = read_usage(&path, 0, u64::MAX).unwrap();
        assert_eq!(r.messages.len(), 1);
        assert_eq!(r.lines, 2);
        assert_eq!(r.messages[0].key, "msg-a:req-a");
        assert_eq!(r.messages[0].tokens.total(), 18);
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        writeln!(f, "{tail}").unwrap();
        let r2 = read_usage(&path, r.offset, u64::MAX).unwrap();
        assert_eq!(r2.messages.len(), 1);
        assert_eq!(r2.messages[0].tokens.input, 7);
        assert_eq!(r2.offset, std::fs::metadata(&path).unwrap().len());
    }

    #[test]
    fn oversize_and_malformed_lines_are_skipped_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let big = "x".repeat(MAX_LINE + 10);
        std::fs::write(
            &path,
            format!("{big}\nnot json\n{}\n", assistant("c", 1, 1)),
        )
        .unwrap();
        let r = read_usage(&path, 0, u64::MAX).unwrap();
        assert_eq!((r.oversize, r.malformed, r.messages.len()), (1, 1, 1));
    }

    #[test]
    fn symlinks_are_refused_and_a_shorter_file_is_reread() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t.jsonl");
        std::fs::write(&target, format!("{}\n", assistant("d", 1, 1))).unwrap();
        let link = dir.path().join("l.jsonl");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(read_usage(&link, 0, u64::MAX).is_err());
        let r = read_usage(&target, 10_000, u64::MAX).unwrap();
        assert!(r.restarted);
        assert_eq!(r.messages.len(), 1);
    }

    #[test]
    fn a_pass_stops_on_a_line_boundary_after_max_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let lines: String = (0..10)
            .map(|i| assistant(&i.to_string(), 1, 1) + "\n")
            .collect();
        std::fs::write(&path, &lines).unwrap();
        let mut offset = 0;
        let mut seen = 0;
        while offset < lines.len() as u64 {
            let r = read_usage(&path, offset, 1).unwrap();
            assert_eq!(r.messages.len(), 1);
            seen += 1;
            offset = r.offset;
        }
        assert_eq!(seen, 10);
    }
}
