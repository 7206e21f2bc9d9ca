import type { ClickHouseClient } from "@clickhouse/client";
import { loadAsnDatabase } from "../processors/account-ips/asn-database.js";
import type { AlertRow } from "../processors/account-ips/rows.js";
import { createMailPipeline, type MailPipeline } from "../processors/mail-pipeline.js";
import type { PipelineState } from "../processors/state-file.js";
import { createLogger, type Logger } from "../runtime/logger.js";
import { createMetrics, type Metrics } from "../runtime/metrics.js";
import type { VigilConfig } from "../schemas/config.js";
import { startOpeningStore } from "./open-store.js";
import { statePathOf } from "./store-location.js";

export type OpenPipeline = { pipeline: MailPipeline; client: ClickHouseClient; logger: Logger; metrics: Metrics };

/**
 * The store (migrated), the offline ASN data and the pipeline with its state restored from the data folder.
 * `migrating: "meanwhile"` returns while the store migrates: the pipeline folds at once and its first
 * commit waits for the store (a failure to migrate surfaces there).
 */
export async function openPipeline(
  config: VigilConfig,
  options: {
    verbose?: boolean;
    onAlert?: (alert: AlertRow) => void;
    saved?: PipelineState | null;
    migrating?: "first" | "meanwhile";
  } = {},
): Promise<OpenPipeline> {
  const logger = createLogger(options.verbose === true ? { level: "debug" } : {});
  const metrics = createMetrics();
  const { client, ready } = startOpeningStore(config);
  if (options.migrating !== "meanwhile") await ready;
  const pipeline = createMailPipeline({
    config,
    client,
    storeReady: ready,
    asnDatabase: loadAsnDatabase(),
    logger,
    metrics,
    statePath: statePathOf(config),
    ...(options.saved === undefined ? {} : { saved: options.saved }),
    ...(options.onAlert === undefined ? {} : { onAlert: options.onAlert }),
  });
  return { pipeline, client, logger, metrics };
}
