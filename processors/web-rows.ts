import type { ClickHouseClient } from "@clickhouse/client";
import { type Metrics, measuredInsert } from "../runtime/metrics.js";
import type { ConnEvent, Resolution } from "../schemas/outbound-evidence.js";
import { insertNativeBlocks, insertTsvRows } from "../store/insert-rows.js";
import { NativeRows } from "../store/native-rows.js";
import { UNPARSED_COLUMNS } from "./mail-event-rows.js";
import { ALERT_COLUMNS } from "./mail-rows.js";
import type { DestinationRow } from "./outbound/outbound-processor.js";
import type { HttpRequestRow, WebErrorRow } from "./web-line-reader.js";

/** Rows of the web tables waiting for the store. */
export type WebRows = {
  /** http_requests rows, already columns of a Native block (the hot path: no object or string kept per request). */
  requests: NativeRows;
  errors: WebErrorRow[];
  connections: ConnEvent[];
  resolutions: Resolution[];
  destinations: DestinationRow[];
  unparsed: string[];
  alerts: string[];
};

export function emptyWebRows(): WebRows {
  return {
    requests: new NativeRows(REQUEST_LAYOUT),
    errors: [],
    connections: [],
    resolutions: [],
    destinations: [],
    unparsed: [],
    alerts: [],
  };
}

const time = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace("Z", "");

const REQUEST_LAYOUT = [
  { name: "ts", kind: "datetime64-ms" },
  { name: "host", kind: "repeated-string" },
  { name: "vhost", kind: "repeated-string" },
  { name: "port", kind: "int32" },
  { name: "client", kind: "string" },
  { name: "method", kind: "repeated-string" },
  { name: "path", kind: "string" },
  { name: "status", kind: "int16" },
  { name: "bytes", kind: "uint64" },
  { name: "duration_us", kind: "int64" },
  { name: "format", kind: "repeated-string" },
  { name: "source_id", kind: "repeated-string" },
  { name: "offset", kind: "uint64" },
] as const;
const REQUEST_COLUMNS = REQUEST_LAYOUT.map((column) => column.name);

/** Appends one http_requests row to the columns waiting for the store. */
export function appendRequestRow(requests: NativeRows, row: HttpRequestRow): void {
  requests.number(row.ts).text(row.host).text(row.vhost).number(row.port).text(row.client).text(row.method);
  requests.text(row.path).number(row.status).number(row.bytes).number(row.duration_us).text(row.format);
  requests.text(row.source_id).number(row.offset).endRow();
}

/** Evidence first, then what was derived from it, alerts last (as for mail). */
export async function insertWebRows(client: ClickHouseClient, rows: WebRows, metrics: Metrics): Promise<void> {
  const json = (table: string, values: Record<string, unknown>[]) =>
    measuredInsert(metrics, table, values.length, () => client.insert({ table, format: "JSONEachRow", values }));
  const tsv = (table: string, columns: readonly string[], lines: string[]) =>
    measuredInsert(metrics, table, lines.length, () => insertTsvRows(client, { table, columns, rows: lines }));
  const requests = () => {
    const block = rows.requests.take();
    return measuredInsert(metrics, "http_requests", block.rows, () =>
      insertNativeBlocks(client, {
        table: "http_requests",
        columns: REQUEST_COLUMNS,
        blocks: [block.bytes],
        rows: block.rows,
      }),
    );
  };
  await Promise.all([
    requests(),
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
