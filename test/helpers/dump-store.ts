import { join } from "node:path";
import { createStoreClient } from "../../store/create-store-client.js";

/** Every result table of a data folder's chDB store, FINAL and fully ordered, as JSON lines. */
export async function dumpStore(dataDir: string): Promise<Record<string, string[]>> {
  const client = createStoreClient({ dataDir });
  const queries: Record<string, string> = {
    account_ip_history: "SELECT * FROM account_ip_history FINAL ORDER BY user, ip",
    account_windows: "SELECT * FROM account_windows FINAL ORDER BY user, window, window_start",
    alerts: "SELECT * FROM alerts FINAL ORDER BY kind, subject, window, window_start, level",
    mail_auth_events:
      "SELECT count() AS rows, sum(cityHash64(ts, host, service, user, user_raw, ip, success, format, reason, offset)) AS checksum FROM mail_auth_events FINAL",
    unparsed_lines:
      "SELECT count() AS rows, sum(cityHash64(offset, reason, line)) AS checksum FROM unparsed_lines FINAL",
  };
  const dump: Record<string, string[]> = {};
  try {
    for (const [table, query] of Object.entries(queries)) {
      const result = await client.query({ query, format: "JSONEachRow" });
      dump[table] = (await result.json()).map((row) => JSON.stringify(row));
    }
  } finally {
    await client.close();
  }
  return dump;
}

export const chdbPath = (dataDir: string) => join(dataDir, "chdb");
