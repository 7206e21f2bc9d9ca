import type { ClickHouseClient } from "@clickhouse/client";
import { type Metrics, measuredInsert } from "../runtime/metrics.js";
import { insertNativeBlocks, insertTsvRows } from "../store/insert-rows.js";
import { NativeRows } from "../store/native-rows.js";
import { datetime64Text, escapeTsv } from "../store/tsv.js";
import type { Changes } from "./account-ips/collect-changes.js";
import type { AlertRow } from "./account-ips/rows.js";
import { WindowRowField } from "./account-ips/window-row-columns.js";
import { EVENT_COLUMNS, UNPARSED_COLUMNS } from "./mail-event-rows.js";

/** Rows of one table encoded as Native blocks (store/native-rows.ts). */
export type RowsBlock = { bytes: Uint8Array; rows: number };
export const NO_ROWS: RowsBlock = { bytes: new Uint8Array(0), rows: 0 };

/** Native blocks of one table, sent one after the other as one body (a Native stream is blocks in a row). */
export type RowsBlocks = { blocks: readonly Uint8Array[]; rows: number };

/** Blocks of one table as one insert's body: listed, not joined (no copy of the chunks' rows). */
export function blocksOf(blocks: readonly RowsBlock[]): RowsBlocks {
  const filled = blocks.filter((block) => block.rows > 0);
  return {
    blocks: filled.map((block) => block.bytes),
    rows: filled.reduce((sum, block) => sum + block.rows, 0),
  };
}

/** Rows for each table, already encoded as TabSeparated lines (no trailing newline) or bytes. */
export type EncodedRows = {
  events: string[];
  /** More `mail_auth_events` rows, from the parse worker, as Native blocks. */
  eventBlocks?: RowsBlocks;
  unparsed: string[];
  history: RowsBlock;
  windows: RowsBlock | RowsBlocks;
  alerts: string[];
};

export const ALERT_COLUMNS = [
  "alert_id",
  "kind",
  "subject",
  "window",
  "window_start",
  "window_end",
  "level",
  "verdict",
  "summary",
  "evidence",
  "fired_at",
];

/** DateTime columns (seconds) take epoch seconds. */
const seconds = (ms: number) => String(Math.floor(ms / 1000));

const HISTORY_LAYOUT = [
  { name: "user", kind: "string" },
  { name: "ip", kind: "string" },
  { name: "first_seen", kind: "datetime64-ms" },
  { name: "last_seen", kind: "datetime64-ms" },
  { name: "logins", kind: "uint64" },
  { name: "failures", kind: "uint64" },
  { name: "first_offset", kind: "uint64" },
  { name: "network", kind: "string" },
  { name: "network16", kind: "string" },
  { name: "asn", kind: "uint32" },
  { name: "as_name", kind: "repeated-string" },
  { name: "country", kind: "repeated-string" },
  { name: "version", kind: "uint64" },
] as const;
const WINDOW_LAYOUT = [
  { name: "user", kind: "string" },
  { name: "window", kind: "repeated-string" },
  { name: "window_start", kind: "datetime" },
  { name: "window_end", kind: "datetime" },
  { name: "ips", kind: "uint32" },
  { name: "networks", kind: "uint32" },
  { name: "networks16", kind: "uint32" },
  { name: "asns", kind: "uint32" },
  { name: "countries", kind: "uint32" },
  { name: "logins", kind: "uint64" },
  { name: "failures", kind: "uint64" },
  { name: "new_networks", kind: "uint32" },
  { name: "first_login", kind: "datetime64-ms" },
  { name: "last_login", kind: "datetime64-ms" },
  { name: "verdict", kind: "repeated-string" },
  { name: "level", kind: "uint8" },
  { name: "version", kind: "uint64" },
] as const;
export const HISTORY_COLUMNS = HISTORY_LAYOUT.map((column) => column.name);
const WINDOW_COLUMNS = WINDOW_LAYOUT.map((column) => column.name);

