#!/usr/bin/env bash
# Runs every test of the project: Rust (unit, integration, conformance on SQLite and on the
# Convex double, CLI, daemon, harness scenarios with the sim and with the real Claude Code
# binary against the model double, MCP in-process and over stdio with the Python SDK,
# skills drift, MCP token budget, web API), the MCP Inspector's --strict schema check of
# tools/list, the Claude Code plugin check, Convex functions (vitest + convex-test), web
# (vitest + headless Chromium), plus format and lint checks. Installs what it needs first.
#
# Every suite runs even when an earlier one fails; the summary at the end lists each
# suite's result, and the script exits non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# The Claude Code release CI runs (tina-session's launcher supports 2.1.178 up to 2.2.0).
claude_version=2.1.332

step() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# --- requirements ----------------------------------------------------------------------
node_version=$(node --version 2>/dev/null) || die "Node.js is not installed (need >= 20.19)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js $node_version is too old: Vite 8 and Vitest 4 need >= 20.19"
command -v cargo >/dev/null || die "cargo is not installed"
command -v python3 >/dev/null || die "python3 is not installed (the MCP client test uses the official Python SDK)"

step "system packages"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  command -v chromium >/dev/null || die "Chromium is missing: apt-get install chromium (as root)"
fi
if ! command -v tmux >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null
  elif command -v sudo >/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null
  fi
fi

step "Python MCP SDK (in target/py-venv)"
venv=$root/target/py-venv
if ! "$venv/bin/python" -c 'import mcp' 2>/dev/null; then
  python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$venv/bin/python" -m pip install -q 'mcp>=2.3,<3' || die "pip install mcp failed"
fi
export PYTHON=$venv/bin/python

step "npm dependencies"
(cd convex && npm ci --no-audit --no-fund) || die "npm ci in convex/ failed"
(cd tina-web/ui && npm ci --no-audit --no-fund) || die "npm ci in tina-web/ui failed"
(cd tina-mcp/inspector && npm ci --no-audit --no-fund) || die "npm ci in tina-mcp/inspector failed"

step "Claude Code $claude_version (in target/claude-code, for the harness's claude runtime)"
# The pinned native binary: the claude runtime tests run it against the model double
# (tina-harness/tests/claude_runtime.rs finds it there; TINA_CLAUDE_BIN overrides).
claude_bin=$root/target/claude-code/node_modules/@anthropic-ai/claude-code-linux-x64/claude
if ! "$claude_bin" --version 2>/dev/null | grep -q "^$claude_version "; then
  npm install --prefix "$root/target/claude-code" --no-audit --no-fund --no-save \
    "@anthropic-ai/claude-code-linux-x64@$claude_version" || die "npm install of Claude Code $claude_version failed"
fi
"$claude_bin" --version >/dev/null || die "the installed Claude Code does not run: $claude_bin"
command -v tmux >/dev/null || die "tmux is missing (the claude runtime runs leads in tmux): apt-get install tmux"

step "web UI build (embedded into the tina-web binary)"
(cd tina-web/ui && npm run build) || die "the web UI does not build"

# --- suites ------------------------------------------------------------------------------
results=()
failed=0
suite() {
  local name=$1; shift
  step "$name"
  local start=$SECONDS
  if "$@"; then
    results+=("PASS  $name ($((SECONDS - start)) s)")
  else
    results+=("FAIL  $name ($((SECONDS - start)) s)")
    failed=1
  fi
}

suite "format (cargo fmt --check)" cargo fmt --all -- --check
suite "Claude Code plugin (claude plugin validate . --strict)" "$claude_bin" plugin validate . --strict
suite "Rust tests (cargo test --workspace)" cargo test --workspace --no-fail-fast
# Alone, after the other Rust tests: it runs `cargo build`, relinking binaries they run.
suite "rebuild_binaries (cargo build from a test, run alone)" \
  cargo test -p tina-mcp --test harness -- --ignored --exact rebuild_binaries_builds_the_fixed_list
suite "lint (cargo clippy -D warnings)" cargo clippy --workspace --all-targets -- -D warnings
suite "MCP tools/list schemas (Inspector CLI --strict: 0 errors)" \
  bash -c 'cargo build -q -p tina-mcp && home=$(mktemp -d) && cd tina-mcp/inspector &&
    TINA_HOME=$home/tina CLAUDE_HOME=$home/claude npx --no-install mcp-inspector --cli --strict \
      "$0/target/debug/tina-mcp" --method tools/list >/dev/null' "$root"
suite "Convex functions (vitest + convex-test, typecheck)" \
  bash -c 'cd convex && npm test && npm run typecheck'
suite "web UI (typecheck, vitest, headless Chromium e2e)" \
  bash -c 'cd tina-web/ui && npm run test:all'

printf '\n==> summary\n'
printf '%s\n' "${results[@]}"
if [ "$failed" -ne 0 ]; then
  echo "some suites failed"
  exit 1
fi
echo "all suites passed"
