/**
 * The parse worker's thread: parses chunks of mail log lines with the same
 * parsers as the main thread and answers each with a ParsedMailChunk, so
 * parsing and encoding the events' rows use one core while the aggregation
 * and the store use the other. Started by createMailParseWorker.
 */
import { parentPort } from "node:worker_threads";
import { addressLocator } from "../account-ips/address-locator.js";
import { loadAsnDatabase } from "../account-ips/asn-database.js";
import { createMailLineParser, type MailLineParser } from "../parse/mail-line-parser.js";
import type { ParseWorkerReply, ParseWorkerRequest } from "./parse-worker-messages.js";
import { transferablesOf } from "./parsed-mail-chunk.js";
import { ParsedMailChunkBuilder } from "./parsed-mail-chunk-builder.js";

const port = parentPort;
if (port === null) throw new Error("parse-worker.js runs as a worker thread, not on its own");
const parsers = new Map<number, MailLineParser>();
// Addresses are located here, on the worker's core, with the same offline database as the aggregation;
// the builder numbers each address once and locates it then, so nothing is cached on the way.
const asnDatabase = loadAsnDatabase({ cacheLimit: 0 });
// Loaded now (its IPv4 tables: a few milliseconds from the packed file, about 0.1 s from the CSV files),
// while the importer opens its store, not at the first chunk.
asnDatabase.lookup("192.0.2.1");
const builder = new ParsedMailChunkBuilder(addressLocator(asnDatabase, { cacheLimit: 0 }));

port.on("message", (request: ParseWorkerRequest) => {
  try {
    if (request.type === "parser") {
      parsers.set(request.parserId, createMailLineParser(request.options));
      return;
    }
    const parser = parsers.get(request.parserId);
    if (parser === undefined) throw new Error(`parse worker: no parser ${request.parserId}`);
    const data = Buffer.from(request.data.buffer, request.data.byteOffset, request.data.byteLength);
    builder.begin(request.sourceId, request.path, request.encodeRows);
    parser.parseChunk(data, request.startOffset, builder);
    const chunk = builder.take(request.startOffset, request.startOffset + data.length);
    const reply: ParseWorkerReply = { type: "parsed", chunk };
    port.postMessage(reply, transferablesOf(chunk));
  } catch (error) {
    const reply: ParseWorkerReply = {
      type: "failed",
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
    port.postMessage(reply);
  }
});
