import { statSync } from "node:fs";
import type { LineChunk, SourcePosition } from "../ingest/line-chunk.js";
import { readFileChunks, readSourceId } from "../ingest/read-file-chunks.js";
import type { VigilConfig } from "../schemas/config.js";
import type { MailPipeline } from "./mail-pipeline.js";
import { createMailParseWorker, type MailParseWorker } from "./parse-worker/mail-parse-worker.js";
import { type ChunkToParse, parsedInOrder } from "./parse-worker/parsed-in-order.js";

export type ImportFile = { path: string; format: string; host?: string };
export type ImportProgress = { update(bytesRead: number, lines: number): void };
export type ImportedFile = { path: string; sourceId: string; bytes: number; alreadyImportedBytes: number };

/**
 * How often a long import saves its state and checkpoints, with the aggregation's rows: every 10 s, or
 * 5 million lines if that comes first. A crash costs at most that much reading again; each save costs the
 * main thread the state's JSON (0.1-0.15 s for 20,000 accounts) and the rows of every window still open.
 * (The bench's 2 million lines: backfill 4.73 s saving every million lines, 4.26 s with this bound; the
 * same tables.)
 */
const SAVE_STATE_EVERY_MS = 10_000;
export const SAVE_STATE_EVERY_LINES = 5_000_000;
/**
 * Windows that closed leave memory every `tail.batchLines`; the events and those windows' rows are
 * written every IMPORT_WRITE_LINES (or `tail.batchLines` if larger): fewer, larger parts for the store to
 * merge (2 million lines: 6.6 s -> 6.1 s, about 180 MiB more at the peak).
 */
export const IMPORT_WRITE_LINES = 500_000;
/**
 * The first chunk of a file, the next ones twice as large up to 4 MiB: the aggregation gets its first chunk
 * sooner (it waited about 0.1 s for a first 4 MiB chunk, whose lines are nearly all first sights). Parse +
 * aggregation of the bench file, three rounds of 8-10 alternating runs: median 2-3% lower.
 */
export const FIRST_CHUNK_BYTES = 512 * 1024;
/** How many lines past IMPORT_WRITE_LINES an import folds on while its last write is still in flight. */
const WRITE_AHEAD_LINES = 1_500_000;
/**
 * Chunks handed to the parse worker ahead of the one being aggregated. The aggregation folds the chunks of
 * a batch together at the batch's end (see FOLD_BATCH_EVENTS): the worker needs enough chunks queued to go
 * on parsing meanwhile (2 million lines, parse + aggregation: 6.1 s with 3, 5.5 s with 6, the same hour).
 */
export const PARSE_AHEAD = 6;

/**
 * Imports whole files (plain or gzip) through the pipeline. A file whose
 * content was imported before (same fingerprint) continues where it stopped,
 * so importing the same file twice changes nothing. Files are declared up
 * front so event-time windows stay open until every file has been read.
 */
