import { encodeUnparsedRow } from "./mail-event-rows.js";
import type { OutboundProcessor } from "./outbound/outbound-processor.js";
import type { WebLineSink } from "./web-line-reader.js";
import { appendRequestRow, type WebRows } from "./web-rows.js";

export type WebCounters = { lines: number; requests: number; errors: number; connections: number; unparsed: number };

/**
 * Where the lines of one web source chunk go, in `vigil run` and in the
 * outbound stage alike: rows for the store, evidence for the outbound
 * processor, unparsed lines kept with their reason.
 */
export function webRowsSink(options: {
  rows: () => WebRows;
  processor: OutboundProcessor;
  source: { sourceId: string; path: string };
  format: string;
  kind: string;
  counters?: WebCounters;
}): WebLineSink {
  const { processor, counters } = options;
  return {
    request(row) {
      appendRequestRow(options.rows().requests, row);
      if (row.vhost !== "") processor.addSite(row.vhost);
      processor.observeRequest(row.vhost, row.ts, row.duration_us);
      if (counters !== undefined) counters.requests += 1;
    },
    error(row) {
      options.rows().errors.push(row);
      if (counters !== undefined) counters.errors += 1;
    },
    connection(event) {
      options.rows().connections.push(event);
      processor.observeConnection(event);
      if (counters !== undefined) counters.connections += 1;
    },
    unparsed(line, offset, reason) {
      options
        .rows()
        .unparsed.push(encodeUnparsedRow(line, offset, reason, options.source, options.format, options.kind));
      if (counters !== undefined) counters.unparsed += 1;
    },
    skipped() {},
  };
}
