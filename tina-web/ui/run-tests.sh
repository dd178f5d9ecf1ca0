#!/usr/bin/env bash
# Runs every tina-web UI test: typecheck, vitest component tests, then the end-to-end
# tests in real headless Chromium against the real tina-web binary (built here, with the
# freshly built UI embedded) on a temp store seeded by the `seed` example, and (the
# attention test) on a store built by the real tina-session, tina-daemon and hook payloads.
#
# Needs: Node >= 20.19 with npm, cargo, and Debian's chromium (`apt-get install -y chromium`;
# another binary via CHROMIUM_PATH). Installs node_modules with `npm ci` if they are missing.
# Screenshots: test-artifacts/web/ at the repository root.
set -euo pipefail
cd "$(dirname "$0")"

chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium_path" ]; then
  echo "run-tests.sh: no Chromium at $chromium_path; install it with 'apt-get install -y chromium' or set CHROMIUM_PATH" >&2
  exit 2
fi
if [ ! -d node_modules ]; then
  echo "== npm ci" >&2
  npm ci --no-audit --no-fund
fi

echo "== typecheck" >&2
npx tsc --noEmit
echo "== component tests (vitest)" >&2
npx vitest run
echo "== build the UI (dist/)" >&2
npx vite build --logLevel warn
echo "== build tina-web and the seed example (embeds dist/), tina-session and tina-daemon" >&2
cargo build -p tina-web --bins --examples
cargo build -p tina-session -p tina-daemon --bins
target_dir="$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
export TINA_WEB_BIN="$target_dir/debug/tina-web"
export TINA_WEB_SEED="$target_dir/debug/examples/seed"
export TINA_SESSION_BIN="$target_dir/debug/tina-session"
export TINA_DAEMON_BIN="$target_dir/debug/tina-daemon"
export CHROMIUM_PATH="$chromium_path"
echo "== end-to-end tests (headless Chromium)" >&2
node --test --test-concurrency=1 e2e/dashboard.test.mjs e2e/attention.test.mjs
