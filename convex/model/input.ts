// The input rules of tina-session/src/model/input.rs, in TypeScript: the functions are
// reachable without the Rust client, so they refuse what it refuses. The limits are the
// contract in tina-session/tests/vectors/validation.json (tests/input.test.ts runs every
// case in it against this module and checks LIMITS against the file). Messages are the
// Rust `InputError` texts, and the thrown ConvexError carries the variant's fields so
// `ConvexStore` rebuilds the same error.
import { ConvexError } from "convex/values";

export const LIMITS = {
  feature_name_max: 100,
  team_name_max: 128,
  agent_name_max: 128,
  session_id_max: 128,
  task_id_max: 64,
  reason_max: 2_000,
  subject_max: 1_000,
  active_form_max: 1_000,
  description_max: 64 * 1024,
  metadata_max: 16 * 1024,
  path_max: 4_096,
  branch_max: 200,
  quote_max: 120,
} as const;

/** Longest record id argument (`ID_MAX` in input.rs; not in the vectors' limits). */
export const ID_MAX = 128;

export type NameKind = "feature" | "team" | "agent";

const NAME_MAX: Record<NameKind, number> = {
  feature: LIMITS.feature_name_max,
  team: LIMITS.team_name_max,
  agent: LIMITS.agent_name_max,
};

/** UTF-8 length in bytes (Rust's `str::len`). */
export function byteLength(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

const NAME_CHARS = /^[A-Za-z0-9._-]*$/;
const SESSION_CHARS = /^[A-Za-z0-9_-]*$/;
// What `uuid::Uuid::parse_str` accepts among strings that pass the name rule.
const UUID_SHAPED = /^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

/** Why `name` breaks the naming rule, or null when it follows it (`validate_name`). */
export function nameProblem(kind: NameKind, name: string): string | null {
  if (name === "") return "it is empty";
  if (byteLength(name) > NAME_MAX[kind]) return "it is too long";
  if (!NAME_CHARS.test(name)) {
    return "it contains a character other than a letter, digit, '-', '_' or '.'";
  }
  if (name.startsWith("-") || name.startsWith(".")) return "it starts with '-' or '.'";
  if (kind === "feature" && UUID_SHAPED.test(name)) return "it is shaped like an id";
  return null;
}

/** Rust's `char::is_control`: general category Cc. */
function isControl(c: number): boolean {
  return c <= 0x1f || (c >= 0x7f && c <= 0x9f);
}

/** Control characters plus the bidi overrides and isolates (`display_safe`). */
function needsEscape(c: number): boolean {
  return isControl(c) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/** `display_safe`: control and bidi characters escaped as `\n`, `\t`, `\u{1b}`. */
export function displaySafe(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (needsEscape(c)) out += `\\u{${c.toString(16)}}`;
    else out += ch;
  }
  return out;
}

/** `quote`: escaped, at most QUOTE_MAX characters, in single quotes. */
export function quote(value: string): string {
  const chars = [...value];
  if (chars.length <= LIMITS.quote_max) return `'${displaySafe(value)}'`;
  return `'${displaySafe(chars.slice(0, LIMITS.quote_max).join(""))}…' (${chars.length} characters)`;
}

/** The `InputError` variants, as ConvexError data (`code: "input"`). */
function badName(kind: NameKind, name: string, reason: string) {
  const max = NAME_MAX[kind];
  const value = quote(name);
  return new ConvexError({
    code: "input" as const,
    error: "bad_name" as const,
    message:
      `invalid ${kind} name ${value}: ${reason}; use 1-${max} ASCII letters, digits, '-', '_' ` +
      `or '.', not starting with '-' or '.'`,
    kind,
    value,
    reason,
    max: BigInt(max),
  });
}

function tooLong(field: string, len: number, max: number, text: string) {
  const value = quote(text);
  return new ConvexError({
    code: "input" as const,
    error: "too_long" as const,
    message: `${field} is ${len} bytes, more than the limit of ${max}: ${value}`,
    field,
    len: BigInt(len),
    max: BigInt(max),
    value,
  });
}

function badValue(field: string, text: string, reason: string) {
  const value = quote(text);
  return new ConvexError({
    code: "input" as const,
    error: "bad_value" as const,
    message: `${field} ${value} is not valid: ${reason}`,
    field,
    value,
    reason,
  });
}

export function validateName(kind: NameKind, name: string): void {
  const reason = nameProblem(kind, name);
  if (reason !== null) throw badName(kind, name, reason);
}

export function checkLen(field: string, value: string, max: number): void {
  const len = byteLength(value);
  if (len > max) throw tooLong(field, len, max, value);
}

export function validateSessionId(id: string): void {
  checkLen("session id", id, LIMITS.session_id_max);
  if (id === "" || !SESSION_CHARS.test(id)) {
    throw badValue("session id", id, "use 1-128 ASCII letters, digits, '-' or '_' (Claude Code uses UUIDs)");
  }
}

export function validateTaskId(id: string): void {
  checkLen("task id", id, LIMITS.task_id_max);
  if (id === "" || id.startsWith(".") || !NAME_CHARS.test(id)) {
    throw badValue("task id", id, "use 1-64 ASCII letters, digits, '-', '_' or '.', not starting with '.'");
  }
}

// Rust's `char::is_whitespace` (the Unicode White_Space property).
const WHITESPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;

/** `validate_branch`: what `git check-ref-format --branch` refuses, and bounded. */
export function validateBranch(branch: string): void {
  checkLen("branch", branch, LIMITS.branch_max);
  let reason: string | null = null;
  if (branch === "") reason = "it is empty";
  else if (branch.startsWith("-") || branch.startsWith("/")) reason = "it starts with '-' or '/'";
  else if (branch.includes("..") || branch.includes("@{") || branch.includes("//")) {
    reason = "it contains '..', '@{' or '//'";
  } else if ([...branch].some((ch) => WHITESPACE.test(ch) || isControl(ch.codePointAt(0)!) || "~^:?*[\\".includes(ch))) {
    reason = "it contains whitespace, a control character or one of ~ ^ : ? * [ \\";
  } else if (branch.endsWith("/") || branch.endsWith(".") || branch.endsWith(".lock") || branch === "@") {
    reason = "it ends with '/', '.' or '.lock', or is '@'";
  }
  if (reason !== null) throw badValue("branch", branch, reason);
}

/** True when `f` throws (for the vectors test): the rule refuses the input. */
export function refuses(f: () => void): boolean {
  try {
    f();
    return false;
  } catch (err) {
    if (err instanceof ConvexError) return true;
    throw err;
  }
}
