/// <reference types="vite/client" />
// Authentication: every public function, found by enumerating the exports of every
// function module (so a new function is covered the day it is added), refuses a call
// without the deployment key, with a wrong key, and on a deployment that has no key set,
// with `ConvexError({code: "unauthorized"})`, before its handler runs. A function built
// with the raw builders instead of model/functions.ts fails this test: the last test
// proves the check catches one.
import { queryGeneric } from "convex/server";
import { ConvexError, v } from "convex/values";
import { makeFunctionReference } from "convex/server";
import { afterEach, describe, expect, test } from "vitest";
import { constantTimeEqual, MIN_KEY_LENGTH } from "../model/auth";
import { KEY, newDeployment } from "./harness";

const sources = import.meta.glob("../*.ts", { eager: true }) as Record<string, Record<string, any>>;

type PublicFunction = { path: string; kind: "query" | "mutation" | "action"; fn: any };

/** Every public function exported by a function module, as `module:name`. */
function publicFunctions(mods: Record<string, Record<string, any>>): PublicFunction[] {
  const out: PublicFunction[] = [];
  for (const [file, exports] of Object.entries(mods)) {
    const module = file.replace(/^\.\.\//, "").replace(/\.ts$/, "");
    for (const [name, fn] of Object.entries(exports)) {
      if (fn === null || typeof fn !== "function" || !fn.isPublic) continue;
      const kind = fn.isQuery ? "query" : fn.isMutation ? "mutation" : "action";
      out.push({ path: `${module}:${name}`, kind, fn });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** A value that passes validator `json` (the exported args format), so only auth can refuse. */
function sample(json: any): unknown {
  switch (json.type) {
    case "string":
      return "x";
    case "int64":
    case "bigint":
      return 1n;
    case "number":
    case "float64":
      return 1;
    case "boolean":
      return false;
    case "null":
      return null;
    case "any":
      return null;
    case "literal":
      return json.value;
    case "id":
      return "x";
    case "array":
      return [];
    case "record":
      return {};
    case "union":
      return sample(json.value[0]);
    case "object": {
      const obj: Record<string, unknown> = {};
      for (const [k, field] of Object.entries<any>(json.value)) {
        if (!field.optional) obj[k] = sample(field.fieldType);
      }
      return obj;
    }
    default:
      throw new Error(`no sample for validator type ${json.type}`);
  }
}

function argsFor(fn: any, key: string | undefined): Record<string, unknown> {
  const args = sample(JSON.parse(fn.exportArgs())) as Record<string, unknown>;
  return key === undefined ? args : { ...args, key };
}

/** The ConvexError code a call fails with, or "ok" / the plain error text. */
async function outcome(t: ReturnType<typeof newDeployment>, f: PublicFunction, args: Record<string, unknown>) {
  try {
    const ref = makeFunctionReference<any>(f.path);
    if (f.kind === "query") await t.raw.query(ref, args);
    else if (f.kind === "mutation") await t.raw.mutation(ref, args);
    else await t.raw.action(ref, args);
    return "ok";
  } catch (err) {
    return err instanceof ConvexError ? (err.data as any).code : `error: ${String(err)}`;
  }
}

const functions = publicFunctions(sources);

afterEach(() => {
  process.env.TINA_CONVEX_KEY = KEY;
});

test("the enumeration finds every module's functions", () => {
  const modules = new Set(functions.map((f) => f.path.split(":")[0]));
  expect([...modules].sort()).toEqual(["activity", "admin", "orchestrations", "phases", "tasks", "teamMembers", "teams", "usage"]);
  expect(functions.length).toBeGreaterThanOrEqual(20);
  for (const f of functions) expect(f.kind, f.path).not.toBe("action");
});

describe.each(functions.map((f) => [f.path, f] as const))("%s", (_path, f) => {
  test("refuses a missing key, a wrong key and a deployment without a key", async () => {
    const t = newDeployment();
    expect(await outcome(t, f, argsFor(f.fn, undefined))).toBe("unauthorized");
    expect(await outcome(t, f, argsFor(f.fn, ""))).toBe("unauthorized");
    expect(await outcome(t, f, argsFor(f.fn, KEY.slice(0, -1) + "X"))).toBe("unauthorized");
    expect(await outcome(t, f, argsFor(f.fn, KEY + "X"))).toBe("unauthorized");
    process.env.TINA_CONVEX_KEY = "";
    expect(await outcome(t, f, argsFor(f.fn, ""))).toBe("unauthorized");
    process.env.TINA_CONVEX_KEY = KEY.slice(0, MIN_KEY_LENGTH - 1);
    expect(await outcome(t, f, argsFor(f.fn, KEY.slice(0, MIN_KEY_LENGTH - 1)))).toBe("unauthorized");
    process.env.TINA_CONVEX_KEY = KEY;
    // Nothing was written by the refused calls.
    const written = await t.run(async (ctx) => (await ctx.db.query("orchestrationRevisions").collect()).length);
    expect(written).toBe(0);
    // With the key, the call gets past the check (to its handler, or its own refusal).
    expect(await outcome(t, f, argsFor(f.fn, KEY))).not.toBe("unauthorized");
  });
});

test("an unwrapped function fails the check", async () => {
  const raw = queryGeneric({ args: { x: v.optional(v.string()) }, returns: v.null(), handler: async () => null });
  const probe = { raw };
  const t = newDeployment({ "../probe.ts": async () => probe });
  const [f] = publicFunctions({ "../probe.ts": probe });
  expect(f.path).toBe("probe:raw");
  expect(await outcome(t, f, argsFor(f.fn, "wrong"))).not.toBe("unauthorized");
});

test("the key comparison is exact", () => {
  expect(constantTimeEqual(KEY, KEY)).toBe(true);
  for (const other of ["", KEY.slice(1), KEY + "a", KEY.toUpperCase(), "a".repeat(KEY.length)]) {
    expect(constantTimeEqual(other, KEY), other).toBe(false);
  }
  expect(constantTimeEqual("é", "é")).toBe(true);
  expect(constantTimeEqual("", "")).toBe(true);
});
