// A status in words people use ("In progress", "Done"). Known statuses get a colour;
// anything else (a status TINA does not know yet) is shown as reported, in a neutral
// style, never hidden.
import { isKnownStatus, statusLabel } from "../format";

export function StatusBadge({ status }: { status: string }) {
  const tone = isKnownStatus(status) ? status : "other";
  return (
    <span className={`badge badge-${tone}`} data-status={status}>
      {statusLabel(status)}
    </span>
  );
}
