import { describe, expect, it } from "vitest";
import { formatAge, progress } from "../format";
import { parseHash } from "../routing";

describe("formatAge", () => {
  const now = 1_000_000_000;
  it("reads like people talk", () => {
    expect(formatAge(now - 10_000, now)).toBe("just now");
    expect(formatAge(now - 5 * 60_000, now)).toBe("5 min ago");
    expect(formatAge(now - 3 * 3_600_000, now)).toBe("3 h ago");
    expect(formatAge(now - 3 * 86_400_000, now)).toBe("3 d ago");
    expect(formatAge(now + 60_000, now)).toBe("just now");
  });
});

describe("progress", () => {
  it("is completed over total", () => {
    expect(progress({ completed: 3, pending: 1 }, 4)).toEqual({ completed: 3, total: 4, percent: 75 });
    expect(progress({}, 0)).toEqual({ completed: 0, total: 0, percent: 0 });
  });
});

describe("parseHash", () => {
  it("maps URLs to pages", () => {
    expect(parseHash("")).toEqual({ page: "list" });
    expect(parseHash("#/")).toEqual({ page: "list" });
    expect(parseHash("#/orchestrations/abc")).toEqual({ page: "detail", by: "id", key: "abc" });
    expect(parseHash("#/features/my%20feature")).toEqual({ page: "detail", by: "feature", key: "my feature" });
    expect(parseHash("#/features/%E0%A4%A")).toEqual({ page: "unknown", hash: "#/features/%E0%A4%A" });
    expect(parseHash("#/elsewhere")).toEqual({ page: "unknown", hash: "#/elsewhere" });
  });
});
