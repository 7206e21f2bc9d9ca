import { describe, expect, test } from "vitest";
import { resolveSince } from "../../../cli/parse-since.js";

const newest = Date.UTC(2026, 10, 24, 12, 0, 0);
const store = async () => newest;

describe("--since", () => {
  test("all means no bound", async () => {
    expect(await resolveSince("all", store)).toBeNull();
  });
  test("a duration counts back from the newest event stored, not from now", async () => {
    expect(await resolveSince("24h", store)).toBe(newest - 86_400_000);
    expect(await resolveSince("90m", store)).toBe(newest - 5_400_000);
  });
  test("a duration over an empty store means everything", async () => {
    expect(await resolveSince("1h", async () => null)).toBeNull();
  });
  test("timestamps are UTC unless they name a zone", async () => {
    expect(await resolveSince("2026-11-24 08:00", store)).toBe(Date.UTC(2026, 10, 24, 8, 0));
    expect(await resolveSince("2026-11-24T08:00:00+02:00", store)).toBe(Date.UTC(2026, 10, 24, 6, 0));
    expect(await resolveSince("2026-11-24", store)).toBe(Date.UTC(2026, 10, 24));
  });
  test("anything else is refused with what is allowed", async () => {
    await expect(resolveSince("yesterday", store)).rejects.toThrow(/neither "all", a duration nor a timestamp/);
  });
});
