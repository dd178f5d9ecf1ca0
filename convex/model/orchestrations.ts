// Removing an orchestration with everything that belongs to it (what SQLite's
// ON DELETE CASCADE does), used by orchestrations.remove and by a replacing create.
import type { Id } from "../_generated/dataModel";
import type { DatabaseWriter } from "../_generated/server";

/**
 * Deletes the orchestration, its phases, teams, members, task history and current
 * tasks in the calling transaction. A Convex mutation can write a bounded number of
 * documents (see the README): an orchestration with a very long history needs a
 * real deployment's limits checked before it is deleted in one go.
 */
export async function deleteOrchestrationCascade(
  db: DatabaseWriter,
  id: Id<"orchestrations">,
): Promise<void> {
  const byOrchestration = (q: any) => q.eq("orchestration_id", id);
  for (const e of await db
    .query("taskEvents")
    .withIndex("by_orchestration_id_and_recorded_at_and_sequence", byOrchestration)
    .collect()) {
    await db.delete(e._id);
  }
  for (const c of await db
    .query("currentTasks")
    .withIndex("by_orchestration_id", byOrchestration)
    .collect()) {
    await db.delete(c._id);
  }
  for (const a of await db
    .query("teamActivity")
    .withIndex("by_orchestration_id_and_recorded_at", byOrchestration)
    .collect()) {
    await db.delete(a._id);
  }
  for (const t of await db
    .query("teams")
    .withIndex("by_orchestration_id", byOrchestration)
    .collect()) {
    for (const m of await db
      .query("teamMembers")
      .withIndex("by_team_id_and_agent_name", (q) => q.eq("team_id", t._id))
      .collect()) {
      await db.delete(m._id);
    }
    await db.delete(t._id);
  }
  for (const p of await db
    .query("phases")
    .withIndex("by_orchestration_id_and_phase_number", byOrchestration)
    .collect()) {
    await db.delete(p._id);
  }
  await db.delete(id);
}
