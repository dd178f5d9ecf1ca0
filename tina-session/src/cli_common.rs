//! What every TINA binary (`tina-session`, `tina-daemon`, `tina-harness`, `tina-mcp`,
//! `tina-web`) shares on its command line: the home and store flags ([`HomeArgs`], one
//! flattened clap struct), the tracing set-up ([`init_tracing`]), the exit-code rule and
//! how a failure is printed ([`parse`], [`finish`]).
//!
//! The rule, the same for every binary:
//! - exit 0: done; 1: the command ran and failed or refused; 2: usage (bad flags or
//!   values, caught before anything ran). A few documented codes carry more (the hook's
//!   2 is Claude Code's "refuse this task", the daemon's 3 "another daemon holds the
//!   lock", `tina-harness report`'s 3 "the run still goes on").
//! - Results go to stdout, logs and errors to stderr. Text errors read `error: <what
//!   failed and what to do>`; under `--json` an error is one JSON line on **stderr**,
//!   `{"error": {"kind": "usage" | "config" | "invalid_input" | "not_found" | "failed", "message":
//!   "...", "flag": "--phase"}}` (`flag` only when one input was to blame), so stdout
//!   carries results only and is empty after a failure.
//! - Logs are `tracing` lines on stderr (never stdout: it is MCP's protocol channel),
//!   at the level `RUST_LOG` sets, else the binary's default.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::{Config, ConfigError, DeploymentKey, Overrides};
use crate::lifecycle::LifecycleError;
use crate::model::input::InputError;
use crate::store::StoreError;

/// The command ran and failed, or refused.
pub const EXIT_FAILURE: u8 = 1;
/// The command line was wrong; nothing ran.
pub const EXIT_USAGE: u8 = 2;

/// Where TINA keeps its state and which store it uses: the same flags on every binary,
/// accepted before or after a subcommand, shown under their own heading in `--help`
/// (flatten it last: clap keeps a heading for the arguments that follow). Each falls back to the environment, then to
/// `$TINA_HOME/config.toml`, then to the default ([`Config::load`]).
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Home and store")]
pub struct HomeArgs {
    /// TINA state directory (default: $TINA_HOME, else ~/.tina).
    #[arg(long, global = true, value_name = "DIR")]
    pub tina_home: Option<PathBuf>,
    /// Claude Code directory (default: $CLAUDE_HOME, else `claude_home` in config.toml,
    /// else ~/.claude).
    #[arg(long, global = true, value_name = "DIR")]
    pub claude_home: Option<PathBuf>,
    /// Use the Convex deployment at URL as the store (default: $TINA_CONVEX_URL, else
    /// `convex_url` in $TINA_HOME/config.toml, else the SQLite file in TINA_HOME).
    #[arg(long, global = true, value_name = "URL")]
    pub convex_url: Option<String>,
    /// The Convex deployment key (default: $TINA_CONVEX_KEY, else `convex_key` in
    /// $TINA_HOME/config.toml). Prefer those: a flag shows in the process list.
    #[arg(long, global = true, value_name = "KEY", value_parser = parse_key)]
    pub convex_key: Option<DeploymentKey>,
}

impl HomeArgs {
    /// The configuration these flags set; the rest comes from env, config.toml, defaults.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            tina_home: self.tina_home.clone(),
            claude_home: self.claude_home.clone(),
            convex_url: self.convex_url.clone(),
            convex_key: self.convex_key.clone(),
        }
    }

    /// [`Config::load`] with these flags on top.
    pub fn load(&self) -> Result<Config, ConfigError> {
        Config::load(self.overrides())
    }
}

/// `--convex-key`: held as a [`DeploymentKey`] from the start, so it never prints.
fn parse_key(key: &str) -> Result<DeploymentKey, String> {
    if key.is_empty() {
        return Err("the deployment key is empty".into());
    }
    Ok(DeploymentKey::new(key))
}

/// Installs the global `tracing` subscriber, writing to stderr: `RUST_LOG` if set, else
/// `default_level` for TINA with the noisy `convex` client muted
/// ([`crate::config::default_log_filter`]). Colours only on a terminal.
pub fn init_tracing(default_level: &str) {
    init_tracing_to(
        default_level,
        std::io::stderr,
        std::io::stderr().is_terminal(),
    );
}

/// [`init_tracing`] to another writer (the daemon's rotating log file and stderr). A
/// subscriber already installed (several daemons in one test process) is kept.
pub fn init_tracing_to<W>(default_level: &str, writer: W, ansi: bool)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(crate::config::default_log_filter(default_level))
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(writer)
        .try_init();
}

/// Parses the process's arguments. `--help` and `--version` print and exit 0; a usage
/// error prints clap's message (as a JSON error when `--json` is among the arguments)
/// and exits [`EXIT_USAGE`].
pub fn parse<T: clap::Parser>() -> T {
    match parse_from(std::env::args_os()) {
        Ok(parsed) => parsed,
        Err(code) => std::process::exit(code),
    }
}

