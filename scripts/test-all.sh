#!/usr/bin/env bash
# Runs every test of the project: Rust (unit, integration, conformance on SQLite and on the
# Convex double, CLI, daemon, harness scenarios, MCP in-process and over stdio with the
# Python SDK, skills drift), Convex functions (vitest + convex-test), web (vitest +
# headless Chromium). Installs what it needs first. Fails on the first failing suite.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "system packages"
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
python3 -c 'import mcp' 2>/dev/null || python3 -m pip install -q mcp

step "npm dependencies"
(cd convex && npm ci --no-audit --no-fund)
(cd tina-web/ui && npm ci --no-audit --no-fund)

step "web UI build"
(cd tina-web/ui && npm run build)

step "Rust build"
cargo build --workspace --all-targets

step "Rust tests"
cargo test --workspace --no-fail-fast

step "Convex function tests"
(cd convex && npm test && npm run typecheck)

step "web tests (components + headless Chromium)"
(cd tina-web/ui && npm run test:all)

echo
echo "all suites passed"
