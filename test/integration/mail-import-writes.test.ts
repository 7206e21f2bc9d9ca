import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import type { MailPipeline } from "../../processors/mail-pipeline.js";
import { tempDir } from "../helpers/vigil-cli.js";

// The import parses on the parse worker, which runs compiled code: this test uses dist/ throughout.
const dist = resolve(import.meta.dirname, "..", "..", "dist");
type Modules = {
  importMailFiles: typeof import("../../processors/mail-import.js").importMailFiles;
  ConfigSchema: typeof import("../../schemas/config.js").ConfigSchema;
};
async function modules(): Promise<Modules> {
  return {
    ...((await import(join(dist, "processors/mail-import.js"))) as Pick<Modules, "importMailFiles">),
    ...((await import(join(dist, "schemas/config.js"))) as Pick<Modules, "ConfigSchema">),
  };
}

/** 1.6 million lines that are not logins, in 8 chunks of 4 MiB: four writes' worth, parsed in a moment. */
function writeLines(dir: string): string {
  const path = join(dir, "maillog");
  writeFileSync(path, `${"x".repeat(19)}\n`.repeat(1_600_000));
  return path;
}

/** A pipeline that only counts, whose writes the test settles (`settle`), recording what it was asked. */
function countingPipeline() {
  let lines = 0;
  let pending = 0;
  const asked: { linesBefore: number; final: boolean; settle(error?: Error): void }[] = [];
  const pipeline = {
    positions: new Map(),
    beginSource() {},
    finishSource() {},
    resumeSource() {},
    processChunk() {
      throw new Error("the import parses on the worker");
    },
    processParsed(parsed: { lines: number }) {
      lines += parsed.lines;
      pending += parsed.lines;
    },
    foldPending() {},
    pendingLines: () => pending,
    holdClosedWindows() {},
    commit(options: { final?: boolean } = {}) {
      return new Promise<void>((resolveWrite, rejectWrite) => {
        const linesBefore = lines;
        pending = 0;
        asked.push({
          linesBefore,
          final: options.final === true,
          settle: (error) => (error === undefined ? resolveWrite() : rejectWrite(error)),
        });
      });
    },
    counters: () => ({ lines, bytes: 0, events: 0, skipped: lines, unparsed: 0 }),
    stats: () => ({ users: 0, addresses: 0, openWindows: 0, lateEvents: 0, watermark: 0 }),
  };
  return { pipeline: pipeline as unknown as MailPipeline, asked, lines: () => lines };
}

const waitUntil = async (condition: () => boolean) => {
  for (let wait = 0; wait < 2000 && !condition(); wait++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error("timed out");
};

describe("an import's writes", () => {
  test("while a write is in flight the import folds on to the end, and the next write takes all that is pending", async () => {
    const m = await modules();
    const path = writeLines(tempDir("import-writes"));
    const { pipeline, asked, lines } = countingPipeline();
    const config = m.ConfigSchema.parse({ tail: { batchLines: 1000 } });
    const importing = m.importMailFiles({ pipeline, config, files: [{ path, format: "awk-login" }] });
    // The first write is asked for after the chunk that passes 500,000 lines and is not settled: the import
    // reads on to the end (it used to wait at the next 500,000) without asking for another.
    await waitUntil(() => lines() === 1_600_000);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.linesBefore).toBeGreaterThanOrEqual(500_000);
    expect(asked[0]?.linesBefore).toBeLessThan(800_000);
    asked[0]?.settle();
    // Then the last write, asked once the first is done, takes all that is pending.
    await waitUntil(() => asked.length === 2);
    expect(asked[1]?.final).toBe(true);
    asked[1]?.settle();
    await importing;
    expect(asked).toHaveLength(2);
  });

  test("a failed write fails the import, and no last write is asked for", async () => {
    const m = await modules();
    const path = writeLines(tempDir("import-write-fails"));
    const { pipeline, asked } = countingPipeline();
    const config = m.ConfigSchema.parse({ tail: { batchLines: 1000 } });
    const importing = m.importMailFiles({ pipeline, config, files: [{ path, format: "awk-login" }] });
    const outcome = importing.then(
      () => null,
      (error: Error) => error,
    );
    await waitUntil(() => asked.length === 1);
    asked[0]?.settle(new Error("the store refused the rows"));
    const error = await outcome;
    expect(error?.message).toBe("the store refused the rows");
    expect(asked.some((write) => write.final)).toBe(false);
  });
});