/// [`parse`] over given arguments; `Err` is the exit code after the message was printed.
pub fn parse_from<T: clap::Parser>(args: impl IntoIterator<Item = OsString>) -> Result<T, i32> {
    let args: Vec<OsString> = args.into_iter().collect();
    match T::try_parse_from(&args) {
        Ok(parsed) => Ok(parsed),
        Err(e) if e.use_stderr() && wants_json(&args) => {
            print_json_error(&Failure {
                kind: Kind::Usage,
                message: usage_message(&e.to_string()),
                flag: None,
            });
            Err(i32::from(EXIT_USAGE))
        }
        Err(e) => {
            let code = e.exit_code();
            let _ = e.print();
            Err(code)
        }
    }
}

/// Whether `--json` is among the arguments (before a `--` that ends the flags).
fn wants_json(args: &[OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| a.as_os_str() != "--")
        .any(|a| a.as_os_str() == "--json")
}

/// clap's message on one line: its first paragraph (the error and any lines that
/// continue it) and its `tip:`s, without the `error: ` lead (the JSON says the kind) or
/// the usage footer (`--help` says that).
fn usage_message(rendered: &str) -> String {
    let lines: Vec<&str> = rendered.lines().map(str::trim).collect();
    let mut parts: Vec<&str> = lines
        .iter()
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .copied()
        .collect();
    parts.extend(lines.iter().filter(|l| l.starts_with("tip:")));
    parts
        .join(" ")
        .trim_start_matches("error: ")
        .trim()
        .to_owned()
}

/// Why a command failed, as `--json` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The command line was wrong (exit 2).
    Usage,
    /// `config.toml` or the environment could not be used.
    Config,
    /// A value broke TINA's input rules (a name, a length, a path).
    InvalidInput,
    /// The orchestration, team or other record named does not exist.
    NotFound,
    /// Anything else the command could not do, or refused.
    Failed,
}

/// One failure, printed as `error: [flag: ]message` or, under `--json`, as
/// `{"error": {"kind", "message", "flag"?}}`.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub kind: Kind,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
}

impl Failure {
    /// The failure `error` describes, its kind read from the error types in its chain.
    pub fn of(error: &anyhow::Error) -> Self {
        let kind = if error.chain().any(|c| c.is::<ConfigError>()) {
            Kind::Config
        } else if error.chain().any(|c| c.is::<InputError>()) {
            Kind::InvalidInput
        } else if error
            .chain()
            .any(|c| store_error(c).is_some_and(StoreError::is_not_found))
        {
            Kind::NotFound
        } else {
            Kind::Failed
        };
        Self {
            kind,
            message: format!("{error:#}"),
            flag: None,
        }
    }
}

/// The store error `cause` is, directly or inside a lifecycle refusal (whose `Store`
/// variant is transparent, so the chain does not show the store error itself).
fn store_error<'e>(cause: &'e (dyn std::error::Error + 'static)) -> Option<&'e StoreError> {
    cause
        .downcast_ref::<StoreError>()
        .or(match cause.downcast_ref::<LifecycleError>() {
            Some(LifecycleError::Store(s)) => Some(s),
            _ => None,
        })
}

#[derive(Serialize)]
struct ErrorLine<'a> {
    error: &'a Failure,
}

