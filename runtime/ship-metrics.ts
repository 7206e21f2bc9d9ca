import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** `vigil ship`'s Prometheus metrics (bounded labels). */
export function createShipMetrics(registry: Registry) {
  return {
    lines: new Counter({ name: "vigil_ship_lines_total", help: "Lines acknowledged by Kafka", registers: [registry] }),
    bytes: new Counter({ name: "vigil_ship_bytes_total", help: "Bytes acknowledged by Kafka", registers: [registry] }),
    records: new Counter({ name: "vigil_ship_records_total", help: "Records produced", registers: [registry] }),
    holding: new Gauge({
      name: "vigil_ship_holding_lines",
      help: "Lines read but not yet acknowledged by Kafka (held back while it is slow or away)",
      registers: [registry],
    }),
    sendSeconds: new Histogram({
      name: "vigil_ship_send_seconds",
      help: "Time for one produce request to be acknowledged",
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    errors: new Counter({
      name: "vigil_errors_total",
      help: "Failed attempts (retried) by stage",
      labelNames: ["stage"] as const,
      registers: [registry],
    }),
  };
}
export type ShipMetrics = ReturnType<typeof createShipMetrics>;
