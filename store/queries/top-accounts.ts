import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";

export const TopAccountRowSchema = z.object({
  user: z.string(),
  ips: z.coerce.number(),
  networks: z.coerce.number(),
  networks16: z.coerce.number(),
  asns: z.coerce.number(),
  countries: z.coerce.number(),
  logins: z.coerce.number(),
  failures: z.coerce.number(),
  first_seen: z.coerce.number(),
  last_seen: z.coerce.number(),
  verdict: z
    .string()
    .describe(
      "the gravest verdict of the account's windows in the range: likely-compromise, suspicious, roaming-phone, allowlisted, normal",
    ),
});
export type TopAccountRow = z.infer<typeof TopAccountRowSchema>;

/** Accounts by distinct networks (/24, /48), then addresses, over the addresses seen since `since`. */
export async function topAccounts(
  client: ClickHouseClient,
  options: { since: number | null; minNetworks: number; limit: number },
): Promise<TopAccountRow[]> {
  const result = await client.query({
    query: `
      WITH verdicts AS (
        SELECT user, max(multiIf(verdict = 'likely-compromise', 4, verdict = 'suspicious', 3, verdict = 'roaming-phone', 2,
                                 verdict = 'allowlisted', 1, 0)) AS gravity
        FROM account_windows FINAL
        WHERE window_end > fromUnixTimestamp64Milli({since:Int64})
        GROUP BY user
      )
      SELECT user,
             uniqExact(ip) AS ips,
             uniqExact(network) AS networks,
             uniqExact(network16) AS networks16,
             uniqExactIf(asn, asn != 0) AS asns,
             uniqExactIf(country, country != '') AS countries,
             sum(logins) AS logins,
             sum(failures) AS failures,
             toUnixTimestamp64Milli(min(first_seen)) AS first_seen,
             toUnixTimestamp64Milli(max(last_seen)) AS last_seen,
             ['normal', 'allowlisted', 'roaming-phone', 'suspicious', 'likely-compromise'][any(gravity) + 1] AS verdict
      FROM (
        SELECT * FROM account_ip_history FINAL
        WHERE last_seen >= fromUnixTimestamp64Milli({since:Int64}) AND logins > 0
      ) AS history
      LEFT JOIN verdicts USING (user)
      GROUP BY user
      HAVING networks >= {minNetworks:UInt32}
      ORDER BY networks DESC, ips DESC, user
      LIMIT {limit:UInt64}`,
    query_params: {
      since: options.since ?? 0,
      minNetworks: options.minNetworks,
      limit: options.limit === 0 ? Number.MAX_SAFE_INTEGER : options.limit,
    },
    format: "JSONEachRow",
  });
  return z.array(TopAccountRowSchema).parse(await result.json());
}
