import { Worker } from "node:worker_threads";
import type { LineChunk } from "../../ingest/line-chunk.js";
import { SharedChunkMemory } from "../../ingest/shared-chunk-memory.js";
import { createMailLineParser, type MailLineParserOptions } from "../parse/mail-line-parser.js";
import type { ParseWorkerReply, ParseWorkerRequest } from "./parse-worker-messages.js";
import type { ParsedMailChunk } from "./parsed-mail-chunk.js";

export type MailParseWorker = {
  /** Registers a parser (format, zone, reference time) and returns its id for `parse`; throws ConfigError for a bad format. */
  defineParser(options: MailLineParserOptions): number;
  /**
   * Parses a chunk on the worker thread; answers come back in the order asked. A chunk that owns its
   * memory (`ownsMemory`: readFileChunks's chunks of plain files) moves it to the worker, and its
   * `data` is empty afterwards; the bytes of any other chunk are copied.
   */
  parse(parserId: number, chunk: LineChunk): Promise<ParsedMailChunk>;
  close(): Promise<void>;
  /**
   * Memory shared with this worker for readFileChunks to read chunks into (`sharedMemory`): such a chunk
   * is neither copied nor moved, and its memory is released when its answer arrives.
   */
  readonly sharedMemory: SharedChunkMemory;
};

/** Slots of shared memory: the chunks an import has on their way to the worker (PARSE_AHEAD) and two being read. */
const SHARED_SLOTS = 8;
const SHARED_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * A worker thread that parses mail log chunks (processors/parse-worker/parse-worker.ts),
 * so that an import parses on one core while it aggregates and writes on the
 * other. A failure in the worker rejects every chunk waiting for it.
 */
export function createMailParseWorker(options: { encodeRows?: boolean } = {}): MailParseWorker {
  const encodeRows = options.encodeRows ?? true;
  const worker = new Worker(new URL("./parse-worker.js", import.meta.url), {
    // The young generation the executable asks for (bin/vigil.ts): parsing makes short-lived strings.
    resourceLimits: { maxYoungGenerationSizeMb: 192 },
  });
  // The worker keeps the process alive only while it has chunks to parse (one started early and never
  // used lets the process end).
  worker.unref();
  const waiting: { resolve(chunk: ParsedMailChunk): void; reject(error: Error): void; release?: () => void }[] = [];
  const sharedMemory = new SharedChunkMemory(SHARED_SLOTS, SHARED_CHUNK_BYTES);
  let failure: Error | null = null;
  let nextParserId = 0;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const request of waiting.splice(0)) {
      request.release?.();
      request.reject(error);
    }
  };
  worker.on("message", (reply: ParseWorkerReply) => {
    const request = waiting.shift();
    if (waiting.length === 0) worker.unref();
    if (request === undefined) return;
    request.release?.(); // the worker is done with the chunk's bytes
    if (reply.type === "parsed") request.resolve(reply.chunk);
    else request.reject(new Error(`parse worker failed: ${reply.message}`));
  });
  worker.on("error", (error) => failAll(error));
  worker.on("exit", (code) => failAll(new Error(`parse worker exited (code ${code})`)));
  const send = (request: ParseWorkerRequest, transfer: ArrayBuffer[] = []) => worker.postMessage(request, transfer);

  return {
    sharedMemory,
    defineParser(options) {
      // Made here once as well, so that a bad format or field map is reported at once, as the
      // configuration error it is, rather than by the worker when its first chunk arrives.
      createMailLineParser(options);
      const parserId = nextParserId++;
      send({ type: "parser", parserId, options });
      return parserId;
    },
    parse(parserId, chunk) {
      if (failure !== null) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        if (waiting.length === 0) worker.ref();
        waiting.push({
          resolve,
          reject,
          ...(chunk.releaseShared === undefined ? {} : { release: chunk.releaseShared }),
        });
        // A chunk in memory shared with the worker is sent as it is; otherwise exactly the chunk's bytes: a
        // view of memory others read is copied (moving its buffer would take what other views read, such as
        // Node's pool of small buffers).
        const shared = chunk.releaseShared !== undefined;
        const data = shared || chunk.ownsMemory === true ? chunk.data : new Uint8Array(chunk.data);
        send(
          {
            type: "chunk",
            parserId,
            sourceId: chunk.sourceId,
            path: chunk.path,
            startOffset: chunk.startOffset,
            data,
            encodeRows,
          },
          shared ? [] : [data.buffer as ArrayBuffer],
        );
      });
    },
    async close() {
      failure ??= new Error("parse worker closed");
      // An idle worker is unref'd: without this, the process could end before the worker has (a caller
      // awaiting this close would never go on: a failed import ended with exit code 13 and no message).
      worker.ref();
      await worker.terminate();
    },
  };
}
