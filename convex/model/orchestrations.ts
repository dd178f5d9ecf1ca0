// Removing an orchestration with everything that belongs to it (what SQLite's
// ON DELETE CASCADE does), used by orchestrations.remove and by a replacing create.
//
// A Convex transaction reads and writes a bounded number of documents and bytes, and an
// orchestration's history can be far larger, so the cascade works in budgeted steps: each
// call deletes at most REMOVE_BUDGET documents (history first, the orchestration record
// last) and says whether it finished. `orchestrations.remove` is called again until it
// has; `ConvexStore::delete_orchestration` does that loop.
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseWriter } from "../_generated/server";
import { byteLength } from "./input";
import { retireRevision } from "./revision";

/** Most documents one cascade step deletes, and most bytes of them it reads. */
export const REMOVE_BUDGET = { documents: 4_000, bytes: 4 * 1024 * 1024 } as const;

type Budget = { documents: number; bytes: number };

function approximateSize(doc: Record<string, unknown>): number {
  let n = 100;
  for (const value of Object.values(doc)) {
    if (typeof value === "string") n += byteLength(value);
    else if (Array.isArray(value)) n += value.reduce((s: number, x) => s + (typeof x === "string" ? byteLength(x) : 8), 0);
  }
  return n;
}

/**
 * Deletes what `read(n)` returns (at most n documents, read before any is deleted) while
 * the budget lasts; true when nothing of it is left.
 */
async function spend(db: DatabaseWriter, read: (n: number) => Promise<Doc<any>[]>, budget: Budget): Promise<boolean> {
  if (budget.documents <= 0 || budget.bytes <= 0) return false;
  const docs = await read(budget.documents + 1);
  for (const doc of docs) {
    if (budget.documents <= 0 || budget.bytes <= 0) return false;
    budget.documents -= 1;
    budget.bytes -= approximateSize(doc);
    await db.delete(doc._id);
  }
  return true;
}

/**
 * Deletes the orchestration's history, current tasks, counts, team activity, members, teams and phases,
 * then the orchestration itself (its revision kept as a tombstone), in the calling
 * transaction, within `budget`. Returns true when the orchestration is gone.
 */
export async function deleteOrchestrationCascade(
  db: DatabaseWriter,
  id: Id<"orchestrations">,
  budget: Budget = { ...REMOVE_BUDGET },
): Promise<boolean> {
  const byOrchestration = (q: any) => q.eq("orchestration_id", id);
  const steps: ((n: number) => Promise<Doc<any>[]>)[] = [
    (n) => db.query("taskEvents").withIndex("by_orchestration_id_and_recorded_at_and_sequence", byOrchestration).take(n),
    (n) => db.query("currentTasks").withIndex("by_orchestration_id", byOrchestration).take(n),
    (n) => db.query("taskCounts").withIndex("by_orchestration_id_and_status", byOrchestration).take(n),
    (n) => db.query("teamActivity").withIndex("by_orchestration_id_and_recorded_at", byOrchestration).take(n),
    (n) => db.query("usageMessages").withIndex("by_orchestration_id", byOrchestration).take(n),
    (n) => db.query("usageTotals").withIndex("by_orchestration_id", byOrchestration).take(n),
    (n) => db.query("budgets").withIndex("by_orchestration_id_and_scope", byOrchestration).take(n),
    (n) => db.query("attentionEvents").withIndex("by_orchestration_id_and_created_at", byOrchestration).take(n),
    (n) => membersOfOrchestration(db, id, n),
    (n) => db.query("teams").withIndex("by_orchestration_id", byOrchestration).take(n),
    (n) => db.query("phases").withIndex("by_orchestration_id_and_phase_number", byOrchestration).take(n),
    (n) => db.query("phaseHistory").withIndex("by_orchestration_id_and_at", byOrchestration).take(n),
  ];
  for (const step of steps) {
    if (!(await spend(db, step, budget))) return false;
  }
  await db.delete(id);
  await retireRevision(db, id);
  return true;
}

async function membersOfOrchestration(db: DatabaseWriter, id: Id<"orchestrations">, n: number) {
  const members: Doc<"teamMembers">[] = [];
  const teams = await db.query("teams").withIndex("by_orchestration_id", (q) => q.eq("orchestration_id", id)).collect();
  for (const team of teams) {
    if (members.length >= n) break;
    const some = await db
      .query("teamMembers")
      .withIndex("by_team_id_and_agent_name", (q) => q.eq("team_id", team._id))
      .take(n - members.length);
    members.push(...some);
  }
  return members;
}
