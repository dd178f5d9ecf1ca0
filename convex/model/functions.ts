// The only query and mutation builders the public modules use: Convex's, wrapped
// (convex-helpers' custom functions) so that every public function takes the deployment
// key as its `key` argument and checks it before its own handler runs. The handler
// never sees `key`. tests/auth.test.ts enumerates every exported function and proves
// each one refuses a missing or wrong key, so a function built with the raw builders
// from _generated/server fails that test.
import { customMutation, customQuery } from "convex-helpers/server/customFunctions";
import { v } from "convex/values";
import { mutation as rawMutation, query as rawQuery } from "../_generated/server";
import { requireKey } from "./auth";

const keyed = {
  args: { key: v.optional(v.string()) },
  input: async (_ctx: unknown, { key }: { key?: string }) => {
    requireKey(key);
    return { ctx: {}, args: {} };
  },
};

export const query = customQuery(rawQuery, keyed);
export const mutation = customMutation(rawMutation, keyed);
