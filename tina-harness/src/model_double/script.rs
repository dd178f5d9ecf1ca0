//! An agent's script: the steps the model double plays for one agent, and which step a
//! request is at.
//!
//! The step is derived from the request alone (no server state): every assistant turn
//! in the request's history is a step served before, so the next step is the count of
//! earlier turns — except that a step with `until` is served again while the tool
//! result that followed it does not contain that text (a poll). Retries and duplicate
//! requests therefore get the same answer.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

/// One agent's script, `claude/<agent>.json` in a scenario folder.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// The agent's key: the file name without `.json`.
    #[serde(skip)]
    pub agent: String,
    /// Text that appears in this agent's first user message and in no other agent's:
    /// how the double tells agents apart (the lead's launch message, a teammate's
    /// spawn prompt).
    #[serde(rename = "match")]
    pub matches: String,
    pub steps: Vec<Step>,
    /// Said once the steps are used up (default "Done.").
    #[serde(default)]
    pub done: Option<String>,
}

/// One model turn.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Text before the tool calls, or the whole reply (then the turn ends).
    #[serde(default)]
    pub text: Option<String>,
    /// One tool call: its name as Claude Code lists it (`ToolSearch`, `TaskCreate`,
    /// `Agent`, `Bash`, `Write`, `SendMessage`, `mcp__plugin_tina_tina__start_phase`).
    #[serde(default)]
    pub tool: Option<String>,
    #[serde(default)]
    pub input: Option<Value>,
    /// Several tool calls in one turn, each `{"tool": .., "input": ..}`.
    #[serde(default)]
    pub tools: Vec<ToolCall>,
    /// Serve this step again until its tool result contains this text.
    #[serde(default)]
    pub until: Option<String>,
    /// Serve this step only to a request whose last message contains this text (a
    /// teammate's report); any other wake-up (an idle notice) gets "Waiting." and does
    /// not advance the script.
    #[serde(default)]
    pub when: Option<String>,
    /// Wait this long before answering (a poll's pace).
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolCall {
    pub tool: String,
    #[serde(default)]
    pub input: Value,
}

impl Step {
    /// The tool calls of this step, in order.
    pub fn calls(&self) -> Vec<ToolCall> {
        let mut calls: Vec<ToolCall> = self
            .tool
            .iter()
            .map(|t| ToolCall {
                tool: t.clone(),
                input: self
                    .input
                    .clone()
                    .unwrap_or_else(|| Value::Object(Default::default())),
            })
            .collect();
        calls.extend(self.tools.iter().cloned());
        calls
    }
}

/// Why scripts could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid script {path}: {reason}")]
    Invalid { path: String, reason: String },
}

/// Loads every `*.json` script in `dir`, sorted by agent key.
pub fn load_scripts(dir: &Path) -> Result<Vec<Script>, ScriptError> {
    let read_err = |source| ScriptError::Read {
        path: dir.display().to_string(),
        source,
    };
    let mut scripts = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let invalid = |reason: String| ScriptError::Invalid {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ScriptError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let mut script: Script = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        script.agent = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if script.matches.trim().is_empty() {
            return Err(invalid("`match` is empty".into()));
        }
        for (i, step) in script.steps.iter().enumerate() {
            if step.text.is_none() && step.calls().is_empty() {
                return Err(invalid(format!(
                    "step {} has neither text nor a tool",
                    i + 1
                )));
            }
            if step.until.is_some() && step.calls().is_empty() {
                return Err(invalid(format!(
                    "step {} polls (`until`) without a tool",
                    i + 1
                )));
            }
        }
        scripts.push(script);
    }
    scripts.sort_by(|a, b| a.agent.cmp(&b.agent));
    for (i, a) in scripts.iter().enumerate() {
        for b in &scripts[i + 1..] {
            if a.matches.contains(&b.matches) || b.matches.contains(&a.matches) {
                return Err(ScriptError::Invalid {
                    path: dir.display().to_string(),
                    reason: format!(
                        "agents '{}' and '{}' have overlapping `match` texts",
                        a.agent, b.agent
                    ),
                });
            }
        }
    }
    Ok(scripts)
}

