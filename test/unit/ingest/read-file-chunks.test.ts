import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { readFileChunks } from "../../../ingest/read-file-chunks.js";
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
