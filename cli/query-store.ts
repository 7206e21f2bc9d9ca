import type { ClickHouseClient } from "@clickhouse/client";
import type { VigilConfig } from "../schemas/config.js";
import { newestEventTime } from "../store/queries/newest-event-time.js";
import { loadConfig } from "./load-config.js";
import { openStore } from "./open-store.js";
import { resolveSince } from "./parse-since.js";

export type QueryContext = { client: ClickHouseClient; config: VigilConfig; since: number | null };

/** For the query commands: config, the migrated store and `--since` resolved against it; the store is closed after. */
export async function withQueryStore<T>(
  options: Record<string, string>,
  query: (context: QueryContext) => Promise<T>,
): Promise<T> {
  const config = loadConfig(options);
  const client = await openStore(config);
  try {
    const since = await resolveSince(options.since ?? "all", () => newestEventTime(client));
    return await query({ client, config, since });
  } finally {
    await client.close();
  }
}
