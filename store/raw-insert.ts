import type { ClickHouseClient } from "@clickhouse/client";

/** An insert that hands encoded rows to the engine as they are (chDB: through a file, see chdb-file-insert.ts). */
export type RawInsert = (params: {
  table: string;
  /** The body in parts, sent one after the other (never joined in memory). */
  values: readonly Uint8Array[];
  format: "TabSeparated" | "Native";
  columns: readonly string[];
  settings?: Record<string, string | number>;
}) => Promise<unknown>;

const rawInserts = new WeakMap<ClickHouseClient, RawInsert>();

/**
 * Remembers that a client's store takes raw inserts. chDB's connection, behind
 * the `@clickhouse/client` API, turns an insert's body into one SQL string
 * parsed on one thread; a raw insert reads the bytes from a file, in parallel,
 * and keeps no large string on the JavaScript heap.
 */
export function registerRawInsert(client: ClickHouseClient, insert: RawInsert): void {
  rawInserts.set(client, insert);
}

export function rawInsertOf(client: ClickHouseClient): RawInsert | undefined {
  return rawInserts.get(client);
}
