import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { readFileChunks } from "../../../ingest/read-file-chunks.js";
import { SharedChunkMemory } from "../../../ingest/shared-chunk-memory.js";
import { tempDir } from "../../helpers/vigil-cli.js";

async function collect(path: string, chunkBytes: number) {
  const chunks = [];
  for await (const chunk of readFileChunks(path, { chunkBytes })) chunks.push(chunk);
  return chunks;
}

describe("reading whole files for backfill", () => {
  const dir = tempDir("read");
  // Lines of every length, one longer than a chunk (read over several reads), and no newline at the end.
  const lines = Array.from({ length: 5000 }, (_, i) => `Nov 25 02:00:01 mx1 line ${i} ${"x".repeat(i % 97)}`);
  lines.splice(2500, 0, `Nov 25 02:00:01 mx1 long ${"y".repeat(25_000)}`);
  const content = `${lines.join("\n")}\nlast line without newline`;
  writeFileSync(join(dir, "plain.log"), content);
  writeFileSync(join(dir, "rotated.1"), gzipSync(content)); // gzip told apart by its magic bytes, not its name

  test("plain and gzip give the same lines, offsets and source id", async () => {
    const plain = await collect(join(dir, "plain.log"), 10_000);
    const gzip = await collect(join(dir, "rotated.1"), 10_000);
    expect(plain.length).toBeGreaterThan(10);
    expect(Buffer.concat(plain.map((chunk) => chunk.data)).toString()).toBe(`${content}\n`);
    expect(Buffer.concat(gzip.map((chunk) => chunk.data)).toString()).toBe(`${content}\n`);
    expect(new Set([...plain, ...gzip].map((chunk) => chunk.sourceId)).size).toBe(1);
    for (const chunks of [plain, gzip]) {
      let offset = 0;
      for (const chunk of chunks) {
        expect(chunk.startOffset).toBe(offset);
        expect(chunk.data.at(-1)).toBe(10);
        offset += chunk.data.length;
      }
    }
    // A plain file's chunks each start memory of their own: the parse worker may take it without a copy.
    for (const chunk of plain.slice(0, -1)) {
      expect(chunk.data.byteOffset).toBe(0);
      expect(chunk.data.buffer.byteLength).toBeGreaterThanOrEqual(10_000);
    }
  });

  test("chunks read into shared memory: the same lines, each slot taken again once released", async () => {
    const path = join(dir, "plain.log");
    const expected = (await collect(path, 10_000)).map((chunk) => chunk.data.toString());
    // Two slots: the reader takes the next only once the one before is released (as the worker answers).
    const memory = new SharedChunkMemory(2, 10_000);
    const seen: string[] = [];
    let shared = 0;
    let held: { data: Buffer; text: string; release: () => void }[] = [];
    for await (const chunk of readFileChunks(path, { chunkBytes: 10_000, sharedMemory: memory })) {
      const text = chunk.data.toString();
      seen.push(text);
      if (chunk.releaseShared !== undefined) {
        shared += 1;
        expect(chunk.data.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(chunk.ownsMemory).toBeUndefined();
        held.push({ data: chunk.data, text, release: chunk.releaseShared });
      }
      // Released one chunk late: a slot in use is never read into, its bytes unchanged until released.
      for (const chunkHeld of held) expect(chunkHeld.data.toString()).toBe(chunkHeld.text);
      if (held.length > 1) {
        for (const chunkHeld of held.slice(0, -1)) chunkHeld.release();
        held = held.slice(-1);
      }
    }
    expect(seen).toEqual(expected);
    // Nearly all in shared memory: only the long line (over a slot) and the last, unterminated line are not.
    expect(shared).toBeGreaterThan(expected.length - 4);
    // A reader whose chunks are never released falls back to memory of its own, and loses nothing.
    const unreleased = new SharedChunkMemory(1, 10_000);
    const texts: string[] = [];
    for await (const chunk of readFileChunks(path, { chunkBytes: 10_000, sharedMemory: unreleased }))
      texts.push(chunk.data.toString());
    expect(texts).toEqual(expected);
  });

  test("a smaller first chunk: chunks grow twice at a time up to the chunk size, the same lines", async () => {
    const path = join(dir, "plain.log");
    const whole = await collect(path, 10_000);
    const ramped: Buffer[] = [];
    for await (const chunk of readFileChunks(path, { chunkBytes: 10_000, firstChunkBytes: 1_000 }))
      ramped.push(chunk.data);
    expect(Buffer.concat(ramped).toString()).toBe(Buffer.concat(whole.map((chunk) => chunk.data)).toString());
    // About 1,000, 2,000, 4,000, 8,000, then 10,000 bytes read each time (whole lines: give or take the
    // part of a line carried from one read to the next; these lines are under 200 bytes).
    const sizes = ramped.map((data) => data.length);
    for (const [index, read] of [1_000, 2_000, 4_000, 8_000, 10_000].entries()) {
      expect(sizes[index]).toBeLessThan(read + 200);
      expect(sizes[index]).toBeGreaterThan(read - 200);
    }
  });

  test("an empty file gives no chunk; a file ending in a newline gets none added", async () => {
    writeFileSync(join(dir, "empty.log"), "");
    writeFileSync(join(dir, "whole.log"), "one\ntwo\n");
    expect(await collect(join(dir, "empty.log"), 1000)).toEqual([]);
    const whole = await collect(join(dir, "whole.log"), 4);
    expect(Buffer.concat(whole.map((chunk) => chunk.data)).toString()).toBe("one\ntwo\n");
  });

  test("a missing file is a clear error", async () => {
    await expect(collect(join(dir, "missing.log"), 1000)).rejects.toThrow(/cannot open .*missing\.log/);
  });
});
