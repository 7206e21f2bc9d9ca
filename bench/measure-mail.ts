/**
 * One measurement, run as its own process by bench/mail-bench.ts so that its
 * peak memory is its own: `node dist/bench/measure-mail.js parse|worker-parse|aggregate FILE`.
 * - `parse`: the parser on this one thread (as `vigil run` parses what it tails);
 * - `worker-parse`: an import's parse stage alone (the parse worker and its scan kernel, this thread
 *   only handing it the chunks): the floor under `aggregate`, whatever the aggregation costs;
 * - `aggregate`: an import's parse and aggregation (processors/mail-import.ts), no store.
 * Prints one JSON line: { mode, lines, events, seconds }.
 */
import { statSync } from "node:fs";
import type { ParsedMailAuth } from "../schemas/mail-auth-event.js";

const [mode, path, format = "awk-login"] = process.argv.slice(2);
if ((mode !== "parse" && mode !== "worker-parse" && mode !== "aggregate") || path === undefined) {
  process.stderr.write("usage: measure-mail.js parse|worker-parse|aggregate FILE [FORMAT]\n");
  process.exit(2);
}

const started = process.hrtime.bigint();
// As `vigil backfill` does (bin/vigil.ts): the parse worker starts first, while the rest loads.
const { createMailParseWorker } = await import("../processors/parse-worker/mail-parse-worker.js");
const worker = mode === "parse" ? null : createMailParseWorker({ encodeRows: false });
// The aggregation's modules load (beside the others) only where it runs: `worker-parse` is the floor under `aggregate`.
const processorReady = mode === "aggregate" ? createProcessor() : null;
const [
  { readFileChunks },
  { FIRST_CHUNK_BYTES, PARSE_AHEAD, SAVE_STATE_EVERY_LINES },
  { createMailLineParser },
  { parsedInOrder },
  { ConfigSchema },
] = await Promise.all([
  import("../ingest/read-file-chunks.js"),
  import("../processors/mail-import.js"),
  import("../processors/parse/mail-line-parser.js"),
  import("../processors/parse-worker/parsed-in-order.js"),
  import("../schemas/config.js"),
]);
const parserOptions = { format, fieldMaps: {}, timezone: "UTC", referenceTime: statSync(path).mtimeMs };
const processor = await processorReady;
let lines = 0;
let events = 0;
let sourceId = "";
const sink = {
  event(_event: ParsedMailAuth, _offset: number) {
    events += 1;
  },
  unparsed() {
    lines += 1;
  },
  skipped(count: number) {
    lines += count;
  },
};
let collected = 0;
let sinceCollect = 0;
let sinceBatch = 0;
if (worker === null) {
  // The worker makes its own parser (`defineParser`): this thread makes one only when it parses.
  const parser = createMailLineParser(parserOptions);
  for await (const chunk of readFileChunks(path)) parser.parseChunk(chunk.data, chunk.startOffset, sink);
} else {
  // As an import does (processors/mail-import.ts): chunks parsed on the parse worker while this thread
  // aggregates the ones before; the aggregation's rows collected at each state save (every million
  // lines), and the windows that closed at every batch of `tail.batchLines`.
  const batchLines = ConfigSchema.parse({}).tail.batchLines;
  const parserId = worker.defineParser(parserOptions);
  async function* chunks() {
    const sharedMemory = worker?.sharedMemory;
    for await (const chunk of readFileChunks(path as string, {
      ...(sharedMemory === undefined ? {} : { sharedMemory }),
      firstChunkBytes: FIRST_CHUNK_BYTES,
    }))
      yield { chunk, parserId, meta: null };
  }
  for await (const { parsed } of parsedInOrder(worker, chunks(), PARSE_AHEAD, () => processor?.foldPending())) {
    events += parsed.events;
    lines += parsed.lines - parsed.events;
    if (processor === null) continue;
    sourceId = parsed.sourceId;
    processor.foldParsed(parsed);
    sinceCollect += parsed.lines;
    sinceBatch += parsed.lines;
    if (sinceCollect >= SAVE_STATE_EVERY_LINES) {
      collected += processor.collect().history.length;
      sinceCollect = 0;
      sinceBatch = 0;
    } else if (sinceBatch >= batchLines) {
      processor.collect({ closedOnly: true });
      sinceBatch = 0;
    }
  }
  await worker.close();
  if (processor !== null) {
    processor.finishSource(sourceId);
    collected += processor.collect({ closeAll: true, flushOpen: true }).history.length;
  }
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(`${JSON.stringify({ mode, lines: lines + events, events, rows: collected, seconds })}\n`);

/** The aggregation, as an import makes it (default config, the packaged ASN tables). */
async function createProcessor() {
  const [{ createAccountIpsProcessor }, { loadAsnDatabase }, { AccountIpsSchema }] = await Promise.all([
    import("../processors/account-ips/account-ips-processor.js"),
    import("../processors/account-ips/asn-database.js"),
    import("../schemas/config.js"),
  ]);
  return createAccountIpsProcessor({ config: AccountIpsSchema.parse({}), asnDatabase: loadAsnDatabase() });
}
