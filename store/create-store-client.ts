import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from "@clickhouse/client";
import { createChdbConnection } from "chdb/connection";
import { chdbFileInsert } from "./chdb-file-insert.js";
import { registerRawInsert } from "./raw-insert.js";

export type { ClickHouseClient };

export type StoreOptions = {
  /** Data folder; the embedded store lives in `<dataDir>/chdb`. */
  dataDir: string;
  /** A ClickHouse server instead of chDB. */
  clickhouse?: { url: string; database: string; username: string; password: string };
};

/**
 * The one way Vigil reaches ClickHouse: chDB (the engine in-process) under the
 * data folder, or a server by URL. Both are the `@clickhouse/client` API, so
 * every query and insert runs unchanged on either. Nothing connects until the
 * first request.
 */
export function createStoreClient(options: StoreOptions): ClickHouseClient {
  if (options.clickhouse !== undefined) {
    const { url, database, username, password } = options.clickhouse;
    // Progress headers keep a long query's connection alive through proxies (and quiet the client's warning).
    return createClient({
      url,
      database,
      username,
      password,
      request_timeout: 120_000,
      // Every failed request reaches the caller, who names it with what to do; the client's own log of the
      // same failure (a multi-line dump of its arguments) would come first and bury that message.
      log: { level: ClickHouseLogLevel.OFF },
      clickhouse_settings: { send_progress_in_http_headers: 1, http_headers_progress_interval_ms: "60000" },
    });
  }
  const path = join(options.dataDir, "chdb");
  mkdirSync(path, { recursive: true });
  // chdb types its Connection against its own copy of @clickhouse/client-common;
  // the shapes are the same, only exactOptionalPropertyTypes tells them apart.
  type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>["connection"]>;
  const connection = createChdbConnection({ path });
  const client = createClient({ connection: connection as unknown as ClientConnection });
  registerRawInsert(client, chdbFileInsert(connection.chdb, join(options.dataDir, "inserts")));
  return client;
}
