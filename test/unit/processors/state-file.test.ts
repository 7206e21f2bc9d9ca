import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadStateFile, prepareFileReplacement, saveStateFile } from "../../../processors/state-file.js";

describe("state file", () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-state-"));

  test("round-trips positions and state, and is absent before the first save", async () => {
    const path = join(dir, "state.json");
    expect(loadStateFile(path)).toBeNull();
    const state = {
      version: 1 as const,
      savedAt: new Date(0).toISOString(),
      positions: [{ sourceId: "abc", path: "/var/log/maillog", inode: 7, offset: 1234 }],
      accountIps: null,
    };
    await saveStateFile(path, state);
    expect(loadStateFile(path)).toEqual(state);
    expect(readdirSync(dir).filter((name) => name.includes(".tmp-"))).toEqual([]);
  });

  test("saves of one file asked at once land in order: the last one stays, whole", async () => {
    const path = join(dir, "concurrent.json");
    const state = (offset: number) => ({
      version: 1 as const,
      savedAt: new Date(0).toISOString(),
      positions: [{ sourceId: "abc", path: "/var/log/maillog", inode: 7, offset }],
      accountIps: null,
    });
    await Promise.all(Array.from({ length: 20 }, (_, offset) => saveStateFile(path, state(offset))));
    expect(loadStateFile(path)).toEqual(state(19));
    expect(readdirSync(dir).filter((name) => name.includes(".tmp-"))).toEqual([]);
  });

  test("a prepared replacement is written beside the file at once and takes its place only at commit", async () => {
    const path = join(dir, "prepared.json");
    writeFileSync(path, "old");
    const prepared = prepareFileReplacement(path, "new");
    // Written and synced meanwhile: the temporary file holds the new text, the file still the old one.
    for (let wait = 0; wait < 200 && !readdirSync(dir).some((name) => name.startsWith("prepared.json.tmp-")); wait++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(readFileSync(path, "utf8")).toBe("old");
    // A later write of the same file waits for the decision, and lands after it.
    const later = saveStateFile(path, {
      version: 1,
      savedAt: new Date(0).toISOString(),
      positions: [],
      accountIps: null,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(readFileSync(path, "utf8")).toBe("old");
    await prepared.commit();
    expect(readFileSync(path, "utf8")).toBe("new");
    await later;
    expect(loadStateFile(path)?.positions).toEqual([]);
    expect(readdirSync(dir).filter((name) => name.includes(".tmp-"))).toEqual([]);
  });

  test("an abandoned replacement leaves the file as it was and no temporary file", async () => {
    const path = join(dir, "abandoned.json");
    writeFileSync(path, "old");
    await prepareFileReplacement(path, "new").abandon();
    expect(readFileSync(path, "utf8")).toBe("old");
    expect(readdirSync(dir).filter((name) => name.startsWith("abandoned.json.tmp-"))).toEqual([]);
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
