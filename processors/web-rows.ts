import type { ClickHouseClient } from "@clickhouse/client";
import type { Metrics } from "../runtime/metrics.js";
import type { ConnEvent, Resolution } from "../schemas/outbound-evidence.js";
import { insertTsvRows } from "../store/insert-tsv-rows.js";
import { datetime64Text, escapeTsv } from "../store/tsv.js";
import { ALERT_COLUMNS, UNPARSED_COLUMNS } from "./mail-rows.js";
import type { DestinationRow } from "./outbound/outbound-processor.js";
import type { HttpRequestRow, WebErrorRow } from "./web-line-reader.js";

/** Rows of the web tables waiting for the store. */
export type WebRows = {
  /** http_requests rows, already TabSeparated (the hot path: no object kept per request). */
  requests: string[];
  errors: WebErrorRow[];
  connections: ConnEvent[];
  resolutions: Resolution[];
  destinations: DestinationRow[];
  unparsed: string[];
  alerts: string[];
};

export function emptyWebRows(): WebRows {
  return { requests: [], errors: [], connections: [], resolutions: [], destinations: [], unparsed: [], alerts: [] };
}

const time = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace("Z", "");

export const REQUEST_COLUMNS = [
  "ts",
  "host",
  "vhost",
  "port",
  "client",
  "method",
  "path",
  "status",
  "bytes",
  "duration_us",
  "format",
  "source_id",
  "offset",
] as const;

/** One http_requests row as TabSeparated text. */
export function encodeRequestRow(row: HttpRequestRow): string {
  return `${datetime64Text(row.ts)}\t${escapeTsv(row.host)}\t${escapeTsv(row.vhost)}\t${row.port}\t${escapeTsv(row.client)}\t${escapeTsv(row.method)}\t${escapeTsv(row.path)}\t${row.status}\t${row.bytes}\t${row.duration_us}\t${row.format}\t${row.source_id}\t${row.offset}`;
}

/** Evidence first, then what was derived from it, alerts last (as for mail). */
export async function insertWebRows(client: ClickHouseClient, rows: WebRows, metrics: Metrics): Promise<void> {
  const json = async (table: string, values: Record<string, unknown>[]) => {
    if (values.length === 0) return;
    const stop = metrics.insertSeconds.startTimer({ table });
    await client.insert({ table, format: "JSONEachRow", values });
    stop();
    metrics.insertedRows.inc({ table }, values.length);
  };
  const tsv = async (table: string, columns: readonly string[], lines: string[]) => {
    if (lines.length === 0) return;
    await insertTsvRows(client, { table, columns, rows: lines });
    metrics.insertedRows.inc({ table }, lines.length);
  };
  await Promise.all([
    tsv("http_requests", REQUEST_COLUMNS, rows.requests),
    json(
      "web_errors",
      rows.errors.map((row) => ({ ...row, ts: time(row.ts) })),
    ),
    json(
      "conn_events",
      rows.connections.map((row) => ({ ...row, ts: time(row.ts) })),
    ),
    json(
      "site_resolutions",
      rows.resolutions.map((row) => ({ ...row, ts: time(row.ts) })),
    ),
    tsv("unparsed_lines", UNPARSED_COLUMNS, rows.unparsed),
  ]);
  await json(
    "outbound_destinations",
    rows.destinations.map((row) => ({
      ...row,
      first_seen: time(row.first_seen),
      last_seen: time(row.last_seen),
      version: row.last_seen,
    })),
  );
  await tsv("alerts", ALERT_COLUMNS, rows.alerts);
}
