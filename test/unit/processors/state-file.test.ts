import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadStateFile, saveStateFile, saveStateFileAsync } from "../../../processors/state-file.js";

describe("state file", () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-state-"));

  test("round-trips positions and state, and is absent before the first save", () => {
    const path = join(dir, "state.json");
    expect(loadStateFile(path)).toBeNull();
    const state = {
      version: 1 as const,
      savedAt: new Date(0).toISOString(),
      positions: [{ sourceId: "abc", path: "/var/log/maillog", inode: 7, offset: 1234 }],
      accountIps: null,
    };
    saveStateFile(path, state);
    expect(loadStateFile(path)).toEqual(state);
  });

  test("the asynchronous save writes the same file", async () => {
    const path = join(dir, "state-async.json");
    const state = {
      version: 1 as const,
      savedAt: new Date(0).toISOString(),
      positions: [{ sourceId: "abc", path: "/var/log/maillog", inode: 7, offset: 99 }],
      accountIps: null,
    };
    await saveStateFileAsync(path, state);
    expect(loadStateFile(path)).toEqual(state);
    expect(readdirSync(dir).filter((name) => name.includes(".tmp-"))).toEqual([]);
  });

  test("a damaged file is refused with what to do", () => {
    const path = join(dir, "damaged.json");
    writeFileSync(path, "{ not json");
    expect(() => loadStateFile(path)).toThrow(/state file .* is damaged/);
    try {
      loadStateFile(path);
    } catch (error) {
      expect((error as { hint?: string }).hint).toContain(`mv ${path}`);
    }
  });
});
