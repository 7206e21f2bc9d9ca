import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { InputError } from "../runtime/errors.js";
import type { LineChunk } from "./line-chunk.js";
import { fingerprint } from "./source-fingerprint.js";

export type ReadFileChunksOptions = {
  /** Bytes read at a time (default 4 MiB). */
  chunkBytes?: number;
  signal?: AbortSignal;
  /** Bytes of the file read so far (compressed bytes for .gz) and its size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
};

const DEFAULT_CHUNK = 4 * 1024 * 1024;

/**
 * Reads a whole plain or gzip file (told apart by its magic bytes, not its
 * name) as chunks of complete lines; offsets count decompressed bytes. A last
 * line without a newline is given one. The source id is the content's
 * fingerprint, so a file and its compressed copy are the same source.
 */
export async function* readFileChunks(path: string, options: ReadFileChunksOptions = {}): AsyncGenerator<LineChunk> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (cause) {
    throw new InputError(`cannot open ${path}`, "check that the file exists and is readable", cause);
  }
  const totalBytes = (await handle.stat()).size;
  const magic = Buffer.alloc(2);
  await handle.read(magic, 0, 2, 0);
  const gzip = magic[0] === 0x1f && magic[1] === 0x8b;
  let blocks: AsyncIterable<Buffer>;
  let compressedRead = 0;
  if (gzip) {
    await handle.close();
    const raw = createReadStream(path, { highWaterMark: 1024 * 1024 });
    raw.on("data", (data) => {
      compressedRead += data.length;
    });
    blocks = raw.pipe(createGunzip({ chunkSize: 1024 * 1024 }));
  } else {
    blocks = readBlocks(handle, chunkBytes);
  }

  let sourceId: string | null = null;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let offset = 0;
  const emit = (data: Buffer): LineChunk => {
    sourceId ??= fingerprint(data) ?? fingerprint(Buffer.concat([data, Buffer.from("\n")])) ?? "";
    const chunk = { sourceId, path, startOffset: offset, data };
    offset += data.length;
    return chunk;
  };
  try {
    for await (const block of blocks) {
      if (options.signal?.aborted) return;
      pending.push(block);
      pendingBytes += block.length;
      options.onProgress?.(gzip ? compressedRead : offset + pendingBytes, totalBytes);
      if (pendingBytes < chunkBytes) continue;
      const joined = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
      const lastNewline = joined.lastIndexOf(10);
      if (lastNewline < 0) {
        pending = [joined];
        continue;
      }
      const rest = joined.subarray(lastNewline + 1);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
      yield emit(joined.subarray(0, lastNewline + 1));
    }
    if (pendingBytes > 0) {
      const joined = Buffer.concat(pending, pendingBytes);
      yield emit(joined[joined.length - 1] === 10 ? joined : Buffer.concat([joined, Buffer.from("\n")]));
    }
    options.onProgress?.(totalBytes, totalBytes);
  } finally {
    if (!gzip) await handle.close().catch(() => undefined);
  }
}

async function* readBlocks(handle: Awaited<ReturnType<typeof open>>, size: number): AsyncGenerator<Buffer> {
  for (;;) {
    const buffer = Buffer.allocUnsafe(size);
    const { bytesRead } = await handle.read(buffer, 0, size, null);
    if (bytesRead === 0) return;
    yield bytesRead === size ? buffer : buffer.subarray(0, bytesRead);
  }
}

/** The source id of a plain or gzip file (its first chunk's), without reading the rest. */
export async function readSourceId(path: string): Promise<string> {
  for await (const chunk of readFileChunks(path, { chunkBytes: 64 * 1024 })) return chunk.sourceId;
  return "";
}
