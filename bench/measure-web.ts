/**
 * One Apache measurement, run as its own process by bench/mail-bench.ts:
 * `node dist/bench/measure-web.js parse|pipeline FILE DATA_DIR`. `parse` reads
 * the file into request rows; `pipeline` also runs the outbound processor's
 * request side and writes everything into a fresh chDB store, committing every
 * 100,000 lines as `vigil run` does. Prints one JSON line.
 */

import { BENCH_APACHE_FORMAT } from "../demo/write-apache-log.js";
import { readFileChunks } from "../ingest/read-file-chunks.js";
import { createWebLineReader } from "../processors/web-line-reader.js";
import { createWebPipeline } from "../processors/web-pipeline.js";
import { silentLogger } from "../runtime/logger.js";
import { createMetrics } from "../runtime/metrics.js";
import { ConfigSchema } from "../schemas/config.js";
import { createStoreClient } from "../store/create-store-client.js";
import { migrate } from "../store/migrate.js";

const [mode, path, dataDir] = process.argv.slice(2);
if ((mode !== "parse" && mode !== "pipeline") || path === undefined) {
  process.stderr.write("usage: measure-web.js parse|pipeline FILE [DATA_DIR]\n");
  process.exit(2);
}
const started = process.hrtime.bigint();
let lines = 0;
let requests = 0;
if (mode === "parse") {
  const reader = createWebLineReader({ kind: "apache-access", format: BENCH_APACHE_FORMAT, host: "web1", vhost: "" });
  const sink = {
    request: () => {
      requests += 1;
    },
    error: () => undefined,
    connection: () => undefined,
    unparsed: () => undefined,
    skipped: () => undefined,
  };
  for await (const chunk of readFileChunks(path))
    lines += reader.readChunk(chunk.data, chunk.startOffset, chunk.sourceId, sink);
} else {
  const source = { path, kind: "apache-access" as const, format: BENCH_APACHE_FORMAT, host: "web1" };
  const config = ConfigSchema.parse({
    data: dataDir,
    sources: [source],
    web: { host: "web1", sampler: { interval: "0s" }, resolver: { interval: "0s" } },
  });
  const client = createStoreClient({ dataDir: dataDir as string });
  await migrate(client);
  const pipeline = createWebPipeline({
    config,
    client,
    logger: silentLogger(),
    metrics: createMetrics(),
    statePath: `${dataDir}/web-state.json`,
  });
  const parsed = config.sources[0];
  // As vigil run does: the next batch is parsed while the previous one is written.
  let writing: Promise<void> = Promise.resolve();
  for await (const chunk of readFileChunks(path)) {
    pipeline.processChunk(parsed as (typeof config.sources)[number], chunk, {
      sourceId: chunk.sourceId,
      path,
      inode: 0,
      offset: chunk.startOffset + chunk.data.length,
    });
    if (pipeline.pendingLines() >= 100_000) {
      await writing;
      writing = pipeline.commit();
    }
  }
  await writing;
  await pipeline.commit();
  const counters = pipeline.counters();
  lines = counters.lines;
  requests = counters.requests;
  await client.close();
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(`${JSON.stringify({ mode, lines, requests, seconds })}\n`);
