/// <reference types="vite/client" />
// Shared by the test files: the function modules convex-test loads, a fresh in-memory
// deployment per test, and helpers for expected ConvexError codes.
import { convexTest } from "convex-test";
import { ConvexError } from "convex/values";
import { expect } from "vitest";
import schema from "../schema";

export const modules = import.meta.glob(["../*.ts", "../model/*.ts", "../_generated/*.js"]);

export function newDeployment() {
  return convexTest(schema, modules);
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
