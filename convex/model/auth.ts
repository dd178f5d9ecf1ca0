// The deployment key check every public function goes through (see model/functions.ts).
// Callers present the key as the `key` argument; the deployment holds it in its
// TINA_CONVEX_KEY environment variable (`npx convex env set TINA_CONVEX_KEY ...`). A
// missing or wrong key, or a deployment without a key, is `ConvexError({code:
// "unauthorized"})`, and nothing about the key is echoed back.
import { ConvexError } from "convex/values";

/** Shortest deployment key accepted: a short key is refused as if none were set. */
export const MIN_KEY_LENGTH = 32;

export function unauthorized(message: string) {
  return new ConvexError({ code: "unauthorized" as const, message });
}

/**
 * Compares two strings in time that depends only on the length of `expected` (the
 * deployment's key), never on where `given` first differs: every byte is compared and
 * the differences are OR-ed together.
 */
export function constantTimeEqual(given: string, expected: string): boolean {
  const a = new TextEncoder().encode(given);
  const b = new TextEncoder().encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a.length === 0 ? 0 : a[i % a.length]) ^ b[i];
  return diff === 0;
}

/** Throws `unauthorized` unless `given` is the deployment's key. */
export function requireKey(given: string | undefined): void {
  const expected = process.env.TINA_CONVEX_KEY ?? "";
  if (expected.length < MIN_KEY_LENGTH) {
    throw unauthorized(
      `this deployment has no usable TINA_CONVEX_KEY (it needs at least ${MIN_KEY_LENGTH} ` +
        "characters); set one with `npx convex env set TINA_CONVEX_KEY <key>` and give " +
        "the same key to TINA (TINA_CONVEX_KEY, convex_key in config.toml, or --convex-key)",
    );
  }
  if (given === undefined || given === "") {
    throw unauthorized(
      "no deployment key was sent; set TINA_CONVEX_KEY (or convex_key in " +
        "$TINA_HOME/config.toml, or --convex-key) to the deployment's key",
    );
  }
  if (!constantTimeEqual(given, expected)) {
    throw unauthorized(
      "the deployment key does not match this deployment's TINA_CONVEX_KEY; check " +
        "TINA_CONVEX_KEY (or convex_key in $TINA_HOME/config.toml, or --convex-key)",
    );
  }
}
