//! Checks of the convention every TINA binary keeps, over the real binary: run it with
//! temporary homes ([`command`]), read its JSON error ([`json_error`]), and check that
//! the README and its `--help` agree ([`disagreements`]): every command line the README
//! shows for the binary (in code spans and code blocks) names subcommands and flags its
//! real `--help` lists, every subcommand the binary has is in the README, and the binary
//! takes the home and store flags every TINA binary shares. Included by each binary's
//! crate (`#[path]`), which passes its own `CARGO_BIN_EXE_*`; the README check returns
//! the problems found, so a test can also prove it fails on a drifted text.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

/// `bin` with `--tina-home <home>/tina --claude-home <home>/claude` and no Convex
/// variables from the calling environment.
pub fn command(bin: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("--tina-home")
        .arg(home.join("tina"))
        .arg("--claude-home")
        .arg(home.join("claude"))
        .env_remove("TINA_CONVEX_URL")
        .env_remove("TINA_CONVEX_KEY");
    cmd
}

/// The one JSON error line on stderr (`{"error": {...}}`), asserting stdout is empty.
pub fn json_error(out: &Output) -> serde_json::Value {
    assert!(out.stdout.is_empty(), "stdout: {out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON error line: {stderr}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

/// Asserts the README and `bin --help` agree; returns the help for further checks.
pub fn assert_readme_agrees(bin: &Path, name: &str) -> Help {
    let help = help_of(bin);
    let problems = disagreements(&readme(), name, &help);
    assert!(problems.is_empty(), "{problems:#?}");
    help
}

/// Asserts a failure with a Convex URL from the flag and no key: exit 1, naming the URL
/// and the key variable (so the flag reached the configuration).
pub fn assert_convex_flag_reaches_the_config(out: &Output) {
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("https://flag.convex.cloud") && stderr.contains("TINA_CONVEX_KEY"),
        "{stderr}"
    );
}

/// What one command's `--help` lists.
#[derive(Debug, Default, Clone)]
pub struct Help {
    /// `--flag` → whether it takes a value.
    pub flags: BTreeMap<String, bool>,
    pub subcommands: BTreeMap<String, Help>,
}

impl Help {
    /// Every subcommand path below this command (`["daemon", "start"]`).
    pub fn paths(&self) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for (name, sub) in &self.subcommands {
            out.push(vec![name.clone()]);
            for mut rest in sub.paths() {
                rest.insert(0, name.clone());
                out.push(rest);
            }
        }
        out
    }
}

/// Runs `bin [path] --help` for the command and every subcommand below it.
pub fn help_of(bin: &Path) -> Help {
    help_at(bin, &[])
}

fn help_at(bin: &Path, path: &[String]) -> Help {
    let out = Command::new(bin)
        .args(path)
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("run {} --help: {e}", bin.display()));
    assert!(
        out.status.success(),
        "{} {path:?} --help: {:?}",
        bin.display(),
        out.status
    );
    let text = String::from_utf8(out.stdout).expect("utf-8 help");
    let mut help = parse_help(&text);
    let names: Vec<String> = help.subcommands.keys().cloned().collect();
    for name in names {
        let mut sub_path = path.to_vec();
        sub_path.push(name.clone());
        help.subcommands.insert(name, help_at(bin, &sub_path));
    }
    help
}

/// The flags and subcommand names of one clap help text.
pub fn parse_help(text: &str) -> Help {
    let mut help = Help::default();
    let mut section = "";
    for line in text.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            section = line;
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() || !line.starts_with(' ') {
            continue;
        }
        if section == "Commands:" {
            if let Some(name) = trimmed.split_whitespace().next()
                && name != "help"
            {
                help.subcommands.insert(name.to_owned(), Help::default());
            }
        } else if trimmed.starts_with('-') {
            // `-h, --help  Print help` / `--feature <FEATURE>  Exact feature name`
            let spec = trimmed.split("  ").next().unwrap_or("");
            let takes_value = spec.contains('<');
            for token in spec.split([' ', ',']) {
                if let Some(flag) = token.strip_prefix("--") {
                    help.flags.insert(flag.to_owned(), takes_value);
                }
            }
        }
    }
    help
}

/// The code in `markdown`: inline code spans (which may wrap across lines of a
/// paragraph) and the lines of fenced blocks.
fn code_of(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    let mut paragraph = String::new();
    let spans = |text: &str, out: &mut Vec<String>| {
        out.extend(
            text.split('`')
                .enumerate()
                .filter(|(i, _)| i % 2 == 1)
                // A table cell escapes `|` as `\|`.
                .map(|(_, s)| s.replace("\\|", "|")),
        );
    };
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            spans(&std::mem::take(&mut paragraph), &mut out);
            fenced = !fenced;
        } else if fenced {
            out.push(line.to_owned());
        } else if line.trim().is_empty() {
            spans(&std::mem::take(&mut paragraph), &mut out);
        } else {
            paragraph.push(' ');
            paragraph.push_str(line);
        }
    }
    spans(&paragraph, &mut out);
    out
}

