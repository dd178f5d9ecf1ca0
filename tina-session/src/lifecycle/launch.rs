//! The one launcher of Claude Code team leads, used by `tina-session init --runtime
//! claude` (the orchestrator lead), `tina-session start --runtime claude` (a phase lead)
//! and the harness's `claude` runtime.
//!
//! A lead is an interactive `claude` in a detached tmux session. Its environment is
//! passed explicitly with `-e`, because a tmux server started earlier does not carry
//! TINA's environment: agent teams and the Task tools on, TINA's homes and store, PATH
//! with TINA's binaries first, and the provider variables TINA itself was given. Its
//! arguments fix the session id TINA recorded on the team before launch (the daemon
//! links the lead's `teams/session-<8>/` folder by it), load TINA's plugin, and set a
//! permission mode that needs no Anthropic-side check (`acceptEdits`; the default `auto`
//! stops at a dialog behind a gateway or a local model server).
//!
//! The command is built as data ([`LaunchCommand`]) so tests pin it without tmux.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::config::Config;

/// The oldest Claude Code this launcher supports: since 2.1.178 a lead has one implicit
/// team `session-<8>` whose `leadSessionId` is its `--session-id`.
pub const MIN_VERSION: Version = Version(2, 1, 178);
/// The first version not supported (the next minor may move the files again).
pub const MAX_VERSION_EXCLUSIVE: Version = Version(2, 2, 0);
/// The version CI runs (`scripts/test-all.sh` installs it).
pub const TESTED_VERSION: Version = Version(2, 1, 332);

/// Selects the Claude Code executable (default: `claude` on PATH).
pub const CLAUDE_BIN_ENV: &str = "TINA_CLAUDE_BIN";
/// Overrides TINA's plugin root (default: the checkout this binary was built from).
pub const PLUGIN_DIR_ENV: &str = "TINA_PLUGIN_DIR";
/// The permission mode (default [`DEFAULT_PERMISSION_MODE`]).
pub const PERMISSION_MODE_ENV: &str = "TINA_CLAUDE_PERMISSION_MODE";
/// The model (`--model`); unset: Claude Code's default.
pub const MODEL_ENV: &str = "TINA_CLAUDE_MODEL";
/// Seconds to wait for the lead's team folder (default [`DEFAULT_LINK_TIMEOUT`]).
pub const LINK_TIMEOUT_ENV: &str = "TINA_CLAUDE_LINK_TIMEOUT_SECS";

pub const DEFAULT_PERMISSION_MODE: &str = "acceptEdits";
pub const DEFAULT_LINK_TIMEOUT: Duration = Duration::from_secs(180);

/// Modes `claude --permission-mode` accepts. `bypassPermissions` is refused by Claude
/// Code when run as root, and `auto` needs Anthropic's servers; both stay choosable.
pub const PERMISSION_MODES: [&str; 6] = [
    "acceptEdits",
    "auto",
    "bypassPermissions",
    "default",
    "dontAsk",
    "plan",
];

/// The tina-session the plugin's hooks run (`bin/tina-session`); set for every lead
/// to the one beside the launching binary.
pub const TINA_SESSION_BIN_ENV: &str = "TINA_SESSION_BIN";

/// Provider and network variables passed on when TINA's environment has them.
pub const PASSED_ON: [&str; 15] = [
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "DISABLE_TELEMETRY",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
    // A lead starts phase leads through TINA (MCP `start_phase`): same launcher settings.
    CLAUDE_BIN_ENV,
    PERMISSION_MODE_ENV,
    MODEL_ENV,
];

/// Why a launch could not happen.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// A program the launch needs is missing.
    #[error("{program} is not available: {hint}")]
    Missing { program: String, hint: String },
    /// `claude --version` could not be run or read.
    #[error("cannot read the version of {bin}: {reason}")]
    Version { bin: String, reason: String },
    /// The installed Claude Code is outside the supported range.
    #[error(
        "Claude Code {found} is not supported: TINA supports {MIN_VERSION} up to (not \
         including) {MAX_VERSION_EXCLUSIVE}, tested with {TESTED_VERSION}; install one \
         (npm install -g @anthropic-ai/claude-code@{TESTED_VERSION}) or point \
         {CLAUDE_BIN_ENV} at it"
    )]
    Unsupported { found: Version },
    /// A setting has a value that cannot work.
    #[error("{0}")]
    Setting(String),
    /// tmux refused to start the session.
    #[error("tmux new-session for '{session}' failed: {reason}")]
    Tmux { session: String, reason: String },
    /// The trust file could not be read or written.
    #[error("cannot pre-accept the trust dialog in {path}: {reason}")]
    Trust { path: PathBuf, reason: String },
}

