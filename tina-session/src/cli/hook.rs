//! `tina-session hook`: records one Claude Code hook payload (read from stdin).
//!
//! Declared for every event TINA records in the plugin's `hooks/hooks.json`. It must
//! never get in the agent's way: it exits 0 (with one deliberate exception: a
//! `TaskCreated` of a team whose phase or orchestration is over budget exits 2 with the
//! reason on stderr, which Claude Code shows the agent and which rolls the task back), prints nothing on stdout (Claude
//! Code feeds a `SessionStart` hook's stdout to the model), refuses payloads over
//! [`PAYLOAD_MAX`], and logs what it did or why it failed to `$TINA_HOME/logs/hook.log`.
//! What a payload becomes is [`crate::claude_code::ingest`]'s business.

use std::io::Read;
use std::process::ExitCode;
use std::sync::Mutex;

use clap::Args;

use crate::claude_code::ingest::resolve_team;
use crate::claude_code::{ClaudeHome, HookEvent, HookOutcome, HookPayload, ingest};
use crate::config::{Config, Overrides};
use crate::model::input::quote;
use crate::model::now_ms;

/// The largest payload read; a larger one is refused unread (Claude Code's own are a
/// few hundred bytes).
pub const PAYLOAD_MAX: u64 = 1024 * 1024;

#[derive(Debug, Args)]
pub struct HookArgs {}

/// Runs the hook; the exit code is always success.
pub fn main(_args: HookArgs, mut overrides: Overrides) -> ExitCode {
    // Claude Code passes its own folder as CLAUDE_CONFIG_DIR; TINA's CLAUDE_HOME wins.
    if overrides.claude_home.is_none() && std::env::var_os("CLAUDE_HOME").is_none() {
        overrides.claude_home = std::env::var_os("CLAUDE_CONFIG_DIR")
            .filter(|v| !v.is_empty())
            .map(Into::into);
    }
    // Where to log even when the configuration cannot be loaded: TINA_HOME as given.
    let logs_dir = overrides
        .tina_home
        .clone()
        .or_else(|| {
            std::env::var_os("TINA_HOME")
                .filter(|v| !v.is_empty())
                .map(Into::into)
        })
        .map(|home: std::path::PathBuf| home.join("logs"));
    let config = Config::load(overrides);
    init_file_logging(config.as_ref().ok().map(Config::logs_dir).or(logs_dir));
    let started = std::time::Instant::now();
    let result = config
        .map_err(anyhow::Error::from)
        .and_then(|config| run(&config));
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(Ran::Done(line)) => tracing::info!(elapsed_ms = format!("{ms:.1}"), "{line}"),
        Ok(Ran::Refused { line, message }) => {
            tracing::warn!(elapsed_ms = format!("{ms:.1}"), "{line}");
            // Exit code 2 is Claude Code's blocking exit: TaskCreate is rolled back and
            // this stderr is what the agent reads.
            eprintln!("{message}");
            return ExitCode::from(2);
        }
        Err(e) => tracing::error!(elapsed_ms = format!("{ms:.1}"), "hook not recorded: {e:#}"),
    }
    ExitCode::SUCCESS
}

/// What a hook run did: recorded (or dropped) something, or refused a new task of an
/// over-budget team (the one deliberate blocking exit).
enum Ran {
    Done(String),
    Refused { line: String, message: String },
}

fn run(config: &Config) -> anyhow::Result<Ran> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(PAYLOAD_MAX + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > PAYLOAD_MAX {
        anyhow::bail!("the payload is larger than {PAYLOAD_MAX} bytes; refused unread");
    }
    let payload = HookPayload::parse(&bytes)?;
    payload.validate()?;
    let store = config.open_store()?;
    // A store failure here fails open (exit 0): only a known exceeded budget refuses.
    if let HookEvent::TaskCreated(t) = &payload.event
        && let Some(team) = resolve_team(&*store, &payload)?
        && let Some(message) = crate::attention::task_refusal(&*store, &team)?
    {
        return Ok(Ran::Refused {
            line: format!(
                "TaskCreated from session {}: task {} of team {} refused: budget exceeded",
                payload.session_id,
                quote(&t.task_id),
                quote(&team.team_name)
            ),
            message,
        });
    }
    let claude = ClaudeHome::new(&config.claude_home);
    let outcome = ingest(&*store, &claude, &payload, now_ms())?;
    let event = quote(&payload.hook_event_name);
    let session = &payload.session_id;
    Ok(Ran::Done(match outcome {
        HookOutcome::TaskRecorded {
            team,
            task_id,
            status,
            from_file,
        } => format!(
            "{event} from session {session}: task {} of team {} recorded as {status}{}",
            quote(&task_id),
            quote(&team.team_name),
            if from_file {
                " (with its file's content)"
            } else {
                ""
            }
        ),
        HookOutcome::TaskUnchanged { team, task_id } => format!(
            "{event} from session {session}: task {} of team {} already in that state; nothing recorded",
            quote(&task_id),
            quote(&team.team_name)
        ),
        HookOutcome::Activity { team, kind, new } => format!(
            "{event} from session {session}: {kind} recorded for team {}{}",
            quote(&team.team_name),
            if new { "" } else { " (already recorded)" }
        ),
        HookOutcome::Unresolved => format!(
            "{event} from session {session}: no TINA team has this lead session (or a linked \
             folder of that team name); dropped. TINA records a lead's session id before \
             launching it, so this is a session TINA did not launch"
        ),
        HookOutcome::Ignored => {
            format!("{event} from session {session}: not an event TINA records")
        }
    }))
}

/// Logs to `<logs_dir>/hook.log` (appending); stderr when there is no such folder or the
/// file cannot be opened. The set-up every binary uses ([`crate::cli_common`]), default
/// level `info`.
fn init_file_logging(logs_dir: Option<std::path::PathBuf>) {
    let file = match logs_dir {
        Some(dir) => std::fs::create_dir_all(&dir).and_then(|_| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join("hook.log"))
        }),
        None => Err(std::io::Error::other("no TINA_HOME")),
    };
    match file {
        Ok(file) => crate::cli_common::init_tracing_to("info", Mutex::new(file), false),
        Err(_) => crate::cli_common::init_tracing_to("info", std::io::stderr, false),
    }
}
