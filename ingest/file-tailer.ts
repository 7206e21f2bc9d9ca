import { type FileHandle, open, readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../runtime/logger.js";
import type { LineChunk, SourcePosition } from "./line-chunk.js";
import { FINGERPRINT_BYTES, fingerprint } from "./source-fingerprint.js";

export type TailedChunk = { chunk: LineChunk; position: SourcePosition };

export type FileTailerOptions = {
  path: string;
  pollIntervalMs: number;
  /** Positions committed earlier, by source id (the tailer never commits: its consumer does, after the store acknowledged). */
  checkpoints: { get(sourceId: string): SourcePosition | undefined; all?(): Iterable<SourcePosition> };
  /** Bytes read at a time (default 4 MiB). */
  chunkBytes?: number;
  /** A line longer than this with no newline yet is emitted in pieces, so memory stays bounded (default 1 MiB). */
  maxLineBytes?: number;
  /** Start a file never seen before at its end instead of its beginning. */
  startAtEnd?: boolean;
  logger?: Logger;
};

const NEWLINE = Buffer.from("\n");

type OpenFile = { handle: FileHandle; inode: number; sourceId: string | null; offset: number; partial: Buffer };

/**
 * Follows one path as `tail -F` does, as complete lines with their
 * coordinates:
 * - rotation by rename (the path now names another inode): the old file is
 *   read to its end through the descriptor still open, then the new file from 0;
 * - copytruncate (the file shrank, or its first line changed): from 0 again,
 *   as a new source;
 * - a file that does not exist yet is waited for; a partial last line is held
 *   back until its newline arrives;
 * - on start, a source named by a checkpoint but no longer at the path (it was
 *   rotated while Vigil was down) is looked for beside it (`maillog.1`,
 *   `maillog-20261125`: plain files whose name starts with the base name) by
 *   fingerprint, and finished first.
 * Reading waits for the consumer (an async iterator), so memory is bounded by
 * one chunk and one held-back line.
 */
export function createFileTailer(options: FileTailerOptions) {
  const chunkBytes = options.chunkBytes ?? 4 * 1024 * 1024;
  const maxLine = options.maxLineBytes ?? 1024 * 1024;

  async function* drain(
    file: OpenFile,
    path: string,
    final: boolean,
    signal: AbortSignal,
  ): AsyncGenerator<TailedChunk> {
    for (;;) {
      if (signal.aborted) return;
      const buffer = Buffer.allocUnsafe(chunkBytes);
      const { bytesRead } = await file.handle.read(buffer, 0, chunkBytes, file.offset + file.partial.length);
      if (bytesRead === 0) break;
      const fresh = buffer.subarray(0, bytesRead);
      const data = file.partial.length > 0 ? Buffer.concat([file.partial, fresh]) : fresh;
      const lastNewline = data.lastIndexOf(10);
      if (lastNewline < 0) {
        if (data.length >= maxLine) {
          file.partial = Buffer.alloc(0);
          yield* emit(file, path, Buffer.concat([data, NEWLINE]), data.length);
        } else file.partial = Buffer.from(data);
        continue;
      }
      file.partial = Buffer.from(data.subarray(lastNewline + 1));
      yield* emit(file, path, data.subarray(0, lastNewline + 1), lastNewline + 1);
    }
    if (final && file.partial.length > 0) {
      const rest = file.partial;
      file.partial = Buffer.alloc(0);
      yield* emit(file, path, Buffer.concat([rest, NEWLINE]), rest.length);
    }
  }

  /** Emits `data` (complete lines) that stands for the next `consumed` bytes of the file. */
  async function* emit(file: OpenFile, path: string, data: Buffer, consumed: number): AsyncGenerator<TailedChunk> {
    file.sourceId ??= fingerprint(await readHead(file.handle)) ?? fingerprint(data);
    const sourceId = file.sourceId ?? "";
    const chunk: LineChunk = { sourceId, path, startOffset: file.offset, data };
    file.offset += consumed;
    yield { chunk, position: { sourceId, path, inode: file.inode, offset: file.offset } };
  }

  async function openAt(path: string): Promise<OpenFile | null> {
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch {
      return null;
    }
    const info = await handle.stat();
    const sourceId = fingerprint(await readHead(handle));
    const known = sourceId === null ? undefined : options.checkpoints.get(sourceId);
    let offset = 0;
    if (known !== undefined && known.offset <= info.size) offset = known.offset;
    else if (known === undefined && options.startAtEnd === true) offset = info.size;
    return { handle, inode: info.ino, sourceId, offset, partial: Buffer.alloc(0) };
  }

  /** Plain files beside the path whose content is a checkpointed source not finished. */
  async function* recoverRotated(signal: AbortSignal): AsyncGenerator<TailedChunk> {
    const positions = [...(options.checkpoints.all?.() ?? [])].filter((position) => position.path === options.path);
    if (positions.length === 0) return;
    const folder = dirname(options.path);
    const base = basename(options.path);
    let names: string[];
    try {
      names = (await readdir(folder)).filter(
        (name) => name !== base && name.startsWith(base) && !/\.(gz|bz2|xz|zst)$/.test(name),
      );
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const path = join(folder, name);
      const file = await openAt(path);
      if (file === null) continue;
      const position = positions.find((candidate) => candidate.sourceId === file.sourceId);
      const size = (await file.handle.stat()).size;
      if (position !== undefined && position.offset < size) {
        options.logger?.info({ path, offset: position.offset }, "Finishing a file rotated while Vigil was stopped");
        yield* drain(file, path, true, signal);
      }
      await file.handle.close();
    }
  }

  return {
    async *chunks(signal: AbortSignal): AsyncGenerator<TailedChunk> {
      yield* recoverRotated(signal);
      let file: OpenFile | null = null;
      try {
        while (!signal.aborted) {
          if (file === null) {
            file = await openAt(options.path);
            if (file === null) {
              await sleep(options.pollIntervalMs, undefined, { signal }).catch(() => undefined);
              continue;
            }
          }
          yield* drain(file, options.path, false, signal);
          const now = await stat(options.path).catch(() => null);
          if (now !== null && now.ino !== file.inode) {
            // Rotated by rename: what was written to the old file before the switch is read through the open descriptor.
            yield* drain(file, options.path, true, signal);
            await file.handle.close();
            file = null;
            continue;
          }
          if (now !== null && (now.size < file.offset + file.partial.length || (await truncatedAndRegrown(file)))) {
            options.logger?.info(
              { path: options.path },
              "File was truncated (copytruncate): reading it from the start",
            );
            file.offset = 0;
            file.partial = Buffer.alloc(0);
            file.sourceId = null;
            continue;
          }
          await sleep(options.pollIntervalMs, undefined, { signal }).catch(() => undefined);
        }
      } finally {
        await file?.handle.close().catch(() => undefined);
      }
    },
  };
}

async function readHead(handle: FileHandle): Promise<Buffer> {
  const head = Buffer.alloc(FINGERPRINT_BYTES);
  const { bytesRead } = await handle.read(head, 0, FINGERPRINT_BYTES, 0);
  return head.subarray(0, bytesRead);
}

/** The file's first line is no longer the one it was identified by. */
async function truncatedAndRegrown(file: OpenFile): Promise<boolean> {
  if (file.sourceId === null) return false;
  const now = fingerprint(await readHead(file.handle));
  return now !== null && now !== file.sourceId;
}
