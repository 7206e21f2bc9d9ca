import type { ClickHouseClient } from "@clickhouse/client";

/** Time of the newest event stored (epoch ms), or null when there is none: `--since 24h` counts back from it. */
export async function newestEventTime(client: ClickHouseClient): Promise<number | null> {
  const result = await client.query({
    query: "SELECT count() AS n, toUnixTimestamp64Milli(max(ts)) AS newest FROM mail_auth_events",
    format: "JSONEachRow",
  });
  const [row] = await result.json<{ n: string | number; newest: string | number }>();
  return row === undefined || Number(row.n) === 0 ? null : Number(row.newest);
}