export async function importMailFiles(deps: {
  /**
   * The pipeline, its opening, or how to open it: with the positions already known (`positions`, from the
   * state file), the files are read and parsed while the store opens, and the aggregation begins once it is
   * open. A function is called once the first chunks are with the parse worker (this thread would wait for
   * them otherwise), or when the pipeline is needed, whichever comes first.
   */
  pipeline: MailPipeline | Promise<MailPipeline> | (() => Promise<MailPipeline>);
  /** Where earlier runs got to, by source id (the pipeline's `positions` when not given). */
  positions?: ReadonlyMap<string, SourcePosition>;
  config: VigilConfig;
  files: readonly ImportFile[];
  progress?: ImportProgress;
  signal?: AbortSignal;
  /** A parse worker started earlier (while the store opened); the import closes it. */
  worker?: MailParseWorker;
}): Promise<ImportedFile[]> {
  const { config } = deps;
  let opening: Promise<MailPipeline> | null = null;
  const startOpening = (): Promise<MailPipeline> => {
    if (opening === null) {
      const given = deps.pipeline;
      opening = typeof given === "function" ? given() : Promise.resolve(given);
      opening.catch(() => undefined); // awaited where the pipeline is needed, where a failure surfaces
    }
    return opening;
  };
  if (typeof deps.pipeline !== "function") startOpening();
  const imported: ImportedFile[] = [];
  const sourceIds: string[] = [];
  for (const file of deps.files) sourceIds.push(await readSourceId(file.path));
  const positions = deps.positions ?? (await startOpening()).positions;
  let open: MailPipeline | null = null;
  /** The pipeline once open, with every file declared before the first chunk is aggregated (windows stay open until all of them are past). */
  const pipelineNow = async (): Promise<MailPipeline> => {
    if (open !== null) return open;
    const pipeline = await startOpening();
    for (const sourceId of sourceIds) {
      pipeline.beginSource(sourceId);
      pipeline.resumeSource(sourceId);
    }
    open = pipeline;
    return pipeline;
  };
  let bytesBefore = 0;
  let lastSave = Date.now();
  let linesAtLastSave = 0;
  let sinceClosing = 0;
  let linesAtLastWrite = 0;
  let writing = false;
  // Chunks are parsed on the parse worker (one core) while this thread aggregates the ones before
  // and writes to the store; one write may be in flight while the next batch is parsed.
  let inFlight: Promise<void> = Promise.resolve();
  const worker = deps.worker ?? createMailParseWorker();
  async function* chunksToParse(): AsyncGenerator<ChunkToParse<SourcePosition>> {
    for (const file of deps.files) {
      const parserId = worker.defineParser({
        format: file.format,
        fieldMaps: config.fieldMaps,
        timezone: config.timezone,
        referenceTime: statSync(file.path).mtimeMs,
        ...(file.host === undefined ? {} : { defaultHost: file.host }),
      });
      const result: ImportedFile = { path: file.path, sourceId: "", bytes: 0, alreadyImportedBytes: 0 };
      let fileBytes = 0;
      for await (const chunk of readFileChunks(file.path, {
        sharedMemory: worker.sharedMemory,
        firstChunkBytes: FIRST_CHUNK_BYTES,
        ...(deps.signal === undefined ? {} : { signal: deps.signal }),
        onProgress: (bytesRead) => {
          fileBytes = bytesRead;
          deps.progress?.update(bytesBefore + bytesRead, open?.counters().lines ?? 0);
        },
      })) {
        result.sourceId = chunk.sourceId;
        const end = chunk.startOffset + chunk.data.length;
        const position: SourcePosition = { sourceId: chunk.sourceId, path: file.path, inode: 0, offset: end };
        const remaining = unprocessedPart(chunk, positions.get(chunk.sourceId)?.offset ?? 0);
        result.alreadyImportedBytes += chunk.data.length - (remaining?.data.length ?? 0);
        result.bytes += chunk.data.length;
        if (remaining !== null) yield { chunk: remaining, parserId, meta: position };
        else chunk.releaseShared?.(); // imported before: nothing reads it
      }
      bytesBefore += fileBytes;
      imported.push(result);
    }
  }
  try {
    const whileWaiting = () => {
      if (open === null) void startOpening();
      else open.foldPending();
    };
    for await (const { parsed, meta: position } of parsedInOrder(worker, chunksToParse(), PARSE_AHEAD, whileWaiting)) {
      const pipeline = await pipelineNow();
      pipeline.processParsed(parsed, position);
      sinceClosing += parsed.lines;
      if (sinceClosing < config.tail.batchLines) continue;
      sinceClosing = 0;
      // A write is asked for every IMPORT_WRITE_LINES lines. While the last one is still in flight (the first
      // waits for the tables to migrate, which this busy thread slows down) this thread folds on, up to
      // WRITE_AHEAD_LINES more, instead of waiting: the next write then takes all that is pending (the
      // bench's backfill waited 0.3-0.4 s here).
      const lines = pipeline.counters().lines;
      const writeEvery = Math.max(IMPORT_WRITE_LINES, config.tail.batchLines);
      const sinceWrite = lines - linesAtLastWrite;
      if (sinceWrite < writeEvery || (writing && sinceWrite < writeEvery + WRITE_AHEAD_LINES)) {
        pipeline.holdClosedWindows();
        continue;
      }
      await inFlight;
      linesAtLastWrite = lines;
      const saveState =
        Date.now() - lastSave >= SAVE_STATE_EVERY_MS || lines - linesAtLastSave >= SAVE_STATE_EVERY_LINES;
      writing = true;
      inFlight = pipeline.commit({ saveState });
      const settled = () => {
        writing = false;
      };
      // A failed write is thrown where the next write is asked for (not folded past).
      inFlight.then(settled, settled);
      if (saveState) {
        lastSave = Date.now();
        linesAtLastSave = lines;
      }
    }
  } finally {
    await worker.close();
  }
  await inFlight;
  const pipeline = await pipelineNow();
  for (const sourceId of sourceIds) pipeline.finishSource(sourceId);
  await pipeline.commit({ final: true });
  return imported;
}

/** The part of a chunk after `doneOffset` (a line boundary from an earlier run), or null when all of it is done. */
function unprocessedPart(chunk: LineChunk, doneOffset: number): LineChunk | null {
  const end = chunk.startOffset + chunk.data.length;
  if (doneOffset >= end) return null;
  if (doneOffset <= chunk.startOffset) return chunk;
  return { ...chunk, startOffset: doneOffset, data: chunk.data.subarray(doneOffset - chunk.startOffset) };
}
