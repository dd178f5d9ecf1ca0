// The store revision: a counter every mutation bumps, so live views can poll one number.
// Every write touches this one document, so concurrent writers serialize on it; Convex
// retries the losers of that optimistic-concurrency race, which is what SQLite's single
// writer does too.
import type { DatabaseReader, DatabaseWriter } from "../_generated/server";

const NAME = "revision";

export async function readRevision(db: DatabaseReader): Promise<bigint> {
  const row = await db
    .query("counters")
    .withIndex("by_name", (q) => q.eq("name", NAME))
    .unique();
  return row?.value ?? 0n;
}

export async function bumpRevision(db: DatabaseWriter): Promise<void> {
  const row = await db
    .query("counters")
    .withIndex("by_name", (q) => q.eq("name", NAME))
    .unique();
  if (row === null) await db.insert("counters", { name: NAME, value: 1n });
  else await db.patch(row._id, { value: row.value + 1n });
}
