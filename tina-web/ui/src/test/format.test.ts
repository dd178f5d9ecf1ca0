import { describe, expect, it } from "vitest";
import { formatAge, formatDuration, progress, segments, statusLabel } from "../format";
import { parseHash } from "../routing";

describe("formatAge and formatDuration", () => {
  const now = 1_000_000_000;
  it("reads like people talk", () => {
    expect(formatAge(now - 10_000, now)).toBe("just now");
    expect(formatAge(now - 5 * 60_000, now)).toBe("5 min ago");
    expect(formatAge(now - 3 * 3_600_000, now)).toBe("3 h ago");
    expect(formatAge(now - 3 * 86_400_000, now)).toBe("3 d ago");
    expect(formatAge(now + 60_000, now)).toBe("just now");
    expect(formatDuration(130 * 60_000)).toBe("2 h 10 min");
    expect(formatDuration(50 * 3_600_000)).toBe("2 d 2 h");
    expect(formatDuration(40_000)).toBe("40 s");
  });
});

describe("labels and progress", () => {
  it("speaks human and keeps unknown statuses", () => {
    expect(statusLabel("in_progress")).toBe("In progress");
    expect(statusLabel("completed")).toBe("Done");
    expect(statusLabel("deleted")).toBe("deleted");
  });
  it("is completed over total, in bar order", () => {
    expect(progress({ completed: 3, pending: 1 })).toEqual({ completed: 3, total: 4, percent: 75 });
    expect(progress({})).toEqual({ completed: 0, total: 0, percent: 0 });
    expect(segments({ pending: 2, weird: 1, completed: 3 }).map((s) => s.status)).toEqual(["completed", "pending", "weird"]);
  });
});

describe("parseHash", () => {
  it("maps URLs to pages with their filters", () => {
    expect(parseHash("#/")).toMatchObject({ page: "list" });
    const list = parseHash("#/?status=blocked&q=pay");
    expect(list.page === "list" && list.params.get("status")).toBe("blocked");
    const d = parseHash("#/orchestrations/abc?hide=done");
    expect(d).toMatchObject({ page: "detail", by: "id", key: "abc" });
    expect(d.page === "detail" && d.params.get("hide")).toBe("done");
    expect(parseHash("#/features/my%20feature")).toMatchObject({ page: "detail", by: "feature", key: "my feature" });
    expect(parseHash("#/features/%E0%A4%A")).toEqual({ page: "unknown", hash: "#/features/%E0%A4%A" });
    expect(parseHash("#/elsewhere")).toEqual({ page: "unknown", hash: "#/elsewhere" });
  });
});
