import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";

export const StoredAlertSchema = z.object({
  alert_id: z.string(),
  kind: z.string(),
  subject: z.string(),
  window: z.string(),
  window_start: z.coerce.number(),
  window_end: z.coerce.number(),
  level: z.coerce.number(),
  verdict: z.string(),
  summary: z.string(),
  evidence: z.string(),
  fired_at: z.coerce.number(),
});
export type StoredAlert = z.infer<typeof StoredAlertSchema>;

/** Alerts fired since `since`, newest first; optionally of one kind. */
export async function listAlerts(
  client: ClickHouseClient,
  options: { since: number | null; kind?: string },
): Promise<StoredAlert[]> {
  const result = await client.query({
    query: `
      SELECT alert_id, kind, subject, window, toUnixTimestamp(window_start) * 1000 AS window_start,
             toUnixTimestamp(window_end) * 1000 AS window_end, level, verdict, summary, evidence,
             toUnixTimestamp64Milli(fired_at) AS fired_at
      FROM (
        SELECT * FROM alerts FINAL
        WHERE fired_at >= fromUnixTimestamp64Milli({since:Int64}) AND ({kind:String} = '' OR kind = {kind:String})
      )
      ORDER BY fired_at DESC, subject, window, level DESC`,
    query_params: { since: options.since ?? 0, kind: options.kind ?? "" },
    format: "JSONEachRow",
  });
  return z.array(StoredAlertSchema).parse(await result.json());
}