fn print_json_error(failure: &Failure) {
    let line = serde_json::to_string(&ErrorLine { error: failure })
        .unwrap_or_else(|_| r#"{"error":{"kind":"failed","message":"(unprintable)"}}"#.into());
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// Prints a failure on stderr, as text or (with `json`) as one JSON line.
pub fn print_failure(failure: &Failure, json: bool) {
    if json {
        print_json_error(failure);
    } else {
        let mut err = std::io::stderr().lock();
        let _ = match &failure.flag {
            Some(flag) => writeln!(err, "error: {flag}: {}", failure.message),
            None => writeln!(err, "error: {}", failure.message),
        };
    }
}

/// The exit code of a finished command: its own code, or [`EXIT_FAILURE`] after the
/// failure was printed. A reader that went away (`tina-session list | head -1`) is not a
/// failure.
pub fn finish(result: anyhow::Result<ExitCode>, json: bool) -> ExitCode {
    finish_with(result, json, |_, _| {})
}

/// [`finish`], letting `refine` say more about a failure than [`Failure::of`] can (the
/// flag to blame, an input error wrapped in a library error).
pub fn finish_with(
    result: anyhow::Result<ExitCode>,
    json: bool,
    refine: impl Fn(&anyhow::Error, &mut Failure),
) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let mut failure = Failure::of(&e);
            refine(&e, &mut failure);
            print_failure(&failure, json);
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Writes `text` and a newline to stdout, returning a closed pipe as an error (which
/// [`finish`] treats as success) instead of panicking as `println!` does.
pub fn print_line(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()
}

/// A value's name as its flag and its JSON spell it (`claude`, `in_progress`), for text
/// output: the serde name of a unit variant, never its Rust `Debug` form.
pub fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "?".into(),
    }
}

/// Every argument and subcommand of `command` (recursively) that has no help text,
/// as `path --flag`; hidden ones and clap's own `--help`/`--version` are exempt. Each
/// binary's tests assert this is empty.
pub fn undocumented(command: &clap::Command) -> Vec<String> {
    let mut missing = Vec::new();
    walk_help(command, command.get_name().to_owned(), &mut missing);
    missing
}

fn walk_help(command: &clap::Command, path: String, missing: &mut Vec<String>) {
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        if arg.is_hide_set() || id == "help" || id == "version" {
            continue;
        }
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            let name = arg
                .get_long()
                .map_or_else(|| format!("<{id}>"), |l| format!("--{l}"));
            missing.push(format!("{path} {name}"));
        }
    }
    for sub in command.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        let sub_path = format!("{path} {}", sub.get_name());
        if sub.get_about().is_none() && sub.get_long_about().is_none() {
            missing.push(sub_path.clone());
        }
        walk_help(sub, sub_path, missing);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    #[command(name = "demo")]
    struct Demo {
        #[command(flatten)]
        home: HomeArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[arg(long)]
        undocumented: Option<u32>,
    }

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_home_flags_become_overrides() {
        let demo: Demo = parse_from(args(&[
            "demo",
            "--tina-home",
            "/t",
            "--claude-home",
            "/c",
            "--convex-url",
            "https://x.convex.cloud",
            "--convex-key",
            "secret-key",
        ]))
        .expect("parses");
        let o = demo.home.overrides();
        assert_eq!(o.tina_home, Some(PathBuf::from("/t")));
        assert_eq!(o.claude_home, Some(PathBuf::from("/c")));
        assert_eq!(o.convex_url.as_deref(), Some("https://x.convex.cloud"));
        assert_eq!(o.convex_key, Some(DeploymentKey::new("secret-key")));
        assert!(!format!("{demo:?}").contains("secret-key"));
    }

    #[test]
    fn usage_errors_exit_2_and_help_exits_0() {
        assert_eq!(parse_from::<Demo>(args(&["demo", "--nope"])).err(), Some(2));
        assert_eq!(
            parse_from::<Demo>(args(&["demo", "--json", "--nope"])).err(),
            Some(2)
        );
        assert_eq!(parse_from::<Demo>(args(&["demo", "--help"])).err(), Some(0));
    }

    #[test]
    fn usage_messages_keep_what_was_missing_and_the_tips() {
        let rendered = "error: the following required arguments were not provided:\n  \
                        <SCENARIOS>...\n\nUsage: tina-harness run <SCENARIOS>...\n\n\
                        For more information, try '--help'.\n";
        assert_eq!(
            usage_message(rendered),
            "the following required arguments were not provided: <SCENARIOS>..."
        );
        let rendered = "error: unexpected argument '--jsn' found\n\n  tip: a similar \
                        argument exists: '--json'\n\nUsage: x\n";
        assert_eq!(
            usage_message(rendered),
            "unexpected argument '--jsn' found tip: a similar argument exists: '--json'"
        );
    }

    #[test]
    fn json_is_wanted_only_before_the_end_of_flags() {
        assert!(wants_json(&args(&["x", "a", "--json"])));
        assert!(!wants_json(&args(&["x", "--", "--json"])));
        assert!(!wants_json(&args(&["--json"])));
    }

    #[test]
    fn failures_are_classified_by_the_error_types_in_their_chain() {
        let input = anyhow::Error::from(
            crate::model::input::validate_name(crate::model::input::NameKind::Feature, "../x")
                .expect_err("a path is not a name"),
        )
        .context("cannot init");
        assert_eq!(Failure::of(&input).kind, Kind::InvalidInput);
        assert!(Failure::of(&input).message.starts_with("cannot init: "));
        let missing = anyhow::Error::from(StoreError::orchestration_not_found("x"));
        assert_eq!(Failure::of(&missing).kind, Kind::NotFound);
        let missing = anyhow::Error::from(LifecycleError::Store(StoreError::team_not_found("t")));
        assert_eq!(Failure::of(&missing).kind, Kind::NotFound);
        let other = anyhow::anyhow!("no orchestration 'x'");
        assert_eq!(Failure::of(&other).kind, Kind::Failed);
        let json = serde_json::to_value(ErrorLine {
            error: &Failure::of(&other),
        })
        .expect("json");
        assert_eq!(
            json,
            serde_json::json!({"error": {"kind": "failed", "message": "no orchestration 'x'"}})
        );
    }

    #[test]
    fn wire_names_are_the_serde_names() {
        assert_eq!(wire_name(&crate::lifecycle::Runtime::Claude), "claude");
        assert_eq!(wire_name(&Kind::InvalidInput), "invalid_input");
    }

    #[test]
    fn undocumented_flags_are_found() {
        use clap::CommandFactory;
        assert_eq!(undocumented(&Demo::command()), ["demo --undocumented"]);
    }
}
