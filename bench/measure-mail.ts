/**
 * One measurement, run as its own process by bench/mail-bench.ts so that its
 * peak memory is its own: `node dist/bench/measure-mail.js parse|aggregate FILE`.
 * Prints one JSON line: { mode, lines, events, seconds }.
 */
import { statSync } from "node:fs";
import type { ParsedMailAuth } from "../schemas/mail-auth-event.js";

const [mode, path, format = "awk-login"] = process.argv.slice(2);
if ((mode !== "parse" && mode !== "aggregate") || path === undefined) {
  process.stderr.write("usage: measure-mail.js parse|aggregate FILE [FORMAT]\n");
  process.exit(2);
}

const started = process.hrtime.bigint();
// As `vigil backfill` does (bin/vigil.ts): the parse worker starts first, while the rest loads.
const { createMailParseWorker } = await import("../processors/parse-worker/mail-parse-worker.js");
const worker = mode === "aggregate" ? createMailParseWorker({ encodeRows: false }) : null;
const [
  { readFileChunks },
  { createAccountIpsProcessor },
  { loadAsnDatabase },
  { FIRST_CHUNK_BYTES, PARSE_AHEAD, SAVE_STATE_EVERY_LINES },
  { createMailLineParser },
  { parsedInOrder },
  { AccountIpsSchema, ConfigSchema },
] = await Promise.all([
  import("../ingest/read-file-chunks.js"),
  import("../processors/account-ips/account-ips-processor.js"),
  import("../processors/account-ips/asn-database.js"),
  import("../processors/mail-import.js"),
  import("../processors/parse/mail-line-parser.js"),
  import("../processors/parse-worker/parsed-in-order.js"),
  import("../schemas/config.js"),
]);
const parserOptions = { format, fieldMaps: {}, timezone: "UTC", referenceTime: statSync(path).mtimeMs };
const parser = createMailLineParser(parserOptions);
const processor =
  mode === "aggregate"
    ? createAccountIpsProcessor({ config: AccountIpsSchema.parse({}), asnDatabase: loadAsnDatabase() })
    : null;
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
if (processor === null || worker === null) {
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
  for await (const { parsed } of parsedInOrder(worker, chunks(), PARSE_AHEAD, () => processor.foldPending())) {
    sourceId = parsed.sourceId;
    processor.foldParsed(parsed);
    events += parsed.events;
    lines += parsed.lines - parsed.events;
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
  processor.finishSource(sourceId);
  collected += processor.collect({ closeAll: true, flushOpen: true }).history.length;
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(`${JSON.stringify({ mode, lines: lines + events, events, rows: collected, seconds })}\n`);
