import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { InputError } from "../runtime/errors.js";
import type { LineChunk } from "./line-chunk.js";
import type { SharedChunkMemory } from "./shared-chunk-memory.js";
import { fingerprint } from "./source-fingerprint.js";

export type ReadFileChunksOptions = {
  /** Bytes read at a time (default 4 MiB). */
  chunkBytes?: number;
  signal?: AbortSignal;
  /** Bytes of the file read so far (compressed bytes for .gz) and its size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Memory shared with the parse worker to read a plain file's chunks into (see LineChunk's `releaseShared`). */
  sharedMemory?: SharedChunkMemory;
  /**
   * Bytes of a plain file's first chunk, each next one twice the one before up to `chunkBytes`: the reader
   * of the first chunk starts sooner (default: `chunkBytes` from the first).
   */
  firstChunkBytes?: number;
};

const DEFAULT_CHUNK = 4 * 1024 * 1024;

/**
 * Reads a whole plain or gzip file (told apart by its magic bytes, not its
 * name) as chunks of complete lines; offsets count decompressed bytes. A last
 * line without a newline is given one. The source id is the content's
 * fingerprint, so a file and its compressed copy are the same source.
 *
 * A plain file's chunks are read into memory of their own (the part of a line that did not fit is
 * copied to the next chunk, not the chunk to a larger buffer), marked `ownsMemory`: the parse worker
 * takes that memory without a copy (processors/parse-worker/mail-parse-worker.ts).
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
  const progress = { bytesRead: 0 };
  let lineChunks: AsyncIterable<LinesRead>;
  if (gzip) {
    await handle.close();
    const raw = createReadStream(path, { highWaterMark: 1024 * 1024 });
    raw.on("data", (data) => {
      progress.bytesRead += data.length;
    });
    lineChunks = joinedLineChunks(raw.pipe(createGunzip({ chunkSize: 1024 * 1024 })), chunkBytes);
  } else {
    lineChunks = plainLineChunks(
      handle,
      Math.min(options.firstChunkBytes ?? chunkBytes, chunkBytes),
      chunkBytes,
      progress,
      options.sharedMemory,
    );
  }

  let sourceId: string | null = null;
  let offset = 0;
  try {
    for await (const { data, ownsMemory, releaseShared } of lineChunks) {
      if (options.signal?.aborted) {
        releaseShared?.();
        return;
      }
      options.onProgress?.(progress.bytesRead, totalBytes);
      sourceId ??= fingerprint(data) ?? fingerprint(Buffer.concat([data, Buffer.from("\n")])) ?? "";
      const chunk: LineChunk = {
        sourceId,
        path,
        startOffset: offset,
        data,
        ...(ownsMemory ? { ownsMemory } : {}),
        ...(releaseShared === undefined ? {} : { releaseShared }),
      };
      offset += data.length;
      yield chunk;
    }
    options.onProgress?.(totalBytes, totalBytes);
  } finally {
    if (!gzip) await handle.close().catch(() => undefined);
  }
}

/** Whole lines read, and whether nothing else reads their memory (or how to give back the shared memory they lie in). */
type LinesRead = { data: Buffer; ownsMemory: boolean; releaseShared?: () => void };

/**
 * A plain file's lines, `size` bytes read at a time into a buffer of its own that starts with the
 * part of a line the read before left over; each ends with a newline (one is added at the end).
 */
async function* plainLineChunks(
  handle: Awaited<ReturnType<typeof open>>,
  firstSize: number,
  largestSize: number,
  progress: { bytesRead: number },
  shared: SharedChunkMemory | undefined,
): AsyncGenerator<LinesRead> {
  let rest: Buffer = Buffer.alloc(0);
  let size = firstSize;
  for (; ; size = Math.min(size * 2, largestSize)) {
    const slot = shared?.take(rest.length + size) ?? null;
    const buffer = slot === null ? Buffer.allocUnsafeSlow(rest.length + size) : slot.data;
    rest.copy(buffer, 0);
    const { bytesRead } = await handle.read(buffer, rest.length, size, null);
    progress.bytesRead += bytesRead;
    const filled = rest.length + bytesRead;
    const lastNewline = bytesRead === 0 ? -1 : buffer.lastIndexOf(10, filled - 1);
    if (lastNewline < 0) {
      // The end, or no line end yet: what was read stays in memory of its own.
      rest = slot === null ? buffer.subarray(0, filled) : Buffer.from(buffer.subarray(0, filled));
      slot?.release();
      if (bytesRead === 0) break;
      continue;
    }
    // Copied out before the chunk is handed on: its memory may be moved to another thread.
    rest = Buffer.from(buffer.subarray(lastNewline + 1, filled));
    const data = buffer.subarray(0, lastNewline + 1);
    yield slot === null ? { data, ownsMemory: true } : { data, ownsMemory: false, releaseShared: slot.release };
  }
  if (rest.length > 0) yield { data: Buffer.concat([rest, Buffer.from("\n")]), ownsMemory: false };
}

/** Blocks of a stream joined into chunks of whole lines of at least `size` bytes (a newline added at the end). */
async function* joinedLineChunks(blocks: AsyncIterable<Buffer>, size: number): AsyncGenerator<LinesRead> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const block of blocks) {
    pending.push(block);
    pendingBytes += block.length;
    if (pendingBytes < size) continue;
    const joined = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    const lastNewline = joined.lastIndexOf(10);
    if (lastNewline < 0) {
      pending = [joined];
      continue;
    }
    const rest = joined.subarray(lastNewline + 1);
    pending = rest.length > 0 ? [rest] : [];
    pendingBytes = rest.length;
    // The rest of `joined` is still read: not memory of the chunk's own.
    yield { data: joined.subarray(0, lastNewline + 1), ownsMemory: false };
  }
  if (pendingBytes > 0) {
    const joined = Buffer.concat(pending, pendingBytes);
    yield {
      data: joined[joined.length - 1] === 10 ? joined : Buffer.concat([joined, Buffer.from("\n")]),
      ownsMemory: false,
    };
  }
}

/** The source id of a plain or gzip file (its first chunk's), without reading the rest. */
export async function readSourceId(path: string): Promise<string> {
  for await (const chunk of readFileChunks(path, { chunkBytes: 64 * 1024 })) return chunk.sourceId;
  return "";
}