/// All text of a message's content (a string, or text / tool_result blocks).
pub fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .map(|b| match b.get("type").and_then(Value::as_str) {
                Some("text") => b
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                Some("tool_result") => content_text(b.get("content").unwrap_or(&Value::Null)),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The text of the first user message of a request.
pub fn first_user_text(messages: &[Value]) -> String {
    messages
        .iter()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .map(|m| content_text(m.get("content").unwrap_or(&Value::Null)))
        .unwrap_or_default()
}

/// The script whose `match` appears in the request's first user message.
pub fn script_for<'a>(scripts: &'a [Script], messages: &[Value]) -> Option<&'a Script> {
    let first = first_user_text(messages);
    scripts.iter().find(|s| first.contains(&s.matches))
}

/// What the double serves for a history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// This step (may be past the last step: the script is done).
    Step(usize),
    /// The next step waits for a message (`when`) that has not come: say "Waiting.".
    Wait(usize),
}

fn message_text(m: Option<&Value>) -> String {
    m.map(|m| content_text(m.get("content").unwrap_or(&Value::Null)))
        .unwrap_or_default()
}

/// The index of the step to serve for this history (may be past the last step).
pub fn step_index(script: &Script, messages: &[Value]) -> usize {
    match turn(script, messages) {
        Turn::Step(i) | Turn::Wait(i) => i,
    }
}

/// What to serve for this history: replays every earlier assistant turn.
pub fn turn(script: &Script, messages: &[Value]) -> Turn {
    let waits = |index: usize, before: Option<&Value>| {
        script
            .steps
            .get(index)
            .and_then(|s| s.when.as_deref())
            .is_some_and(|wanted| !message_text(before).contains(wanted))
    };
    let mut index = 0;
    for (k, m) in messages.iter().enumerate() {
        if m.get("role").and_then(Value::as_str) != Some("assistant") {
            continue;
        }
        if waits(index, k.checked_sub(1).and_then(|j| messages.get(j))) {
            continue;
        }
        let until = script.steps.get(index).and_then(|s| s.until.as_deref());
        let repeat = until.is_some_and(|wanted| {
            let result = messages
                .get(k + 1)
                .map(|r| content_text(r.get("content").unwrap_or(&Value::Null)))
                .unwrap_or_default();
            !result.contains(wanted)
        });
        if !repeat {
            index += 1;
        }
    }
    if waits(index, messages.last()) {
        Turn::Wait(index)
    } else {
        Turn::Step(index)
    }
}

