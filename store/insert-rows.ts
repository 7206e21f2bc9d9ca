import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import type { ClickHouseClient } from "@clickhouse/client";
import { StoreError } from "../runtime/errors.js";
import { rawInsertOf } from "./raw-insert.js";

const ATTEMPTS = 5;
const FIRST_DELAY_MS = 200;

/**
 * Inserts rows already encoded as TabSeparated lines in one request, retrying
 * a failed request with exponential backoff. Resolves when the store
 * acknowledged the rows. The tables deduplicate by identity, so a retry after
 * an ambiguous failure writes nothing twice.
 */
export async function insertTsvRows(
  client: ClickHouseClient,
  batch: {
    table: string;
    columns: readonly string[];
    rows: readonly string[];
    /** ClickHouse settings for this insert. */
    settings?: Record<string, string | number>;
  },
  retry: { attempts?: number; firstDelayMs?: number } = {},
): Promise<void> {
  if (batch.rows.length === 0) return;
  const body = [Buffer.from(`${batch.rows.join("\n")}\n`)];
  await sendEncoded(client, { ...batch, format: "TabSeparated", body, count: batch.rows.length }, retry);
}

/**
 * Inserts blocks of ClickHouse's Native format (store/native-block.ts) in one
 * request, retrying like `insertTsvRows`. Resolves when the store acknowledged
 * the rows.
 */
export async function insertNativeBlocks(
  client: ClickHouseClient,
  batch: {
    table: string;
    columns: readonly string[];
    blocks: readonly Uint8Array[];
    rows: number;
    settings?: Record<string, string | number>;
  },
  retry: { attempts?: number; firstDelayMs?: number } = {},
): Promise<void> {
  if (batch.rows === 0) return;
  const body = batch.blocks.filter((block) => block.length > 0);
  await sendEncoded(client, { ...batch, format: "Native", body, count: batch.rows }, retry);
}

async function sendEncoded(
  client: ClickHouseClient,
  batch: {
    table: string;
    columns: readonly string[];
    format: "TabSeparated" | "Native";
    body: Uint8Array[];
    count: number;
    settings?: Record<string, string | number>;
  },
  retry: { attempts?: number; firstDelayMs?: number },
): Promise<void> {
  const body = batch.body;
  const raw = rawInsertOf(client);
  const attempts = retry.attempts ?? ATTEMPTS;
  let delay = retry.firstDelayMs ?? FIRST_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      if (raw !== undefined) {
        await raw({
          table: batch.table,
          values: body,
          format: batch.format,
          columns: batch.columns,
          ...(batch.settings === undefined ? {} : { settings: batch.settings }),
        });
        return;
      }
      if (batch.format === "Native") {
        // The client's insert takes text formats only; exec sends any body after the statement.
        const result = await client.exec({
          query: `INSERT INTO ${batch.table} (${batch.columns.join(", ")}) FORMAT Native`,
          values: Readable.from(body, { objectMode: false }),
          ...(batch.settings === undefined ? {} : { clickhouse_settings: batch.settings }),
        });
        result.stream.resume();
        await finished(result.stream);
        return;
      }
      await client.insert({
        table: batch.table,
        values: Readable.from(body, { objectMode: false }),
        format: "TabSeparated",
        columns: [...batch.columns] as [string, ...string[]],
        ...(batch.settings === undefined ? {} : { clickhouse_settings: batch.settings }),
      });
      return;
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      if (attempt >= attempts || !looksTransient(message)) {
        throw new StoreError(
          `inserting ${batch.count} rows into ${batch.table}: ${message}`,
          cause,
          looksTransient(message),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay *= 2;
    }
  }
}

/** Connection trouble and server overload are worth another try; a bad row or schema is not. */
export function looksTransient(message: string): boolean {
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|socket hang up|Timeout|TOO_MANY|MEMORY_LIMIT|503|502/i.test(message);
}
