//! What real Claude Code does around a lead session that TINA reads besides the team
//! and task files, played by the sim: it runs the plugin's hooks (`hooks/hooks.json`)
//! for an event the way Claude Code runs them — each declared command through `sh -c`
//! with `CLAUDE_PLUGIN_ROOT` set and the JSON payload on stdin, exit code 2 blocking with
//! stderr as the reason — and appends assistant lines with `usage` to the session's
//! transcript (`projects/<cwd slug>/<session id>.jsonl`, one line per content block
//! sharing the message id, as 2.1.332 writes them).
//!
//! The environment is the one TINA's launcher gives a lead: `TINA_HOME`, the config dir,
//! and `TINA_SESSION_BIN` naming the run's `tina-session`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tina_session::Config;
use tina_session::lifecycle::launch::TINA_SESSION_BIN_ENV;

use crate::locate::{bin_dir, workspace_dir};
use crate::model_double::reply::Usage;

/// What running an event's hooks ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookResult {
    /// Every command exited 0.
    Passed,
    /// A command exited 2: Claude Code blocks the action and gives `reason` (its
    /// stderr) to the model.
    Blocked { reason: String },
    /// A command failed otherwise (Claude Code shows it and goes on).
    Failed { code: Option<i32>, stderr: String },
}

/// One simulated lead session.
#[derive(Debug, Clone)]
pub struct SimSession {
    pub session_id: String,
    pub cwd: PathBuf,
    tina_home: PathBuf,
    claude_home: PathBuf,
    plugin_root: PathBuf,
    replies: u64,
}

impl SimSession {
    /// A session of `config`'s homes working in `cwd`, with this checkout's plugin.
    pub fn new(config: &Config, session_id: &str, cwd: &Path) -> Self {
        Self {
            session_id: session_id.to_owned(),
            cwd: cwd.to_owned(),
            tina_home: config.tina_home.clone(),
            claude_home: config.claude_home.clone(),
            plugin_root: workspace_dir(),
            replies: 0,
        }
    }

    /// The transcript Claude Code keeps for this session.
    pub fn transcript(&self) -> PathBuf {
        let slug: String = self
            .cwd
            .display()
            .to_string()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        self.claude_home
            .join("projects")
            .join(slug)
            .join(format!("{}.jsonl", self.session_id))
    }

    /// Runs the plugin's hooks for `event` with the common fields plus `fields`.
    pub fn hook(&self, event: &str, fields: Value) -> anyhow::Result<HookResult> {
        let mut payload = json!({
            "session_id": self.session_id,
            "transcript_path": self.transcript(),
            "cwd": self.cwd,
            "hook_event_name": event,
        });
        if let (Some(p), Value::Object(extra)) = (payload.as_object_mut(), fields) {
            p.extend(extra);
        }
        let declared = self.plugin_root.join("hooks/hooks.json");
        let doc: Value = serde_json::from_str(
            &std::fs::read_to_string(&declared)
                .with_context(|| format!("cannot read {}", declared.display()))?,
        )
        .with_context(|| format!("{} is not JSON", declared.display()))?;
        let commands: Vec<&str> = doc["hooks"][event]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|group| group["hooks"].as_array().into_iter().flatten())
            .filter(|h| h["type"] == "command")
            .filter_map(|h| h["command"].as_str())
            .collect();
        for command in commands {
            let mut child = Command::new("sh")
                .args(["-c", command])
                .current_dir(&self.cwd)
                .env("CLAUDE_PLUGIN_ROOT", &self.plugin_root)
                .env("CLAUDE_PROJECT_DIR", &self.cwd)
                .env("TINA_HOME", &self.tina_home)
                .env("CLAUDE_HOME", &self.claude_home)
                .env("CLAUDE_CONFIG_DIR", &self.claude_home)
                .env(TINA_SESSION_BIN_ENV, bin_dir().join("tina-session"))
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .with_context(|| format!("cannot run the {event} hook `{command}`"))?;
            if let Some(mut stdin) = child.stdin.take() {
                // A hook that does not read its payload is not an error.
                let _ = stdin.write_all(payload.to_string().as_bytes());
            }
            let out = child.wait_with_output()?;
            let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
            match out.status.code() {
                Some(0) => {}
                Some(2) => return Ok(HookResult::Blocked { reason: stderr }),
                code => return Ok(HookResult::Failed { code, stderr }),
            }
        }
        Ok(HookResult::Passed)
    }

    /// Appends one model reply with `usage` to the transcript: `blocks` lines (at least
    /// one) with the same message and request id, as Claude Code writes a reply of
    /// several content blocks.
    pub fn reply(&mut self, model: &str, usage: Usage, blocks: usize) -> anyhow::Result<()> {
        if blocks == 0 {
            bail!("a reply has at least one content block");
        }
        self.replies += 1;
        let path = self.transcript();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        let short = self.session_id.get(..8).unwrap_or(&self.session_id);
        let id = format!("msg_sim_{short}_{}", self.replies);
        let mut text = String::new();
        for block in 0..blocks {
            let line = json!({
                "type": "assistant", "sessionId": self.session_id,
                "uuid": format!("{id}-{block}"), "requestId": format!("req_sim_{}", self.replies),
                "message": {"id": id, "type": "message", "role": "assistant", "model": model,
                            "content": [{"type": "text", "text": "…"}], "usage": usage},
            });
            text.push_str(&line.to_string());
            text.push('\n');
        }
        file.write_all(text.as_bytes())?;
        Ok(())
    }
}
