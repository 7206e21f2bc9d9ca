import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";

const AwkRowSchema = z.object({ user: z.string(), ips: z.array(z.string()) });
export type AwkRow = z.infer<typeof AwkRowSchema>;

/** Per user, the distinct addresses in the order an awk script first met them (byte offset of the first sighting). */
export async function awkLoginRows(client: ClickHouseClient, options: { since: number | null }): Promise<AwkRow[]> {
  const result = await client.query({
    query: `
      SELECT user, arrayMap(x -> x.3, arraySort(groupArray((first_offset, first_seen, ip)))) AS ips
      FROM account_ip_history FINAL
      WHERE last_seen >= fromUnixTimestamp64Milli({since:Int64})
      GROUP BY user`,
    query_params: { since: options.since ?? 0 },
    format: "JSONEachRow",
  });
  return z.array(AwkRowSchema).parse(await result.json());
}
