//! Keeps `skills/` true to the real interfaces: every `tina-session …` command line (with
//! its flags) and every MCP tool call (with its argument names) that a skill mentions must
//! be accepted by the real CLI and the real MCP server, and the orchestrate skill must pass
//! the orchestrator team id to every phase start. A fixture with drifted lines proves the
//! check fails when it should.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use clap::CommandFactory;

/// Tool name → accepted argument names, from the server's `tools/list`.
type Tools = BTreeMap<String, BTreeSet<String>>;

async fn server_tools() -> Tools {
    let session = common::session().await;
    let tools = session.client.list_all_tools().await.expect("tools/list");
    tools
        .into_iter()
        .map(|t| {
            let props = t
                .input_schema
                .get("properties")
                .and_then(|p| p.as_object())
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            (t.name.to_string(), props)
        })
        .collect()
}

/// Splits a command line like a shell would for our purposes (double quotes group).
fn split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
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

fn check_cli(tokens: &[String], cli: &clap::Command) -> Result<(), String> {
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

/// Every `tool_name { ... }` call in `text`, with the argument names it uses.
fn tool_calls(text: &str) -> Vec<(String, Vec<String>)> {
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
        let args = body
            .split('"')
            .collect::<Vec<_>>()
            .windows(2)
            .enumerate()
            // Odd pieces are inside quotes; a key is a quoted piece followed by ':'.
            .filter(|(i, w)| i % 2 == 1 && w[1].trim_start().starts_with(':'))
            .map(|(_, w)| w[0].to_owned())
            .collect::<Vec<_>>();
        calls.push((name.to_owned(), args));
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
    for (tool, args) in tool_calls(text) {
        let Some(accepted) = tools.get(&tool) else {
            findings.push(format!("{name}: unknown MCP tool `{tool}`"));
            continue;
        };
        for arg in &args {
            if !accepted.contains(arg) {
                findings.push(format!("{name}: MCP tool `{tool}` has no argument `{arg}`"));
            }
        }
        if orchestrate && tool == "start_phase" && !args.iter().any(|a| a == "parent_team_id") {
            findings.push(format!("{name}: `start_phase` without parent_team_id"));
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

/// The plugin manifest and `.mcp.json` point at files and a package that exist.
#[test]
fn plugin_wiring_points_at_real_things() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |p: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(root.join(p)).expect(p)).expect(p)
    };
    let plugin = read(".claude-plugin/plugin.json");
    assert_eq!(plugin["name"], "tina");
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
    for (file, servers) in [
        ("plugin.json", &plugin["mcpServers"]),
        (".mcp.json", &read(".mcp.json")["mcpServers"]),
    ] {
        let args: Vec<&str> = servers["tina"]["args"]
            .as_array()
            .unwrap_or_else(|| panic!("{file}: tina server args"))
            .iter()
            .filter_map(|a| a.as_str())
            .collect();
        assert_eq!(servers["tina"]["command"], "cargo", "{file}");
        assert!(
            args.windows(2).any(|w| w == ["-p", "tina-mcp"]),
            "{file}: {args:?}"
        );
        assert_eq!(args.last(), Some(&"serve"), "{file}");
    }
}