/// A `major.minor.patch` version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl Version {
    /// The first `x.y.z` in `claude --version` output, e.g. "2.1.332 (Claude Code)".
    pub fn parse(text: &str) -> Option<Self> {
        text.split(|c: char| c.is_whitespace() || c == '(' || c == 'v')
            .find_map(|word| {
                let mut parts = word.trim().split('.');
                let n = |p: Option<&str>| p?.parse::<u32>().ok();
                let v = Version(n(parts.next())?, n(parts.next())?, n(parts.next())?);
                parts.next().is_none().then_some(v)
            })
    }

    pub fn is_supported(self) -> bool {
        (MIN_VERSION..MAX_VERSION_EXCLUSIVE).contains(&self)
    }
}

/// How leads are launched: from the environment, with flags on top.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchSettings {
    /// The Claude Code executable (`$TINA_CLAUDE_BIN`, else `claude`).
    pub claude_bin: PathBuf,
    /// TINA's plugin root, given to `--plugin-dir`.
    pub plugin_dir: PathBuf,
    pub permission_mode: String,
    pub model: Option<String>,
    /// Pre-accept the trust dialog for the lead's folder (opt-in).
    pub trust: bool,
    /// How long the lead may take to create its team folder before TINA says so.
    pub link_timeout: Duration,
}

impl LaunchSettings {
    /// Settings from TINA's own environment.
    pub fn from_env() -> Result<Self, LaunchError> {
        Self::from_lookup(&|k| std::env::var_os(k).filter(|v| !v.is_empty()))
    }

    /// Settings from a variable lookup (the environment, or a test's map).
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<OsString>) -> Result<Self, LaunchError> {
        let text = |k: &str| env(k).map(|v| v.to_string_lossy().into_owned());
        let link_timeout = match text(LINK_TIMEOUT_ENV) {
            None => DEFAULT_LINK_TIMEOUT,
            Some(v) => match v.trim().parse::<u64>() {
                Ok(secs) if secs > 0 => Duration::from_secs(secs),
                _ => {
                    return Err(LaunchError::Setting(format!(
                        "{LINK_TIMEOUT_ENV}={} is not a positive number of seconds",
                        crate::model::input::quote(&v)
                    )));
                }
            },
        };
        let settings = Self {
            claude_bin: env(CLAUDE_BIN_ENV).map_or_else(|| PathBuf::from("claude"), PathBuf::from),
            plugin_dir: env(PLUGIN_DIR_ENV).map_or_else(default_plugin_dir, PathBuf::from),
            permission_mode: text(PERMISSION_MODE_ENV)
                .unwrap_or_else(|| DEFAULT_PERMISSION_MODE.to_owned()),
            model: text(MODEL_ENV),
            trust: false,
            link_timeout,
        };
        settings.check_mode()?;
        Ok(settings)
    }

    /// Refuses a permission mode Claude Code would reject after the tmux session started.
    pub fn check_mode(&self) -> Result<(), LaunchError> {
        if PERMISSION_MODES.contains(&self.permission_mode.as_str()) {
            Ok(())
        } else {
            Err(LaunchError::Setting(format!(
                "unknown permission mode {}; expected one of {}",
                crate::model::input::quote(&self.permission_mode),
                PERMISSION_MODES.join(", ")
            )))
        }
    }
}

/// The checkout this binary was built from: its root holds `.claude-plugin/`.
pub fn default_plugin_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// One lead to launch.
#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    /// The tmux session name.
    pub tmux_session: String,
    /// Where the lead works (the orchestration's worktree).
    pub cwd: PathBuf,
    /// The session id recorded on the team before launch.
    pub session_id: String,
    /// The first message: invokes the skill the lead follows.
    pub prompt: String,
}

/// A tmux session name for a team name: tmux refuses '.' and ':' in session names.
pub fn tmux_session_name(team_name: &str) -> String {
    team_name.replace(['.', ':'], "_")
}

/// A fresh session id for a lead (a UUID, as `--session-id` requires). Random (v4),
/// never time-ordered: Claude Code names a lead's task folder `session-<first 8 chars>`,
/// and two v7 ids made within a minute share those 8 characters — two leads launched
/// together would then write into one task folder (seen with 2.1.332).
pub fn new_session_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The `tmux` command line that launches a lead, as data.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchCommand {
    pub program: OsString,
    pub args: Vec<OsString>,
}

