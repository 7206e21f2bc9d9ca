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
  const content = `${Array.from({ length: 5000 }, (_, i) => `Nov 25 02:00:01 mx1 line ${i} ${"x".repeat(i % 97)}`).join("\n")}\nlast line without newline`;
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
  });

  test("a missing file is a clear error", async () => {
    await expect(collect(join(dir, "missing.log"), 1000)).rejects.toThrow(/cannot open .*missing\.log/);
  });
});
