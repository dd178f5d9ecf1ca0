// A status shown verbatim. Known statuses get a colour; anything else (a status TINA
// does not know yet) is shown as reported, in a neutral style, never hidden.
const KNOWN = new Set([
  "pending",
  "in_progress",
  "completed",
  "planning",
  "executing",
  "reviewing",
  "complete",
  "blocked",
]);

export function StatusBadge({ status }: { status: string }) {
  const tone = KNOWN.has(status) ? status : "other";
  return (
    <span className={`badge badge-${tone}`} data-status={status}>
      {status}
    </span>
  );
}
