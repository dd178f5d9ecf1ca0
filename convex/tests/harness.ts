/// <reference types="vite/client" />
// Shared by the test files: the function modules convex-test loads, a fresh in-memory
// deployment per test whose calls carry the deployment key, paged reads gathered whole,
// and helpers for expected ConvexError codes.
import { convexTest } from "convex-test";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { ConvexError } from "convex/values";
import { expect } from "vitest";
import { api } from "../_generated/api";
import schema from "../schema";

export const modules = import.meta.glob(["../*.ts", "../model/*.ts", "../_generated/*.js"]);

/** The deployment key the tests' deployments hold (TINA_CONVEX_KEY). */
export const KEY = "test-key-0123456789abcdef0123456789abcdef";

type Args<F extends FunctionReference<any>> = Omit<FunctionArgs<F>, "key">;

/** A deployment with TINA_CONVEX_KEY set; `query`/`mutation` send the key. */
export function newDeployment(extraModules: Record<string, () => Promise<any>> = {}) {
  process.env.TINA_CONVEX_KEY = KEY;
  const raw = convexTest(schema, { ...modules, ...extraModules });
  return {
    raw,
    run: raw.run.bind(raw),
    query: <F extends FunctionReference<"query">>(f: F, args: Args<F>): Promise<FunctionReturnType<F>> =>
      (raw.query as any)(f, { ...args, key: KEY }),
    mutation: <F extends FunctionReference<"mutation">>(f: F, args: Args<F>): Promise<FunctionReturnType<F>> =>
      (raw.mutation as any)(f, { ...args, key: KEY }),
  };
}

export type Deployment = ReturnType<typeof newDeployment>;

/** Every current task of an orchestration, page by page, sorted as the Rust reader sorts. */
export async function allCurrentTasks(t: Deployment, orchestration_id: string, page_size = 1000n) {
  const tasks = [];
  let cursor: string | null = null;
  for (;;) {
    const page: FunctionReturnType<typeof api.tasks.getCurrentTasksPage> = await t.query(
      api.tasks.getCurrentTasksPage,
      { orchestration_id, cursor, page_size },
    );
    tasks.push(...page.page);
    if (page.isDone) break;
    cursor = page.continueCursor;
  }
  const { compareCurrentTasks } = await import("../model/currentTasks");
  return tasks.sort(compareCurrentTasks);
}

/** The whole history of an orchestration, page by page. */
export async function allEvents(t: Deployment, orchestration_id: string, page_size = 1000n) {
  const events = [];
  let cursor: string | null = null;
  for (;;) {
    const page: FunctionReturnType<typeof api.tasks.listTaskEventsPage> = await t.query(
      api.tasks.listTaskEventsPage,
      { orchestration_id, cursor, page_size },
    );
    events.push(...page.page);
    if (page.isDone) break;
    cursor = page.continueCursor;
  }
  return events;
}

/** Awaits `promise`, expecting a ConvexError with this code; returns its data. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<Record<string, unknown>> {
  let thrown: unknown = undefined;
  try {
    await promise;
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `expected a ConvexError with code ${code}`).toBeInstanceOf(ConvexError);
  const data = (thrown as ConvexError<any>).data as Record<string, unknown>;
  expect(data.code).toBe(code);
  expect(typeof data.message).toBe("string");
  return data;
}