export function encodeAccountRows(changes: Changes): { history: RowsBlock; windows: RowsBlock; alerts: string[] } {
  // Columns of Native blocks: a few hundred thousand rows at the end of an import, no string per value
  // or row here and no text for the store to parse.
  const history = new NativeRows(HISTORY_LAYOUT);
  for (const row of changes.history) {
    history.text(row.user).text(row.ip).number(row.first_seen).number(row.last_seen).number(row.logins);
    history.number(row.failures).number(row.first_offset).text(row.network).text(row.network16).number(row.asn);
    history.text(row.as_name).text(row.country).number(row.version).endRow();
  }
  const windows = new NativeRows(WINDOW_LAYOUT);
  const rows = changes.windowRows;
  const F = WindowRowField;
  for (let row = 0; row < rows.count; row++) {
    windows
      .text(rows.user(row))
      .text(rows.window(row))
      .number(Math.floor(rows.field(row, F.start) / 1000));
    windows
      .number(Math.floor(rows.field(row, F.end) / 1000))
      .number(rows.field(row, F.ips))
      .number(rows.field(row, F.networks))
      .number(rows.field(row, F.networks16));
    windows.number(rows.field(row, F.asns)).number(rows.field(row, F.countries)).number(rows.field(row, F.logins));
    windows.number(rows.field(row, F.failures)).number(rows.field(row, F.newNetworks));
    windows.number(rows.field(row, F.firstLogin)).number(rows.field(row, F.lastLogin)).text(rows.verdict(row));
    windows.number(rows.field(row, F.level)).number(rows.field(row, F.version));
    windows.endRow();
  }
  return { history: history.take(), windows: windows.take(), alerts: changes.alerts.map(encodeAlertRow) };
}

/**
 * Inserts every table's rows. Events first and alerts last: an alert is only
 * stored once the evidence behind it is.
 */
export async function insertEncoded(client: ClickHouseClient, rows: EncodedRows, metrics: Metrics): Promise<void> {
  // No insert looks for duplicates inside itself (`optimize_on_insert = 0`): every table here is a
  // ReplacingMergeTree read FINAL, whose merges and FINAL replace rows anyway, and one batch holds an
  // event (its source and offset), a record or a window once. Sorting out a block's duplicates cost
  // chDB about 10% of an import's time (2 million lines, same tables after FINAL).
  const settings = { optimize_on_insert: 0 };
  const write = (table: string, columns: readonly string[], lines: string[]) =>
    measuredInsert(metrics, table, lines.length, () =>
      insertTsvRows(client, { table, columns, rows: lines, settings }),
    );
  const writeBlocks = (table: string, columns: readonly string[], block: RowsBlock | RowsBlocks) =>
    measuredInsert(metrics, table, block.rows, () =>
      insertNativeBlocks(client, {
        table,
        columns,
        blocks: "blocks" in block ? block.blocks : [block.bytes],
        rows: block.rows,
        settings,
      }),
    );
  await Promise.all([
    write("mail_auth_events", EVENT_COLUMNS, rows.events),
    writeBlocks("mail_auth_events", EVENT_COLUMNS, rows.eventBlocks ?? NO_ROWS),
    write("unparsed_lines", UNPARSED_COLUMNS, rows.unparsed),
  ]);
  await Promise.all([
    writeBlocks("account_ip_history", HISTORY_COLUMNS, rows.history),
    writeBlocks("account_windows", WINDOW_COLUMNS, rows.windows),
  ]);
  await write("alerts", ALERT_COLUMNS, rows.alerts);
}

/** An alert as the `alerts` table takes it (window bounds in epoch seconds, fired_at as DateTime64 text). */
export function encodeAlertRow(row: AlertRow): string {
  return [
    row.alert_id,
    row.kind,
    escapeTsv(row.subject),
    row.window,
    seconds(row.window_start),
    seconds(row.window_end),
    row.level,
    row.verdict,
    escapeTsv(row.summary),
    escapeTsv(row.evidence),
    datetime64Text(row.fired_at),
  ].join("\t");
}