impl LaunchCommand {
    /// The `-e NAME=VALUE` pairs, in order.
    pub fn env(&self) -> Vec<(String, OsString)> {
        self.args
            .windows(2)
            .filter(|w| w[0] == "-e")
            .filter_map(|w| {
                let text = w[1].to_string_lossy();
                let (k, v) = text.split_once('=')?;
                Some((k.to_owned(), OsString::from(v)))
            })
            .collect()
    }

    /// The Claude Code argv (everything after the last tmux option).
    pub fn claude_argv(&self) -> &[OsString] {
        let start = self
            .args
            .iter()
            .rposition(|a| a == "-e" || a == "-c")
            .map_or(0, |i| i + 2);
        &self.args[start.min(self.args.len())..]
    }
}

/// What the lead's environment is built from.
pub struct Surroundings<'a> {
    /// TINA's own environment.
    pub env: &'a dyn Fn(&str) -> Option<OsString>,
    /// The folder of the running TINA binaries, put first on PATH.
    pub bin_dir: &'a Path,
    /// `$HOME/.claude`, Claude Code's default config dir (None without a HOME).
    pub default_claude_dir: Option<PathBuf>,
}

impl Surroundings<'_> {
    /// The current process's surroundings.
    pub fn current<R>(f: impl FnOnce(&Surroundings<'_>) -> R) -> R {
        let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let exe = std::env::current_exe().unwrap_or_default();
        let mut bin_dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
        if bin_dir.file_name().is_some_and(|n| n == "deps") {
            bin_dir.pop();
        }
        let home = env("HOME").map(|h| PathBuf::from(h).join(".claude"));
        f(&Surroundings {
            env: &env,
            bin_dir: &bin_dir,
            default_claude_dir: home,
        })
    }
}

/// Builds the launch command for `lead`. Pure: everything comes from the arguments.
pub fn command(
    config: &Config,
    settings: &LaunchSettings,
    lead: &Lead,
    around: &Surroundings<'_>,
) -> LaunchCommand {
    let mut env: Vec<(&str, OsString)> = vec![
        ("CLAUDE_CODE_EXPERIMENTAL_AGENT_TEAMS", "1".into()),
        ("CLAUDE_CODE_ENABLE_TODO_TOOLS", "1".into()),
        ("TINA_HOME", config.tina_home.clone().into()),
        ("CLAUDE_HOME", config.claude_home.clone().into()),
    ];
    if around.default_claude_dir.as_deref() != Some(config.claude_home.as_path()) {
        env.push(("CLAUDE_CONFIG_DIR", config.claude_home.clone().into()));
    }
    // Empty when SQLite: a URL in the tmux server's environment must not send the
    // agents to another store. The key goes only with a URL.
    for (name, value) in config.store_env() {
        env.push((name, value.unwrap_or_default().into()));
    }
    env.push(("TINA_PLUGIN_DIR", settings.plugin_dir.clone().into()));
    let mut path = OsString::from(around.bin_dir);
    if let Some(rest) = (around.env)("PATH") {
        path.push(":");
        path.push(rest);
    }
    env.push(("PATH", path));
    // Claude Code runs hooks with the user's shell PATH, not this one: the plugin's
    // `bin/tina-session` (hooks.json) runs the binary named here.
    let tina_session = around.bin_dir.join("tina-session");
    if tina_session.is_file() {
        env.push((TINA_SESSION_BIN_ENV, tina_session.into()));
    }
    for name in PASSED_ON {
        if let Some(value) = (around.env)(name) {
            env.push((name, value));
        }
    }
    let mut args: Vec<OsString> = vec![
        "new-session".into(),
        "-d".into(),
        "-s".into(),
        lead.tmux_session.clone().into(),
        "-c".into(),
        lead.cwd.clone().into(),
    ];
    for (name, value) in env {
        let mut pair = OsString::from(format!("{name}="));
        pair.push(value);
        args.push("-e".into());
        args.push(pair);
    }
    args.push(settings.claude_bin.clone().into());
    args.extend(
        [
            "--session-id",
            &lead.session_id,
            "--plugin-dir",
            &settings.plugin_dir.to_string_lossy(),
            "--permission-mode",
            &settings.permission_mode,
        ]
        .map(OsString::from),
    );
    if let Some(model) = &settings.model {
        args.push("--model".into());
        args.push(model.into());
    }
    args.push(lead.prompt.clone().into());
    LaunchCommand {
        program: "tmux".into(),
        args,
    }
}

