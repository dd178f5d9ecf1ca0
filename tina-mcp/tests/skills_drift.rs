//! Keeps `skills/` true to the real interfaces: every `tina-session …` command line (with
//! its flags) and every MCP tool call (with its argument names) that a skill mentions must
//! be accepted by the real CLI and the real MCP server, and the orchestrate skill must pass
//! the orchestrator team id to every phase start. A fixture with drifted lines proves the
//! check fails when it should.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use clap::CommandFactory;

/// What a tool accepts, from its input schema in the server's `tools/list`.
#[derive(Debug, Default)]
struct ToolSchema {
    props: BTreeSet<String>,
    required: BTreeSet<String>,
    /// Argument name → allowed values, for enum-valued arguments.
    enums: BTreeMap<String, Vec<String>>,
}

type Tools = BTreeMap<String, ToolSchema>;

/// The enum values of a property schema, following a local `$ref` into `$defs`.
fn enum_values(schema: &serde_json::Value, prop: &serde_json::Value) -> Option<Vec<String>> {
    let target = match prop.get("$ref").and_then(|r| r.as_str()) {
        Some(r) => {
            let name = r.rsplit('/').next()?;
            schema.get("$defs")?.get(name)?
        }
        None => prop,
    };
    let values = target
        .get("enum")
        .or_else(|| target.get("oneOf").map(|_| &serde_json::Value::Null))?;
    match values {
        serde_json::Value::Array(v) => Some(
            v.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
        ),
        _ => target.get("oneOf")?.as_array().map(|alts| {
            alts.iter()
                .filter_map(|a| a.get("const").and_then(|c| c.as_str()).map(str::to_owned))
                .collect()
        }),
    }
}

