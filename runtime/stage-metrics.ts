import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** `vigil process`'s Prometheus metrics per stage (bounded labels: stage and partition number). */
export function createStageMetrics(registry: Registry) {
  return {
    linesIn: new Counter({
      name: "vigil_stage_in_total",
      help: "Lines (parse) or events (account-ips) consumed",
      labelNames: ["stage"] as const,
      registers: [registry],
    }),
    recordsOut: new Counter({
      name: "vigil_stage_out_total",
      help: "Records produced (parse: events; account-ips: alerts)",
      labelNames: ["stage"] as const,
      registers: [registry],
    }),
    duplicates: new Counter({
      name: "vigil_stage_duplicates_total",
      help: "Redelivered events recognised and not counted twice",
      labelNames: ["stage"] as const,
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: "vigil_stage_dead_letters_total",
      help: "Records sent to the dead-letter topic",
      labelNames: ["stage"] as const,
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: "vigil_stage_batch_seconds",
      help: "Time to process one batch (parse) or write one checkpoint (account-ips)",
      labelNames: ["stage"] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    lag: new Gauge({
      name: "vigil_stage_lag",
      help: "Records behind the partition's end at the last batch",
      labelNames: ["stage", "partition"] as const,
      registers: [registry],
    }),
    errors: new Counter({
      name: "vigil_stage_errors_total",
      help: "Failed batches (retried)",
      labelNames: ["stage"] as const,
      registers: [registry],
    }),
  };
}
export type StageMetrics = ReturnType<typeof createStageMetrics>;
