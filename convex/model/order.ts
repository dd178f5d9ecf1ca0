// Orderings identical to the Rust side's: strings by code point (what Rust's `str::cmp`
// and SQLite's BINARY collation do on UTF-8), task ids numerically when both are u64,
// and `null` phase numbers first.

export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

const U64_MAX = (1n << 64n) - 1n;

/** Rust's `str::parse::<u64>`: ASCII digits with an optional leading `+`, in range. */
function parseU64(s: string): bigint | null {
  if (!/^\+?[0-9]+$/.test(s)) return null;
  const n = BigInt(s);
  return n <= U64_MAX ? n : null;
}

/** `task_id_order`: numeric ids by value ("2" before "10"), then the rest by text. */
export function compareTaskIds(a: string, b: string): number {
  const x = parseU64(a);
  const y = parseU64(b);
  if (x !== null && y !== null) return x < y ? -1 : x > y ? 1 : 0;
  if (x !== null) return -1;
  if (y !== null) return 1;
  return compareStrings(a, b);
}

export function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `Option<u32>` ordering: `None` first. */
export function comparePhases(a: bigint | null, b: bigint | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return compareBigints(a, b);
}
