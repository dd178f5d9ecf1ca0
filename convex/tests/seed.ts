// Test data at scale, written straight into the tables: convex-test's in-memory backend
// scans every document of the deployment for each index lookup, so recording tens of
// thousands of events through tasks.recordTaskEvents takes quadratic time there (a real
// deployment's indexes do not). The rows are exactly what recordTaskEvents writes for new
// tasks (history, current state, counts, last activity); what is tested is how they are READ
// (tasks.getCurrentTasksPage, listTaskEventsPage, orchestrations.remove). Used by the
// vitest suite and by the Rust suite through the double (double/server.ts).
import type { GenericMutationCtx } from "convex/server";
import type { DataModel, Id } from "../_generated/dataModel";
import { noteTaskActivity } from "../model/revision";

type Ctx = Pick<GenericMutationCtx<DataModel>, "db">;

/** Inserts tasks "1".."count" of `team_id`, each with one pending event. */
export async function seedTasks(
  ctx: Ctx,
  team_id: Id<"teams">,
  count: number,
  description = "",
): Promise<void> {
  const team = await ctx.db.get(team_id);
  if (team === null) throw new Error(`seedTasks: no team ${team_id}`);
  for (let i = 1; i <= count; i++) {
    const content = {
      subject: `task ${i}`,
      description,
      status: "pending",
      owner: null,
      blocked_by: [],
      metadata: "{}",
      recorded_at: 1n,
      sequence: 1n,
    };
    const task = { team_id, task_id: String(i), orchestration_id: team.orchestration_id };
    await ctx.db.insert("taskEvents", { ...task, phase_number: team.phase_number, ...content });
    await ctx.db.insert("currentTasks", { ...task, ...content });
  }
  await noteTaskActivity(ctx.db, team.orchestration_id, 1n);
  const counts = await ctx.db
    .query("taskCounts")
    .withIndex("by_orchestration_id_and_status", (q) =>
      q.eq("orchestration_id", team.orchestration_id).eq("status", "pending"),
    )
    .unique();
  if (counts === null) {
    await ctx.db.insert("taskCounts", { orchestration_id: team.orchestration_id, status: "pending", count: BigInt(count) });
  } else {
    await ctx.db.patch(counts._id, { count: counts.count + BigInt(count) });
  }
}
