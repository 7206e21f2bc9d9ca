import type { ClickHouseClient } from "@clickhouse/client";
import { type Metrics, measuredInsert } from "../runtime/metrics.js";
import { insertNativeBlocks, insertTsvRows } from "../store/insert-rows.js";
import { NativeRows } from "../store/native-rows.js";
import { datetime64Text, escapeTsv } from "../store/tsv.js";
import type { Changes } from "./account-ips/collect-changes.js";
import type { AlertRow } from "./account-ips/rows.js";
import { WINDOW_ROW_FIELDS, WindowRowField } from "./account-ips/window-row-columns.js";
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
  // or row here and no text for the store to parse. Written a column at a time: one small loop per column
  // (a loop over rows writing every column made one large function that V8 compiled up to nine times).
  return {
    history: encodeHistoryRows(changes.history),
    windows: encodeWindowRows(changes.windowRows),
    alerts: changes.alerts.map(encodeAlertRow),
  };
}

function encodeHistoryRows(history: Changes["history"]): RowsBlock {
  // The rows' fields gathered first in one pass (one shape of object, read field by field), then written a
  // column at a time: the history is encoded only when the state is saved (at the end of an import, every
  // record at once), so this runs mostly before V8 optimised it, where a callback per value cost 1.5-1.9 µs
  // a row.
  const count = history.length;
  const users = new Array<string>(count);
  const ips = new Array<string>(count);
  const networks = new Array<string>(count);
  const networks16 = new Array<string>(count);
  const asNames = new Array<string>(count);
  const countries = new Array<string>(count);
  const numbers = new Float64Array(count * HISTORY_NUMBERS);
  for (let index = 0; index < count; index++) {
    const row = history[index] as Changes["history"][number];
    users[index] = row.user;
    ips[index] = row.ip;
    networks[index] = row.network;
    networks16[index] = row.network16;
    asNames[index] = row.as_name;
    countries[index] = row.country;
    const at = index * HISTORY_NUMBERS;
    numbers[at] = row.first_seen;
    numbers[at + 1] = row.last_seen;
    numbers[at + 2] = row.logins;
    numbers[at + 3] = row.failures;
    numbers[at + 4] = row.first_offset;
    numbers[at + 5] = row.asn;
    numbers[at + 6] = row.version;
  }
  const rows = new NativeRows(HISTORY_LAYOUT);
  const S = HISTORY_NUMBERS;
  rows.texts(users).texts(ips);
  rows.numbersStrided(numbers, 0, S, count).numbersStrided(numbers, 1, S, count);
  rows.numbersStrided(numbers, 2, S, count).numbersStrided(numbers, 3, S, count);
  rows.numbersStrided(numbers, 4, S, count);
  rows.texts(networks).texts(networks16);
  rows.numbersStrided(numbers, 5, S, count);
  rows.texts(asNames).texts(countries);
  rows.numbersStrided(numbers, 6, S, count).endRows(count);
  return rows.take();
}
/** The numbers of a history row, in `encodeHistoryRows`'s order: first and last seen, logins, failures, first offset, ASN, version. */
const HISTORY_NUMBERS = 7;

function encodeWindowRows(windowRows: Changes["windowRows"]): RowsBlock {
  const rows = new NativeRows(WINDOW_LAYOUT);
  const count = windowRows.count;
  const values = windowRows.values;
  const F = WindowRowField;
  const S = WINDOW_ROW_FIELDS;
  rows.textsOf(count, (row) => windowRows.user(row)).textsOf(count, (row) => windowRows.window(row));
  rows.numbersStrided(values, F.start, S, count, 1000).numbersStrided(values, F.end, S, count, 1000);
  rows.numbersStrided(values, F.ips, S, count).numbersStrided(values, F.networks, S, count);
  rows.numbersStrided(values, F.networks16, S, count).numbersStrided(values, F.asns, S, count);
  rows.numbersStrided(values, F.countries, S, count).numbersStrided(values, F.logins, S, count);
  rows.numbersStrided(values, F.failures, S, count).numbersStrided(values, F.newNetworks, S, count);
  rows.numbersStrided(values, F.firstLogin, S, count).numbersStrided(values, F.lastLogin, S, count);
  rows.textsOf(count, (row) => windowRows.verdict(row));
  rows.numbersStrided(values, F.level, S, count).numbersStrided(values, F.version, S, count).endRows(count);
  return rows.take();
}

/** The rows read from the logs: the events and the lines kept unparsed. */
export type EvidenceRows = Pick<EncodedRows, "events" | "eventBlocks" | "unparsed">;
/** The rows the aggregation derives from them: records, windows, alerts. */
export type DerivedRows = Pick<EncodedRows, "history" | "windows" | "alerts">;

/**
 * Inserts every table's rows. Events first and alerts last: an alert is only
 * stored once the evidence behind it is.
 */
export async function insertEncoded(client: ClickHouseClient, rows: EncodedRows, metrics: Metrics): Promise<void> {
  await insertEvidence(client, rows, metrics);
  await insertDerived(client, rows, metrics);
}

/** Inserts the events and unparsed lines (a caller that has them before the aggregation's rows starts them first). */
export async function insertEvidence(client: ClickHouseClient, rows: EvidenceRows, metrics: Metrics): Promise<void> {
  await Promise.all([
    writeTsv(client, metrics, "mail_auth_events", EVENT_COLUMNS, rows.events),
    writeBlocks(client, metrics, "mail_auth_events", EVENT_COLUMNS, rows.eventBlocks ?? NO_ROWS),
    writeTsv(client, metrics, "unparsed_lines", UNPARSED_COLUMNS, rows.unparsed),
  ]);
}

/** Inserts the records and windows, then the alerts; called once their evidence is stored. */
export async function insertDerived(client: ClickHouseClient, rows: DerivedRows, metrics: Metrics): Promise<void> {
  await Promise.all([
    writeBlocks(client, metrics, "account_ip_history", HISTORY_COLUMNS, rows.history),
    writeBlocks(client, metrics, "account_windows", WINDOW_COLUMNS, rows.windows),
  ]);
  await writeTsv(client, metrics, "alerts", ALERT_COLUMNS, rows.alerts);
}

// No insert looks for duplicates inside itself (`optimize_on_insert = 0`): every table here is a
// ReplacingMergeTree read FINAL, whose merges and FINAL replace rows anyway, and one batch holds an
// event (its source and offset), a record or a window once. Sorting out a block's duplicates cost
// chDB about 10% of an import's time (2 million lines, same tables after FINAL).
const INSERT_SETTINGS = { optimize_on_insert: 0 };

function writeTsv(
  client: ClickHouseClient,
  metrics: Metrics,
  table: string,
  columns: readonly string[],
  lines: string[],
): Promise<void> {
  return measuredInsert(metrics, table, lines.length, () =>
    insertTsvRows(client, { table, columns, rows: lines, settings: INSERT_SETTINGS }),
  );
}

function writeBlocks(
  client: ClickHouseClient,
  metrics: Metrics,
  table: string,
  columns: readonly string[],
  block: RowsBlock | RowsBlocks,
): Promise<void> {
  return measuredInsert(metrics, table, block.rows, () =>
    insertNativeBlocks(client, {
      table,
      columns,
      blocks: "blocks" in block ? block.blocks : [block.bytes],
      rows: block.rows,
      settings: INSERT_SETTINGS,
    }),
  );
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
