import { mkdirSync } from "node:fs";
import type { ClickHouseClient } from "@clickhouse/client";
import { importAuditSpool } from "../actions/audit-log.js";
import type { VigilConfig } from "../schemas/config.js";
import { createStoreClient } from "../store/create-store-client.js";
import { migrate } from "../store/migrate.js";

/** The configured store (chDB under the data folder, or a ClickHouse server), migrated, with any spooled audit rows imported. */
export async function openStore(config: VigilConfig): Promise<ClickHouseClient> {
  mkdirSync(config.data, { recursive: true });
  const client = createStoreClient({
    dataDir: config.data,
    ...(config.clickhouse === undefined ? {} : { clickhouse: config.clickhouse }),
  });
  await migrate(client);
  // Audit rows spooled while another process held the store.
  await importAuditSpool(client, config.data);
  return client;
}