async fn server_tools() -> Tools {
    let session = common::session().await;
    let tools = session.client.list_all_tools().await.expect("tools/list");
    tools
        .into_iter()
        .map(|t| {
            let schema = serde_json::Value::Object((*t.input_schema).clone());
            let props = schema.get("properties").and_then(|p| p.as_object());
            let tool = ToolSchema {
                props: props
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default(),
                required: schema
                    .get("required")
                    .and_then(|r| r.as_array())
                    .map(|r| {
                        r.iter()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                enums: props
                    .map(|p| {
                        p.iter()
                            .filter_map(|(k, v)| Some((k.clone(), enum_values(&schema, v)?)))
                            .filter(|(_, v)| !v.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            (t.name.to_string(), tool)
        })
        .collect()
}

/// Splits a command line like a shell would for our purposes: double quotes group, and
/// so does a `<placeholder with spaces>`.
fn split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut angled) = (false, false);
    for c in line.chars() {
        match c {
            '"' if !angled => quoted = !quoted,
            '<' if !quoted => {
                angled = true;
                cur.push(c);
            }
            '>' if angled => {
                angled = false;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted && !angled => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Every `tina-session …` command in `text`: from the program name to the end of the line
/// or the closing backtick.
fn cli_commands(text: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(at) = rest.find("tina-session") {
            let after = &rest[at + "tina-session".len()..];
            let end = after.find('`').unwrap_or(after.len());
            let tokens = split(&after[..end]);
            if tokens.first().is_some_and(|t| {
                t.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !t.starts_with('-')
            }) {
                found.push(tokens);
            }
            rest = &after[end..];
        }
    }
    found
}

/// Placeholders in skills (`<plan path>`, `N`) become values the flag accepts, so the
/// real parser can check required flags and enum values too.
fn fill_placeholders(tokens: &[String]) -> Vec<String> {
    let numeric = ["--phase", "--total-phases", "--phase-number"];
    let mut out = vec!["tina-session".to_owned()];
    for (i, tok) in tokens.iter().enumerate() {
        let placeholder =
            tok.starts_with('<') || (tok.len() == 1 && tok.chars().all(|c| c.is_ascii_uppercase()));
        if placeholder {
            let flag = i
                .checked_sub(1)
                .map(|j| tokens[j].as_str())
                .unwrap_or_default();
            out.push(if numeric.contains(&flag) { "1" } else { "x" }.to_owned());
        } else {
            out.push(tok.clone());
        }
    }
    out
}

fn check_cli(tokens: &[String], cli: &clap::Command) -> Result<(), String> {
    check_flags(tokens, cli)?;
    // A mention (`tina-session start`) or an elided line (`start ... --flag`) names a
    // command without spelling it out: its names are checked, not its completeness.
    let complete = tokens.iter().any(|t| t.starts_with("--")) && !tokens.iter().any(|t| t == "...");
    if !complete {
        return Ok(());
    }
    let line = format!("tina-session {}", tokens.join(" "));
    cli.clone()
        .try_get_matches_from(fill_placeholders(tokens))
        .map(|_| ())
        .map_err(|e| {
            let first = e.to_string().lines().next().unwrap_or_default().to_owned();
            format!("`{line}`: the CLI refuses it: {first}")
        })
}

fn check_flags(tokens: &[String], cli: &clap::Command) -> Result<(), String> {
    let line = format!("tina-session {}", tokens.join(" "));
    let mut cmd = cli;
    let mut i = 0;
    // Walk nested subcommands (`daemon status`).
    while let Some(tok) = tokens.get(i) {
        match cmd.find_subcommand(tok) {
            Some(sub) => {
                cmd = sub;
                i += 1;
            }
            None if i == 0 => return Err(format!("`{line}`: unknown subcommand '{tok}'")),
            None => break,
        }
        if !cmd.has_subcommands() {
            break;
        }
    }
    let accepts = |name: &str| -> Option<bool> {
        cli.get_arguments()
            .chain(cmd.get_arguments())
            .find(|a| a.get_long() == Some(name))
            .map(|a| a.get_action().takes_values())
    };
    while let Some(tok) = tokens.get(i) {
        i += 1;
        let Some(flag) = tok.strip_prefix("--") else {
            continue;
        };
        let (name, inline_value) = match flag.split_once('=') {
            Some((n, _)) => (n, true),
            None => (flag, false),
        };
        if name == "help" {
            continue;
        }
        match accepts(name) {
            None => {
                return Err(format!(
                    "`{line}`: `tina-session {}` has no flag --{name}",
                    cmd.get_name()
                ));
            }
            Some(true) if !inline_value => {
                if tokens.get(i).is_none_or(|v| v.starts_with("--")) {
                    return Err(format!("`{line}`: --{name} needs a value"));
                }
                i += 1;
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The `"key": value` pairs of a call's body; the value is the string literal, if any.
fn call_args(body: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('"') else { break };
        let key = &after[..end];
        let tail = after[end + 1..].trim_start();
        if let Some(value) = tail.strip_prefix(':') {
            let value = value.trim_start();
            let literal = value
                .strip_prefix('"')
                .and_then(|v| v.find('"').map(|e| v[..e].to_owned()));
            let skip = match &literal {
                Some(l) => value.find('"').unwrap_or(0) + l.len() + 2,
                None => value.find([',', '}']).unwrap_or(value.len()),
            };
            out.push((key.to_owned(), literal));
            rest = &value[skip.min(value.len())..];
        } else {
            rest = &after[end + 1..];
        }
    }
    out
}

/// Every `tool_name { ... }` call in `text`, with the argument names it uses.
fn tool_calls(text: &str) -> Vec<(String, Vec<String>)> {
    tool_calls_with_values(text)
        .into_iter()
        .map(|(t, args)| (t, args.into_iter().map(|(k, _)| k).collect()))
        .collect()
}

/// A tool call in a skill: the tool name and its `(argument, string literal)` pairs.
type ToolCall = (String, Vec<(String, Option<String>)>);

fn tool_calls_with_values(text: &str) -> Vec<ToolCall> {
    let mut calls = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        let Some((name, rest)) = trimmed.split_once(" {") else {
            continue;
        };
        if name.is_empty()
            || !name.contains('_')
            || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            continue;
        }
        let body = rest.rsplit_once('}').map_or(rest, |(b, _)| b);
        calls.push((name.to_owned(), call_args(body)));
    }
    calls
}

fn parse_keys(body_line: &str) -> Vec<String> {
    tool_calls(body_line)
        .into_iter()
        .flat_map(|(_, a)| a)
        .collect()
}

/// All findings for one skill file; `orchestrate` adds the parent-team-id rule.
fn check_text(name: &str, text: &str, tools: &Tools, orchestrate: bool) -> Vec<String> {
    let cli = tina_session::cli::Cli::command();
    let mut findings = Vec::new();
    for tokens in cli_commands(text) {
        if let Err(e) = check_cli(&tokens, &cli) {
            findings.push(format!("{name}: {e}"));
        }
        if orchestrate
            && tokens.first().is_some_and(|t| t == "start")
            && !tokens.iter().any(|t| t == "--parent-team-id")
        {
            findings.push(format!(
                "{name}: `tina-session {}` starts a phase without --parent-team-id",
                tokens.join(" ")
            ));
        }
    }
    for (tool, args) in tool_calls_with_values(text) {
        let Some(schema) = tools.get(&tool) else {
            findings.push(format!("{name}: unknown MCP tool `{tool}`"));
            continue;
        };
        for (arg, value) in &args {
            if !schema.props.contains(arg) {
                findings.push(format!("{name}: MCP tool `{tool}` has no argument `{arg}`"));
            }
            if let (Some(allowed), Some(v)) = (schema.enums.get(arg), value)
                && !v.starts_with('<')
                && !allowed.contains(v)
            {
                findings.push(format!(
                    "{name}: MCP tool `{tool}` argument `{arg}` does not accept \"{v}\" ({})",
                    allowed.join(", ")
                ));
            }
        }
        for req in &schema.required {
            if !args.iter().any(|(k, _)| k == req) {
                findings.push(format!(
                    "{name}: MCP tool `{tool}` call lacks required `{req}`"
                ));
            }
        }
        if orchestrate && tool == "start_phase" && !args.iter().any(|(a, _)| a == "parent_team_id")
        {
            findings.push(format!("{name}: `start_phase` without parent_team_id"));
        }
    }
    findings.extend(check_team_model(name, text));
    findings
}

/// Today's Claude Code team model (2.1.178 and later): a lead cannot create or name its
/// team (it has one implicit team, linked by session id), the Task tools are deferred
/// and must be fetched with `ToolSearch select:TaskCreate,TaskUpdate` before use, and a
/// teammate joins the team only when spawned with a `name`.
fn check_team_model(name: &str, text: &str) -> Vec<String> {
    let mut findings = Vec::new();
    let lower = text.to_lowercase().replace(['*', '_'], "");
    for stale in [
        "teamcreate",
        "exactly the registered team name",
        "create the claude code team",
        "create your team with",
    ] {
        if lower.contains(stale) {
            findings.push(format!(
                "{name}: says \"{stale}\": leads cannot name or create their team since Claude \
                 Code 2.1.178 (TINA links the implicit team by session id)"
            ));
        }
    }
    let uses_tasks = ["TaskCreate", "TaskUpdate"]
        .iter()
        .any(|t| text.contains(t));
    if uses_tasks && !text.contains("select:TaskCreate,TaskUpdate") {
        findings.push(format!(
            "{name}: uses the Task tools without fetching them (they are deferred): \
             ToolSearch {{ \"query\": \"select:TaskCreate,TaskUpdate\" }}"
        ));
    }
    for line in text.lines() {
        if let Some(body) = line.trim().trim_matches('`').strip_prefix("Agent {")
            && !body.contains("\"name\"")
        {
            findings.push(format!(
                "{name}: `{}` spawns a teammate without a name (it would not join the team)",
                line.trim()
            ));
        }
    }
    findings
}

fn skill_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read skills dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../skills");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    files
}

#[tokio::test]
async fn skills_match_the_cli_and_the_mcp_server() {
    let tools = server_tools().await;
    assert!(
        tools.contains_key("start_phase"),
        "server lists its tools: {tools:?}"
    );
    let files = skill_files();
    assert!(files.len() >= 6, "skills found: {files:?}");
    let mut findings = Vec::new();
    let (mut commands, mut calls) = (0, 0);
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read skill");
        let name = path.display().to_string();
        commands += cli_commands(&text).len();
        calls += tool_calls(&text).len();
        let orchestrate = path.ends_with("orchestrate/SKILL.md");
        findings.extend(check_text(&name, &text, &tools, orchestrate));
    }
    assert!(
        findings.is_empty(),
        "skills drifted:\n{}",
        findings.join("\n")
    );
    // The check looked at something: the skills name many commands and tool calls.
    assert!(
        commands >= 15 && calls >= 15,
        "{commands} commands, {calls} tool calls"
    );

    // The orchestrate skill starts phases with the parent id, both ways.
    let orchestrate = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../skills/orchestrate/SKILL.md"),
    )
    .expect("orchestrate skill");
    let starts: Vec<_> = cli_commands(&orchestrate)
        .into_iter()
        .filter(|t| t.first().is_some_and(|s| s == "start"))
        .collect();
    assert!(!starts.is_empty());
    assert!(
        tool_calls(&orchestrate)
            .iter()
            .any(|(t, a)| t == "start_phase" && a.iter().any(|x| x == "parent_team_id"))
    );
}

#[tokio::test]
async fn drift_check_catches_a_drifted_skill() {
    let tools = server_tools().await;
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/drifted-skill.md");
    let text = std::fs::read_to_string(fixture).expect("fixture");
    let findings = check_text("drifted", &text, &tools, true);
    let expect = [
        "starts a phase without --parent-team-id",
        "has no flag --force",
        "unknown subcommand 'launch'",
        "`start_phase` without parent_team_id",
        "`advance_phase` has no argument `why`",
        "unknown MCP tool `destroy_everything`",
        "--runtime bash --json`: the CLI refuses it",
        "--parent-team-id <orchestrator team id>`: the CLI refuses it",
        "argument `event` does not accept \"finish\"",
        "`start_phase` call lacks required `plan`",
        "says \"teamcreate\"",
        "says \"exactly the registered team name\"",
        "says \"create the claude code team\"",
        "uses the Task tools without fetching them",
        "spawns a teammate without a name",
    ];
    for e in expect {
        assert!(
            findings.iter().any(|f| f.contains(e)),
            "missing finding '{e}' in:\n{}",
            findings.join("\n")
        );
    }
    assert_eq!(findings.len(), expect.len(), "{findings:#?}");
    assert_eq!(parse_keys(r#"x_y { "a": 1, "b": "c:d" }"#), ["a", "b"]);
}

/// The plugin manifest points at files that exist, declares the MCP server once, and
/// starts the built tina-mcp through `bin/tina-mcp` — never `cargo run`, which cannot
/// start within Claude Code's MCP timeout (or at all without a toolchain).
#[test]
fn plugin_wiring_points_at_real_things() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |p: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(root.join(p)).expect(p)).expect(p)
    };
    let plugin = read(".claude-plugin/plugin.json");
    assert_eq!(plugin["name"], "tina");
    assert!(plugin["author"]["name"].is_string(), "author: {plugin}");
    let skills = root.join(plugin["skills"].as_str().expect("skills path"));
    for skill in [
        "orchestrate",
        "phase-executor",
        "team-lead-init",
        "harness-team",
    ] {
        assert!(skills.join(skill).join("SKILL.md").is_file(), "{skill}");
    }
    for agent in plugin["agents"].as_array().expect("agents") {
        let path = root.join(agent.as_str().expect("agent path"));
        let text = std::fs::read_to_string(&path).expect("agent file");
        assert!(text.starts_with("---\nname: "), "{}", path.display());
    }
    // One declaration: a root .mcp.json would declare the server a second time.
    assert!(
        !root.join(".mcp.json").exists(),
        "the MCP server is declared in plugin.json; a root .mcp.json duplicates it"
    );
    let server = &plugin["mcpServers"]["tina"];
    assert_eq!(server["command"], "${CLAUDE_PLUGIN_ROOT}/bin/tina-mcp");
    assert_eq!(server["args"], serde_json::json!(["serve"]));
    let launcher = std::fs::read_to_string(root.join("bin/tina-mcp")).expect("bin/tina-mcp");
    assert!(
        !launcher.contains("cargo run"),
        "the launcher must not compile"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(root.join("bin/tina-mcp"))
        .expect("launcher")
        .permissions()
        .mode();
    assert!(mode & 0o111 != 0, "bin/tina-mcp is not executable");
}

/// The launcher starts the built binary, and without one says how to build it.
#[test]
fn plugin_launcher_finds_the_built_server_or_says_how_to_build_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // A copy of the plugin root without any build: it must refuse and name the command.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("bin")).expect("mkdir");
    for file in ["bin/tina-mcp", "bin/find-built.sh"] {
        std::fs::copy(root.join(file), dir.path().join(file)).expect("copy");
    }
    let out = std::process::Command::new(dir.path().join("bin/tina-mcp"))
        .arg("--version")
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", dir.path().join("bin").display()),
        )
        .env_remove("TINA_MCP_BIN")
        .output()
        .expect("run launcher");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cargo build --release -p tina-mcp"), "{err}");
    // Pointed at the real binary, it runs it.
    let out = std::process::Command::new(root.join("bin/tina-mcp"))
        .arg("--version")
        .env("TINA_MCP_BIN", env!("CARGO_BIN_EXE_tina-mcp"))
        .output()
        .expect("run launcher");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("tina-mcp "));
}

/// `claude plugin validate . --strict` passes, run with the real Claude Code when it is
/// installed (skipped with a reason otherwise; under CI=true a missing binary fails).
#[test]
fn the_real_claude_code_validates_the_plugin_strictly() {
    let Some(bin) = tina_harness::claude::claude_bin().filter(|b| b.is_file()) else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "CI=true and no Claude Code binary to validate the plugin with"
        );
        eprintln!(
            "SKIPPED the_real_claude_code_validates_the_plugin_strictly: no Claude Code binary"
        );
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::process::Command::new(bin)
        .args(["plugin", "validate", ".", "--strict"])
        .current_dir(&root)
        .output()
        .expect("run claude plugin validate");
    assert!(
        out.status.success(),
        "claude plugin validate . --strict failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
