import { mkdirSync } from "node:fs";
import type { ClickHouseClient } from "@clickhouse/client";
import { importAuditSpool } from "../actions/audit-log.js";
import type { VigilConfig } from "../schemas/config.js";
import { createStoreClient } from "../store/create-store-client.js";
import { migrate } from "../store/migrate.js";

/** The configured store (chDB under the data folder, or a ClickHouse server), migrated, with any spooled audit rows imported. */
export async function openStore(config: VigilConfig): Promise<ClickHouseClient> {
  const { client, ready } = startOpeningStore(config);
  await ready;
  return client;
}

/**
 * The configured store's client at once, and its preparation under way (`ready`: migrated, spooled audit
 * rows imported): a caller with other work does it meanwhile and waits for `ready` before its first write.
 * `ready` rejecting is handled where it is awaited; an unawaited failure is not reported as unhandled.
 */
export function startOpeningStore(config: VigilConfig): { client: ClickHouseClient; ready: Promise<void> } {
  mkdirSync(config.data, { recursive: true });
  const client = createStoreClient({
    dataDir: config.data,
    ...(config.clickhouse === undefined ? {} : { clickhouse: config.clickhouse }),
  });
  const ready = (async () => {
    // The embedded engine takes a migration's statements in one query (see `migrate`).
    await migrate(client, { together: config.clickhouse === undefined });
    // Audit rows spooled while another process held the store.
    await importAuditSpool(client, config.data);
  })();
  ready.catch(() => undefined);
  return { client, ready };
}
