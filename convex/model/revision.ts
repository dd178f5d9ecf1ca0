// Revisions without a global hot spot. Each orchestration has its own revision document
// (`orchestrationRevisions`), bumped by every mutation that changes anything belonging to
// that orchestration, so writers working on different orchestrations never write the
// same document and Convex's optimistic concurrency never makes them retry each other.
//
// The store-wide revision is the sum of all those documents. A removed orchestration
// keeps its document as a tombstone (`deleted: true`), bumped once more by the removal,
// so the sum still grows on a delete and never goes back. Reading it costs one small
// document per orchestration ever created (see README "Limits designed for").
import type { Id } from "../_generated/dataModel";
import type { DatabaseReader, DatabaseWriter } from "../_generated/server";

async function revisionDoc(db: DatabaseReader, orchestration_id: Id<"orchestrations">) {
  return await db
    .query("orchestrationRevisions")
    .withIndex("by_orchestration_id", (q) => q.eq("orchestration_id", orchestration_id))
    .unique();
}

/** The orchestration's revision (0 before its first write). */
export async function readOrchestrationRevision(
  db: DatabaseReader,
  orchestration_id: Id<"orchestrations">,
): Promise<bigint> {
  return (await revisionDoc(db, orchestration_id))?.value ?? 0n;
}

/** The store-wide revision: grows with every mutation, whatever it touched. */
export async function readRevision(db: DatabaseReader): Promise<bigint> {
  let sum = 0n;
  for await (const row of db.query("orchestrationRevisions")) sum += row.value;
  return sum;
}

/** Bumps the revision of every orchestration in `ids` (once each). */
export async function bumpRevisions(
  db: DatabaseWriter,
  ids: Iterable<Id<"orchestrations">>,
  deleted = false,
): Promise<void> {
  for (const id of new Set(ids)) {
    const row = await revisionDoc(db, id);
    if (row === null) await db.insert("orchestrationRevisions", { orchestration_id: id, value: 1n, deleted });
    else await db.patch(row._id, { value: row.value + 1n, deleted });
  }
}

/** Raises the orchestration's last task activity to `at` (kept on its revision document). */
export async function noteTaskActivity(
  db: DatabaseWriter,
  id: Id<"orchestrations">,
  at: bigint,
): Promise<void> {
  const row = await revisionDoc(db, id);
  if (row === null) {
    await db.insert("orchestrationRevisions", { orchestration_id: id, value: 0n, deleted: false, last_task_at: at });
  } else if ((row.last_task_at ?? null) === null || row.last_task_at! < at) {
    await db.patch(row._id, { last_task_at: at });
  }
}

/** The last task activity of every orchestration that has tasks. */
export async function readTaskActivity(db: DatabaseReader): Promise<{ orchestration_id: Id<"orchestrations">; at: bigint }[]> {
  const out = [];
  for await (const row of db.query("orchestrationRevisions")) {
    if (!row.deleted && row.last_task_at !== undefined && row.last_task_at !== null) {
      out.push({ orchestration_id: row.orchestration_id, at: row.last_task_at });
    }
  }
  return out;
}

export async function bumpRevision(db: DatabaseWriter, id: Id<"orchestrations">): Promise<void> {
  await bumpRevisions(db, [id]);
}

/** Marks a removed orchestration's revision document as a tombstone, bumping it. */
export async function retireRevision(db: DatabaseWriter, id: Id<"orchestrations">): Promise<void> {
  await bumpRevisions(db, [id], true);
}
