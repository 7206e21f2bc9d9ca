import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createAccountIpsProcessor } from "../../../processors/account-ips/account-ips-processor.js";
import type { AsnDatabase } from "../../../processors/account-ips/asn-database.js";
import {
  loadStateFile,
  prepareFileReplacement,
  prepareStateReplacement,
  saveStateFile,
} from "../../../processors/state-file.js";
import { AccountIpsSchema } from "../../../schemas/config.js";

const asnDatabase: AsnDatabase = { lookup: () => ({ asn: 64_500, asName: "Example", country: "DE" }) };

/** A processor that folded `logins` logins of ann from as many addresses. */
function processorWith(logins: number) {
  const processor = createAccountIpsProcessor({ config: AccountIpsSchema.parse({}), asnDatabase });
  for (let n = 0; n < logins; n++)
    processor.fold({
      user: "ann",
      ip: `20.1.${n}.5`,
      ts: Date.UTC(2026, 10, 24) + n * 60_000,
      success: true,
      sourceId: "s",
      offset: n,
    });
  return processor;
}

describe("state file", () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-state-"));

  test("round-trips positions and state, and is absent before the first save", async () => {
    const path = join(dir, "state.json");
    expect(loadStateFile(path)).toBeNull();
    const state = {
      savedAt: new Date(0).toISOString(),
      positions: [{ sourceId: "abc", path: "/var/log/maillog", inode: 7, offset: 1234 }],
    };
    await saveStateFile(path, state);
    expect(loadStateFile(path)).toEqual({ ...state, accountIps: null });
    expect(readdirSync(dir).filter((name) => name.includes(".tmp-"))).toEqual([]);
  });

  test("saves of one file asked at once land in order: the last one stays, whole", async () => {
    const path = join(dir, "concurrent.json");
    const state = (offset: number) => ({
      savedAt: new Date(0).toISOString(),
      positions: [{ sourceId: "abc", path: "/var/log/maillog", inode: 7, offset }],
    });
    await Promise.all(Array.from({ length: 20 }, (_, offset) => saveStateFile(path, state(offset))));
    expect(loadStateFile(path)).toEqual({ ...state(19), accountIps: null });
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
    const later = saveStateFile(path, { savedAt: new Date(0).toISOString(), positions: [] });
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

  test("the aggregation's state goes to a file beside it, named by it; older ones go once the new one is in place", async () => {
    const folder = mkdtempSync(join(tmpdir(), "vigil-state-accounts-"));
    const path = join(folder, "state.json");
    const positions = [{ sourceId: "abc", path: "/var/log/maillog", inode: 7, offset: 99 }];
    const first = processorWith(3);
    await prepareStateReplacement(path, { savedAt: "a", positions }, first.encodeState()).commit();
    expect(loadStateFile(path)).toEqual({ savedAt: "a", positions, accountIps: first.snapshot() });
    const second = processorWith(5);
    await prepareStateReplacement(path, { savedAt: "b", positions }, second.encodeState()).commit();
    expect(loadStateFile(path)?.accountIps).toEqual(second.snapshot());
    const files = readdirSync(folder).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe("state.json");
    expect(files[1]).toMatch(/^state\.json\.accounts-.*\.bin$/);
    // Abandoned: neither its state file nor its aggregation state stays.
    await prepareStateReplacement(path, { savedAt: "c", positions }, processorWith(7).encodeState()).abandon();
    expect(readdirSync(folder).sort()).toEqual(files);
    expect(loadStateFile(path)?.savedAt).toBe("b");
    // The aggregation's state gone or cut short: refused with what to do.
    writeFileSync(join(folder, files[1] as string), "cut");
    expect(() => loadStateFile(path)).toThrow(/damaged \(its aggregation state .* has 3 bytes/);
    rmSync(join(folder, files[1] as string));
    expect(() => loadStateFile(path)).toThrow(/damaged \(its aggregation state .* cannot be read/);
  });

  test("a state file of version 1 (the state inline, as JSON) is still read", () => {
    const path = join(dir, "version-1.json");
    const processor = processorWith(4);
    const positions = [{ sourceId: "abc", path: "/var/log/maillog", inode: 7, offset: 5 }];
    writeFileSync(path, JSON.stringify({ version: 1, savedAt: "x", positions, accountIps: processor.snapshot() }));
    expect(loadStateFile(path)).toEqual({ savedAt: "x", positions, accountIps: processor.snapshot() });
  });
});