/// Checks tmux, the Claude Code executable and its version; returns the version.
pub fn preflight(settings: &LaunchSettings) -> Result<Version, LaunchError> {
    if find_program(OsStr::new("tmux")).is_none() {
        return Err(LaunchError::Missing {
            program: "tmux".into(),
            hint: "leads run in tmux sessions; install tmux (apt-get install tmux)".into(),
        });
    }
    let bin =
        find_program(settings.claude_bin.as_os_str()).ok_or_else(|| LaunchError::Missing {
            program: format!("Claude Code ({})", settings.claude_bin.display()),
            hint: format!(
                "install it (npm install -g @anthropic-ai/claude-code@{TESTED_VERSION}) or set \
             {CLAUDE_BIN_ENV} to its path; --runtime none registers without launching"
            ),
        })?;
    let out = Command::new(&bin)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| LaunchError::Version {
            bin: bin.display().to_string(),
            reason: e.to_string(),
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = Version::parse(&text).ok_or_else(|| LaunchError::Version {
        bin: bin.display().to_string(),
        reason: format!(
            "unexpected output {}",
            crate::model::input::quote(text.trim())
        ),
    })?;
    if !version.is_supported() {
        return Err(LaunchError::Unsupported { found: version });
    }
    Ok(version)
}

/// A program given as a path (with a `/`), or found on PATH.
fn find_program(program: &OsStr) -> Option<PathBuf> {
    let as_path = Path::new(program);
    if as_path.components().count() > 1 {
        return as_path.is_file().then(|| as_path.to_path_buf());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

/// Launches `lead`: optional trust, then tmux. Run [`preflight`] first (before
/// recording anything), so a missing or unsupported Claude Code is refused early.
pub fn launch(
    config: &Config,
    settings: &LaunchSettings,
    lead: &Lead,
) -> Result<LaunchCommand, LaunchError> {
    if settings.trust {
        trust(&config_dir(config), &lead.cwd)?;
    }
    let cmd = Surroundings::current(|around| command(config, settings, lead, around));
    // stdout stays closed: the MCP server calls this, and its stdout is the protocol.
    let out = Command::new(&cmd.program)
        .args(&cmd.args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .map_err(|e| LaunchError::Tmux {
            session: lead.tmux_session.clone(),
            reason: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(LaunchError::Tmux {
            session: lead.tmux_session.clone(),
            reason: format!(
                "{}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    Ok(cmd)
}

/// Where Claude Code keeps `.claude.json` for this configuration: inside the config dir
/// when it is not the default, else `$HOME/.claude.json`.
pub fn config_dir(config: &Config) -> PathBuf {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    match home.map(PathBuf::from) {
        Some(h) if h.join(".claude") == config.claude_home => h,
        _ => config.claude_home.clone(),
    }
}

/// Sets `projects[<folder>].hasTrustDialogAccepted = true` in `<dir>/.claude.json`,
/// after copying the file to `.claude.json.tina-backup`. Nothing else is changed.
pub fn trust(dir: &Path, folder: &Path) -> Result<(), LaunchError> {
    let path = dir.join(".claude.json");
    let fail = |reason: String| LaunchError::Trust {
        path: path.clone(),
        reason,
    };
    let folder = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf());
    let key = folder
        .to_str()
        .ok_or_else(|| fail(format!("the folder {} is not UTF-8", folder.display())))?;
    let mut doc: serde_json::Value = match std::fs::read_to_string(&path) {
        Ok(text) => {
            std::fs::copy(&path, dir.join(".claude.json.tina-backup"))
                .map_err(|e| fail(format!("cannot back it up: {e}")))?;
            serde_json::from_str(&text).map_err(|e| fail(format!("it is not JSON: {e}")))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => serde_json::json!({}),
        Err(e) => return Err(fail(e.to_string())),
    };
    let root = doc
        .as_object_mut()
        .ok_or_else(|| fail("it is not a JSON object".into()))?;
    let projects = root
        .entry("projects")
        .or_insert_with(|| serde_json::json!({}))
        .as_object_mut()
        .ok_or_else(|| fail("`projects` is not an object".into()))?;
    let project = projects
        .entry(key)
        .or_insert_with(|| serde_json::json!({}))
        .as_object_mut()
        .ok_or_else(|| fail(format!("`projects[\"{key}\"]` is not an object")))?;
    project.insert("hasTrustDialogAccepted".into(), true.into());
    std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
    let text = serde_json::to_string_pretty(&doc).map_err(|e| fail(e.to_string()))?;
    let tmp = dir.join(".claude.json.tina-tmp");
    std::fs::write(&tmp, text).map_err(|e| fail(e.to_string()))?;
    std::fs::rename(&tmp, &path).map_err(|e| fail(e.to_string()))
}

/// The team folder under `<claude_home>/teams/` whose `config.json` names
/// `session_id` as its `leadSessionId` (exact), if one exists now.
pub fn lead_team_folder(claude_home: &Path, session_id: &str) -> Option<PathBuf> {
    let entries = std::fs::read_dir(claude_home.join("teams")).ok()?;
    entries.flatten().map(|e| e.path()).find(|dir| {
        let config = dir.join("config.json");
        let Ok(meta) = std::fs::symlink_metadata(&config) else {
            return false;
        };
        if !meta.is_file() || meta.len() > crate::model::input::FILE_READ_MAX {
            return false;
        }
        std::fs::read_to_string(&config)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|v| v.get("leadSessionId").and_then(|s| s.as_str()) == Some(session_id))
    })
}

/// Waits up to `timeout` for the lead's team folder; `None` when it did not appear.
pub fn wait_for_team_folder(
    claude_home: &Path,
    session_id: &str,
    timeout: Duration,
    still_running: &mut dyn FnMut() -> bool,
) -> Option<PathBuf> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(found) = lead_team_folder(claude_home, session_id) {
            return Some(found);
        }
        if std::time::Instant::now() >= deadline || !still_running() {
            return None;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Where a launched lead's team folder stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LeadLink {
    /// The daemon linked the folder to the team.
    Linked { folder: String },
    /// The folder exists (found by the lead's session id); the daemon has not linked it.
    FolderSeen { folder: String },
    /// No folder yet, within the expected time.
    Waiting { waited_secs: u64, timeout_secs: u64 },
    /// No folder although the expected time has passed: the lead may be stuck (a
    /// dialog, a login prompt, a failed start) or has spawned no teammate yet.
    Missing { waited_secs: u64, timeout_secs: u64 },
}

/// The link state of a team's lead (None when TINA did not launch one: no session id).
pub fn lead_link(
    team: &crate::model::Team,
    claude_home: &Path,
    now_ms: i64,
    timeout: Duration,
) -> Option<LeadLink> {
    let session_id = team.lead_session_id.as_deref()?;
    if let Some(folder) = &team.claude_team_dir {
        return Some(LeadLink::Linked {
            folder: folder.clone(),
        });
    }
    if let Some(folder) = lead_team_folder(claude_home, session_id) {
        return Some(LeadLink::FolderSeen {
            folder: folder
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        });
    }
    let waited_secs = u64::try_from((now_ms - team.created_at).max(0) / 1000).unwrap_or(0);
    let timeout_secs = timeout.as_secs();
    Some(if waited_secs >= timeout_secs {
        LeadLink::Missing {
            waited_secs,
            timeout_secs,
        }
    } else {
        LeadLink::Waiting {
            waited_secs,
            timeout_secs,
        }
    })
}

impl LeadLink {
    /// One line for `tina-session status`.
    pub fn describe(&self, team_name: &str) -> String {
        let session = tmux_session_name(team_name);
        match self {
            LeadLink::Linked { folder } => format!("team folder {folder} linked"),
            LeadLink::FolderSeen { folder } => {
                format!("team folder {folder} found, not linked yet (is the daemon running?)")
            }
            LeadLink::Waiting {
                waited_secs,
                timeout_secs,
            } => format!("no team folder yet ({waited_secs} s of {timeout_secs} s)"),
            LeadLink::Missing {
                waited_secs,
                timeout_secs,
            } => format!(
                "NO TEAM FOLDER after {waited_secs} s (expected within {timeout_secs} s): the \
                 lead may be stuck or has spawned no teammate; look with {}",
                attach_hint(&session)
            ),
        }
    }
}

/// The line a front end prints after a launch.
pub fn attach_hint(tmux_session: &str) -> String {
    format!("tmux attach -t {tmux_session}")
}

#[cfg(test)]
#[path = "launch_tests.rs"]
mod tests;
