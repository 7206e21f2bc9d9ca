import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";

export const HistoryEntrySchema = z.object({
  ip: z.string(),
  first_seen: z.coerce.number(),
  last_seen: z.coerce.number(),
  logins: z.coerce.number(),
  failures: z.coerce.number(),
  network: z.string(),
  asn: z.coerce.number(),
  as_name: z.string(),
  country: z.string(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/** Every address an account used since `since`, oldest first. */
export async function accountHistory(
  client: ClickHouseClient,
  options: { user: string; since: number | null },
): Promise<HistoryEntry[]> {
  const result = await client.query({
    query: `
      SELECT ip, toUnixTimestamp64Milli(first_seen) AS first_seen, toUnixTimestamp64Milli(last_seen) AS last_seen,
             logins, failures, network, asn, as_name, country
      FROM (
        SELECT * FROM account_ip_history FINAL
        WHERE user = {user:String} AND last_seen >= fromUnixTimestamp64Milli({since:Int64})
      )
      ORDER BY first_seen, ip`,
    query_params: { user: options.user, since: options.since ?? 0 },
    format: "JSONEachRow",
  });
  return z.array(HistoryEntrySchema).parse(await result.json());
}