/// Replaces `{{after:LABEL}}` with the word that follows LABEL in `source` (the agent's
/// first user message): up to whitespace, `<` (Claude Code wraps a skill's arguments
/// in `<command-args>`) or a quote, without trailing punctuation. Unknown labels stay as written,
/// so a script error shows in the transcript instead of vanishing.
pub fn fill(template: &str, source: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{after:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "{{after:".len()..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let label = &after[..end];
        match source.find(label) {
            Some(at) => {
                let word: String = source[at + label.len()..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && !matches!(c, '<' | '"' | '\''))
                    .collect();
                out.push_str(word.trim_end_matches(['.', ',', ')', ';', '\'', '"']));
            }
            None => out.push_str(&rest[start..start + "{{after:".len() + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// [`fill`] applied to every string inside a JSON value.
pub fn fill_value(value: &Value, source: &str) -> Value {
    match value {
        Value::String(s) => Value::String(fill(s, source)),
        Value::Array(a) => Value::Array(a.iter().map(|v| fill_value(v, source)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), fill_value(v, source)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn script(steps: Value) -> Script {
        let mut s: Script =
            serde_json::from_value(json!({"match": "lead of x", "steps": steps})).expect("script");
        s.agent = "lead".into();
        s
    }

    #[test]
    fn the_step_is_the_count_of_earlier_turns_and_polls_repeat_until_matched() {
        let s = script(json!([
            {"tool": "ToolSearch", "input": {"query": "select:TaskCreate,TaskUpdate"}},
            {"tool": "mcp__x__watch", "input": {}, "until": "\"terminal\":true"},
            {"text": "finished"}
        ]));
        let user = |t: &str| json!({"role": "user", "content": t});
        let asst = || json!({"role": "assistant", "content": [{"type": "text", "text": "."}]});
        let result = |t: &str| {
            json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "a", "content": [{"type": "text", "text": t}]}]})
        };
        let mut m = vec![user("you are the lead of x")];
        assert_eq!(step_index(&s, &m), 0);
        m.extend([asst(), result("tools loaded")]);
        assert_eq!(step_index(&s, &m), 1);
        m.extend([asst(), result("{\"terminal\":false}")]);
        assert_eq!(step_index(&s, &m), 1, "poll again");
        m.extend([asst(), result("{\"terminal\":true}")]);
        assert_eq!(step_index(&s, &m), 2);
        m.extend([asst(), user("a teammate wrote")]);
        assert_eq!(step_index(&s, &m), 3, "past the end");
        assert_eq!(turn(&s, &m), Turn::Step(3));
        assert!(script_for(std::slice::from_ref(&s), &m).is_some());
        assert!(script_for(std::slice::from_ref(&s), &[user("someone else")]).is_none());
    }

    #[test]
    fn a_step_with_when_waits_for_its_message() {
        let s = script(json!([
            {"tool": "Agent", "input": {"name": "implementer"}},
            {"text": "spawning the tester", "when": "implementer finished"},
            {"text": "all done", "when": "tester finished"}
        ]));
        let user = |t: &str| json!({"role": "user", "content": t});
        let asst = || json!({"role": "assistant", "content": [{"type": "text", "text": "."}]});
        let mut m = vec![user("lead of x")];
        assert_eq!(turn(&s, &m), Turn::Step(0));
        m.extend([asst(), user("spawned")]);
        assert_eq!(turn(&s, &m), Turn::Wait(1));
        m.extend([asst(), user("implementer is idle")]);
        assert_eq!(turn(&s, &m), Turn::Wait(1));
        m.extend([asst(), user("<msg>implementer finished task 1</msg>")]);
        assert_eq!(turn(&s, &m), Turn::Step(1));
        m.extend([asst(), user("tester is idle")]);
        assert_eq!(turn(&s, &m), Turn::Wait(2));
        m.extend([asst(), user("tester finished")]);
        assert_eq!(turn(&s, &m), Turn::Step(2));
    }

    #[test]
    fn templates_take_the_word_after_a_label() {
        let src = "Feature 'greeting': orchestrator team id 0190-ab (yours), worktree /w/g. Go";
        assert_eq!(fill("parent={{after:team id }}", src), "parent=0190-ab");
        assert_eq!(fill("{{after:worktree }}/src/a.rs", src), "/w/g/src/a.rs");
        assert_eq!(fill("{{after:nothing }}!", src), "{{after:nothing }}!");
        let wrapped = "<command-args>Plan: /p/1.md. Worktree: /w/g.</command-args>";
        assert_eq!(fill("{{after:Worktree: }}/a", wrapped), "/w/g/a");
        assert_eq!(
            fill_value(&json!({"a": ["{{after:worktree }}"], "n": 1}), src),
            json!({"a": ["/w/g"], "n": 1})
        );
    }

    #[test]
    fn loading_refuses_bad_scripts() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("a.json"),
            r#"{"match": "m", "steps": [{}]}"#,
        )
        .unwrap();
        let err = load_scripts(dir.path())
            .expect_err("empty step")
            .to_string();
        assert!(err.contains("neither text nor a tool"), "{err}");
        std::fs::write(
            dir.path().join("a.json"),
            r#"{"match": "lead", "steps": []}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("b.json"),
            r#"{"match": "lead 2", "steps": []}"#,
        )
        .unwrap();
        let err = load_scripts(dir.path()).expect_err("overlap").to_string();
        assert!(err.contains("overlapping"), "{err}");
        std::fs::remove_file(dir.path().join("b.json")).unwrap();
        assert_eq!(load_scripts(dir.path()).expect("ok")[0].agent, "a");
    }
}
