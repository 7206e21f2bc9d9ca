import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The catalog of Vigil's Prometheus metrics: fixed names, bounded labels
 * (never a user name or an address). One registry per process, passed down.
 */
export function createMetrics(registry: Registry = new Registry()) {
  return {
    registry,
    linesRead: new Counter({
      name: "vigil_ingest_lines_total",
      help: "Lines read from sources",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    bytesRead: new Counter({
      name: "vigil_ingest_bytes_total",
      help: "Bytes read from sources",
      registers: [registry],
    }),
    parsed: new Counter({
      name: "vigil_parse_lines_total",
      help: "Lines by parse outcome: event, skipped (not an authentication event), unparsed (kept in unparsed_lines)",
      labelNames: ["kind", "outcome"] as const,
      registers: [registry],
    }),
    lateEvents: new Gauge({
      name: "vigil_account_ips_late_events",
      help: "Events that arrived after their window had closed",
      registers: [registry],
    }),
    users: new Gauge({ name: "vigil_account_ips_users", help: "Accounts held in memory", registers: [registry] }),
    alerts: new Counter({
      name: "vigil_alerts_total",
      help: "Alerts fired or escalated",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    insertSeconds: new Histogram({
      name: "vigil_store_insert_seconds",
      help: "Time for one batched insert to be acknowledged",
      labelNames: ["table"] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    insertedRows: new Counter({
      name: "vigil_store_rows_total",
      help: "Rows acknowledged by the store",
      labelNames: ["table"] as const,
      registers: [registry],
    }),
    commits: new Counter({ name: "vigil_checkpoint_commits_total", help: "Checkpoint commits", registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Runs one insert of `rows` rows into `table`, timed (`insertSeconds`) and counted (`insertedRows`); nothing for no rows. */
export async function measuredInsert(
  metrics: Metrics,
  table: string,
  rows: number,
  insert: () => Promise<unknown>,
): Promise<void> {
  if (rows === 0) return;
  const stop = metrics.insertSeconds.startTimer({ table });
  await insert();
  stop();
  metrics.insertedRows.inc({ table }, rows);
}
