import { appendFileSync, copyFileSync, renameSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createFileTailer, type TailedChunk } from "../../../ingest/file-tailer.js";
import type { SourcePosition } from "../../../ingest/line-chunk.js";
import { tempDir } from "../../helpers/vigil-cli.js";

/** Tails `path` while `act` runs, until `expectedLines` lines arrived; returns the lines and the last positions. */
async function tail(
  path: string,
  expectedLines: number,
  act: (wait: () => Promise<void>) => Promise<void>,
  checkpoints = new Map<string, SourcePosition>(),
  maxLineBytes?: number,
) {
  const tailer = createFileTailer({
    path,
    pollIntervalMs: 20,
    checkpoints: { get: (id) => checkpoints.get(id), all: () => checkpoints.values() },
    ...(maxLineBytes === undefined ? {} : { maxLineBytes }),
  });
  const controller = new AbortController();
  const lines: string[] = [];
  const chunks: TailedChunk[] = [];
  const reader = (async () => {
    for await (const tailed of tailer.chunks(controller.signal)) {
      chunks.push(tailed);
      checkpoints.set(tailed.position.sourceId, tailed.position);
      lines.push(...tailed.chunk.data.toString().split("\n").slice(0, -1));
      if (lines.length >= expectedLines) controller.abort();
    }
  })();
  const wait = () => new Promise<void>((resolve) => setTimeout(resolve, 80));
  await act(wait);
  const timeout = setTimeout(() => controller.abort(), 5000);
  await reader;
  clearTimeout(timeout);
  return { lines, chunks, checkpoints };
}

const numbered = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `line ${from + i}\n`).join("");

describe("file tailer", () => {
  test("follows a growing file, holding a split line back until it is complete", async () => {
    const path = join(tempDir("tail"), "maillog");
    writeFileSync(path, numbered(0, 3));
    const { lines, chunks } = await tail(path, 6, async (wait) => {
      await wait();
      appendFileSync(path, "line 3\nline ");
      await wait();
      appendFileSync(path, "4\nline 5\n");
    });
    expect(lines).toEqual(["line 0", "line 1", "line 2", "line 3", "line 4", "line 5"]);
    // Offsets are exact byte positions in the file.
    expect(chunks.at(-1)?.position.offset).toBe(Buffer.byteLength(numbered(0, 6)));
    for (const { chunk } of chunks) expect(chunk.data.at(-1)).toBe(10);
  });

  test("rotation by rename: the old file is finished, the new one read from its start, nothing lost or doubled", async () => {
    const dir = tempDir("rotate");
    const path = join(dir, "maillog");
    writeFileSync(path, numbered(0, 5));
    const { lines } = await tail(path, 12, async (wait) => {
      await wait();
      appendFileSync(path, "line 5\n");
      renameSync(path, join(dir, "maillog.1"));
      appendFileSync(join(dir, "maillog.1"), "line 6\n"); // the daemon still writes to the old file for a moment
      writeFileSync(path, numbered(7, 10));
      await wait();
      appendFileSync(path, numbered(10, 12));
    });
    expect(lines).toEqual(numbered(0, 12).trim().split("\n"));
  });

  test("copytruncate: lines written after the truncation are read from the start of the file", async () => {
    const dir = tempDir("copytruncate");
    const path = join(dir, "maillog");
    writeFileSync(path, numbered(0, 4));
    const { lines } = await tail(path, 8, async (wait) => {
      await wait();
      copyFileSync(path, join(dir, "maillog.1"));
      truncateSync(path, 0);
      await wait();
      appendFileSync(path, numbered(4, 8));
    });
    expect(lines).toEqual(numbered(0, 8).trim().split("\n"));
  });

  test("resumes from a checkpoint without reading a line twice, also after a rotation while stopped", async () => {
    const dir = tempDir("resume");
    const path = join(dir, "maillog");
    writeFileSync(path, numbered(0, 3));
    const first = await tail(path, 3, async () => undefined);
    appendFileSync(path, numbered(3, 5));
    renameSync(path, join(dir, "maillog.1"));
    writeFileSync(path, numbered(5, 7));
    const second = await tail(path, 4, async () => undefined, first.checkpoints);
    expect(second.lines).toEqual(numbered(3, 7).trim().split("\n"));
  });

  test("waits for a file that does not exist yet", async () => {
    const path = join(tempDir("later"), "maillog");
    const { lines } = await tail(path, 2, async (wait) => {
      await wait();
      writeFileSync(path, numbered(0, 2));
    });
    expect(lines).toEqual(["line 0", "line 1"]);
  });

  test("a huge line without a newline is emitted in bounded pieces", async () => {
    const path = join(tempDir("huge"), "maillog");
    writeFileSync(path, Buffer.alloc(300_000, 0x41));
    const { chunks } = await tail(path, 1, async () => undefined, new Map(), 100_000);
    expect(Math.max(...chunks.map(({ chunk }) => chunk.data.length))).toBeLessThanOrEqual(300_001);
    expect(chunks.at(-1)?.position.offset).toBe(300_000);
  });
});
