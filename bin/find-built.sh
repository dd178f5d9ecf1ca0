# Sourced by the plugin's launchers (bin/tina-mcp, bin/tina-session): finds the built
# TINA binary `$name` and execs it with the launcher's arguments. It never compiles: a
# first `cargo` build outlasts Claude Code's time limits, and an agent's environment may
# have no Rust toolchain. Order: the variable named by `$override`; the newer of this
# checkout's target/release and target/debug builds; `$name` on PATH (minus this bin/,
# which Claude Code puts on PATH). Missing: says how to build it, exits `$missing_exit`.
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
pick=
eval "given=\${$override:-}"
if [ -n "$given" ]; then
  [ -x "$given" ] || { echo "$name: $override=$given is not an executable file" >&2; exit "$missing_exit"; }
  pick=$given
else
  for candidate in "$root/target/release/$name" "$root/target/debug/$name"; do
    [ -x "$candidate" ] || continue
    if [ -z "$pick" ] || [ "$candidate" -nt "$pick" ]; then pick=$candidate; fi
  done
  if [ -z "$pick" ]; then
    old_ifs=$IFS; IFS=:
    for dir in $PATH; do
      [ -n "$dir" ] && [ "$dir" != "$root/bin" ] && [ -x "$dir/$name" ] || continue
      [ "$(CDPATH= cd -- "$dir" 2>/dev/null && pwd)" = "$root/bin" ] && continue
      pick=$dir/$name; break
    done
    IFS=$old_ifs
  fi
fi
if [ -z "$pick" ]; then
  echo "$name is not built. Build it once with: cargo build --release -p $name --manifest-path \"$root/Cargo.toml\" (or put $name on PATH, or set $override)" >&2
  exit "$missing_exit"
fi
exec "$pick" "$@"
