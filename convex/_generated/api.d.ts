/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * Written by hand in the shape `npx convex codegen` produces, because codegen needs a
 * deployment. Regenerate with `npx convex codegen` when one is available.
 * @module
 */

import type * as activity from "../activity.js";
import type * as admin from "../admin.js";
import type * as model_auth from "../model/auth.js";
import type * as model_currentTasks from "../model/currentTasks.js";
import type * as model_errors from "../model/errors.js";
import type * as model_functions from "../model/functions.js";
import type * as model_input from "../model/input.js";
import type * as model_orchestrations from "../model/orchestrations.js";
import type * as model_order from "../model/order.js";
import type * as model_records from "../model/records.js";
import type * as model_revision from "../model/revision.js";
import type * as model_spend from "../model/spend.js";
import type * as model_teams from "../model/teams.js";
import type * as model_validators from "../model/validators.js";
import type * as model_views from "../model/views.js";
import type * as orchestrations from "../orchestrations.js";
import type * as phases from "../phases.js";
import type * as tasks from "../tasks.js";
import type * as teamMembers from "../teamMembers.js";
import type * as teams from "../teams.js";
import type * as usage from "../usage.js";

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";

declare const fullApi: ApiFromModules<{
  activity: typeof activity;
  admin: typeof admin;
  "model/auth": typeof model_auth;
  "model/currentTasks": typeof model_currentTasks;
  "model/errors": typeof model_errors;
  "model/functions": typeof model_functions;
  "model/input": typeof model_input;
  "model/orchestrations": typeof model_orchestrations;
  "model/order": typeof model_order;
  "model/records": typeof model_records;
  "model/revision": typeof model_revision;
  "model/spend": typeof model_spend;
  "model/teams": typeof model_teams;
  "model/validators": typeof model_validators;
  "model/views": typeof model_views;
  orchestrations: typeof orchestrations;
  phases: typeof phases;
  tasks: typeof tasks;
  teamMembers: typeof teamMembers;
  teams: typeof teams;
  usage: typeof usage;
}>;

/**
 * A utility for referencing Convex functions in your app's public API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;

/**
 * A utility for referencing Convex functions in your app's internal API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = internal.myModule.myFunction;
 * ```
 */
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;

export declare const components: {};
