import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import type { LineChunk, SourcePosition } from "../ingest/line-chunk.js";
import { parseDuration } from "../runtime/duration.js";
import type { Logger } from "../runtime/logger.js";
import type { Metrics } from "../runtime/metrics.js";
import type { Source, VigilConfig } from "../schemas/config.js";
import type { ConnEvent, Resolution } from "../schemas/outbound-evidence.js";
import { WebConfigSchema } from "../schemas/web-config.js";
import type { AlertRow } from "./account-ips/rows.js";
import { encodeAlertRow } from "./mail-rows.js";
import { createOutboundProcessor, type OutboundSnapshot } from "./outbound/outbound-processor.js";
import { writeFileAtomically } from "./state-file.js";
import { createWebLineReader, type WebSourceKind } from "./web-line-reader.js";
import { emptyWebRows, insertWebRows } from "./web-rows.js";
import { type WebCounters, webRowsSink } from "./web-rows-sink.js";

/**
 * The embedded web pipeline: Apache logs, netfilter lines and the samplers'
 * observations -> outbound processor -> store, with its own state file
 * (positions of the web sources and the processor's snapshot) written only
 * after the store acknowledged the rows, as the mail pipeline does.
 */
const WebStateSchema = z.object({
  version: z.literal(1),
  positions: z.array(z.object({ sourceId: z.string(), path: z.string(), inode: z.number(), offset: z.number() })),
  outbound: z.unknown(),
});

export type WebPipeline = ReturnType<typeof createWebPipeline>;

export function createWebPipeline(deps: {
  config: VigilConfig;
  client: ClickHouseClient;
  logger: Logger;
  metrics: Metrics;
  statePath: string;
  onAlert?: (alert: AlertRow) => void;
}) {
  const web = deps.config.web ?? WebConfigSchema.parse({});
  const host = web.host ?? hostname();
  const processor = createOutboundProcessor({
    config: web,
    learningMs: parseDuration(web.learningPeriod, "web.learningPeriod"),
  });
  const positions = new Map<string, SourcePosition>();
  try {
    const saved = WebStateSchema.parse(JSON.parse(readFileSync(deps.statePath, "utf8")));
    for (const position of saved.positions) positions.set(position.sourceId, position);
    if (saved.outbound !== undefined && saved.outbound !== null) processor.restore(saved.outbound as OutboundSnapshot);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      deps.logger.warn({ error: String(error) }, "Web state unreadable; starting over");
  }
  let rows = emptyWebRows();
  let pending = 0;
  let chain: Promise<void> = Promise.resolve();
  const readers = new Map<string, ReturnType<typeof createWebLineReader>>();
  const counters: WebCounters = { lines: 0, requests: 0, errors: 0, connections: 0, unparsed: 0 };

  const readerFor = (source: Source) => {
    let reader = readers.get(source.path);
    if (reader === undefined) {
      reader = createWebLineReader({
        kind: source.kind as WebSourceKind,
        format: source.format,
        host: source.host ?? host,
        vhost: source.vhost ?? "",
      });
      readers.set(source.path, reader);
    }
    return reader;
  };

  const addConnection = (event: ConnEvent) => {
    rows.connections.push(event);
    processor.observeConnection(event);
    counters.connections += 1;
  };

  return {
    host,
    positions: positions as ReadonlyMap<string, SourcePosition>,
    sites: () => processor.sites(),
    processChunk(source: Source, chunk: LineChunk, position: SourcePosition) {
      const sink = webRowsSink({
        rows: () => rows,
        processor,
        source: chunk,
        format: source.format,
        kind: source.kind,
        counters,
      });
      const lines = readerFor(source).readChunk(chunk.data, chunk.startOffset, chunk.sourceId, sink);
      counters.lines += lines;
      pending += lines;
      deps.metrics.linesRead.inc({ kind: source.kind }, lines);
      deps.metrics.bytesRead.inc(chunk.data.length);
      positions.set(position.sourceId, position);
    },
    observeConnections(events: readonly ConnEvent[]) {
      for (const event of events) addConnection(event);
      pending += events.length;
    },
    observeResolution(resolution: Resolution) {
      rows.resolutions.push(resolution);
      processor.observeResolution(resolution);
      pending += 1;
    },
    pendingLines: () => pending,
    counters: () => ({ ...counters }),
    commit(): Promise<void> {
      const next = chain.then(async () => {
        // Nothing read or sampled since the last commit: nothing to write, and the state file stands.
        if (pending === 0) return;
        const changes = processor.collect();
        const batch = { ...rows, destinations: changes.destinations, alerts: changes.alerts.map(encodeAlertRow) };
        const snapshot = processor.snapshot();
        const committed = [...positions.values()];
        rows = emptyWebRows();
        pending = 0;
        await insertWebRows(deps.client, batch, deps.metrics);
        for (const alert of changes.alerts) {
          deps.metrics.alerts.inc({ kind: alert.kind });
          deps.onAlert?.(alert);
        }
        await writeFileAtomically(
          deps.statePath,
          JSON.stringify({ version: 1, positions: committed, outbound: snapshot }),
        );
      });
      chain = next.catch(() => undefined);
      return next;
    },
  };
}