/// Every command line for `name` in `markdown`'s code: the words after the program
/// name (or after `cargo run -p <name> --`), up to a shell separator or comment.
pub fn mentions(markdown: &str, name: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for code in code_of(markdown) {
        let words: Vec<&str> = code.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() {
            let word = words[i];
            let start = if word == name || word.ends_with(&format!("/{name}")) {
                let after_p = i > 0 && words[i - 1] == "-p";
                if after_p {
                    // `cargo run -p <name> -- args`; other cargo commands are not its CLI.
                    let runs = words[..i].contains(&"run") && words.get(i + 1) == Some(&"--");
                    if !runs {
                        i += 1;
                        continue;
                    }
                    Some(i + 2)
                } else if word.contains('/') && !word.starts_with("target/") {
                    // `bin/tina-mcp` and paths like it are other programs or files.
                    None
                } else {
                    Some(i + 1)
                }
            } else {
                None
            };
            if let Some(start) = start {
                let args = words[start.min(words.len())..]
                    .iter()
                    .take_while(|w| !matches!(**w, "|" | "&&" | ";" | "#" | ")" | "\\"))
                    .take_while(|w| !w.starts_with('#'))
                    .map(|w| (*w).to_owned())
                    .collect();
                out.push(args);
            }
            i += 1;
        }
    }
    out
}

/// Checks every mention of `name` in `readme` against `help`; returns the problems and
/// the subcommand paths the README covers.
pub fn check_mentions(
    readme: &str,
    name: &str,
    help: &Help,
) -> (Vec<String>, BTreeSet<Vec<String>>) {
    let mut problems = Vec::new();
    let mut covered = BTreeSet::new();
    for args in mentions(readme, name) {
        let line = format!("{name} {}", args.join(" "));
        let mut paths: Vec<(Vec<String>, &Help)> = vec![(Vec::new(), help)];
        let mut positional = false;
        let mut skip_value = false;
        for raw in &args {
            if skip_value {
                skip_value = false;
                continue;
            }
            let word = raw.trim_matches(|c| matches!(c, '[' | ']' | ',' | '.' | '(' | '"'));
            if word.is_empty() || word.starts_with('<') || word == "-" || word.starts_with('$') {
                continue;
            }
            if let Some(flag) = word.strip_prefix("--") {
                let (flag, inline) = match flag.split_once('=') {
                    Some((f, _)) => (f, true),
                    None => (flag, false),
                };
                for (path, node) in &paths {
                    match node.flags.get(flag) {
                        None => problems.push(format!(
                            "`{line}`: `{name}{}` has no flag --{flag}",
                            path.iter().map(|p| format!(" {p}")).collect::<String>()
                        )),
                        Some(true) if !inline => skip_value = true,
                        Some(_) => {}
                    }
                }
                continue;
            }
            if word.starts_with('-') {
                continue;
            }
            let descends = !positional && paths.iter().all(|(_, n)| !n.subcommands.is_empty());
            if !descends {
                positional = true;
                continue;
            }
            let mut next = Vec::new();
            for alternative in word.split('|') {
                for (path, node) in &paths {
                    match node.subcommands.get(alternative) {
                        Some(sub) => {
                            let mut p = path.clone();
                            p.push(alternative.to_owned());
                            covered.insert(p.clone());
                            next.push((p, sub));
                        }
                        None => problems.push(format!(
                            "`{line}`: `{name}{}` has no subcommand '{alternative}'",
                            path.iter().map(|p| format!(" {p}")).collect::<String>()
                        )),
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            paths = next;
        }
    }
    (problems, covered)
}

/// Everything that makes the README and `help` of `name` disagree.
pub fn disagreements(readme: &str, name: &str, help: &Help) -> Vec<String> {
    let (mut problems, covered) = check_mentions(readme, name, help);
    for path in help.paths() {
        if !covered.contains(&path) {
            problems.push(format!(
                "the README never shows `{name} {}` (add it to the command list)",
                path.join(" ")
            ));
        }
    }
    for flag in ["tina-home", "claude-home", "convex-url", "convex-key"] {
        if !help.flags.contains_key(flag) {
            problems.push(format!("`{name} --help` lists no --{flag}"));
        }
    }
    problems
}

/// The repository's README.
pub fn readme() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
