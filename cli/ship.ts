import { Command } from "commander";
import { Registry } from "prom-client";
import { createKafka } from "../bus/kafka.js";
import { createShipper } from "../ingest/shipper.js";
import { InputError } from "../runtime/errors.js";
import { createLogger } from "../runtime/logger.js";
import { createShipMetrics } from "../runtime/ship-metrics.js";
import { createStoreClient } from "../store/create-store-client.js";
import { withGlobalOptions } from "./global-options.js";
import { requireKafka } from "./kafka.js";
import { loadConfig } from "./load-config.js";
import { runService } from "./run-action.js";
import { serveMetricsIfAsked, withMetricsOptions } from "./serve-metrics.js";

export function shipCommand(): Command {
  return withMetricsOptions(withGlobalOptions(new Command("ship")))
    .description(
      "tail the configured sources (as vigil run does) and send their raw lines to Kafka, keyed by host; file checkpoints advance only after the broker acknowledged; SIGINT or SIGTERM stops cleanly",
    )
    .action(
      runService(async (options: Record<string, string | boolean>) => {
        const config = loadConfig(options as Record<string, string>);
        const kafkaConfig = requireKafka(config);
        if (config.sources.length === 0 && config.web === undefined) {
          throw new InputError("the config lists no sources to ship", "add sources: [{ path: /var/log/maillog }]");
        }
        const logger = createLogger(options.verbose === true ? { level: "debug" } : { level: "warn" });
        const registry = new Registry();
        const metrics = createShipMetrics(registry);
        const store =
          config.clickhouse === undefined
            ? undefined
            : createStoreClient({ dataDir: config.data, clickhouse: config.clickhouse });
        const shipper = createShipper({
          config,
          kafkaConfig,
          kafka: createKafka(kafkaConfig, logger, "-ship"),
          logger,
          metrics,
          ...(store === undefined ? {} : { store }),
        });
        const server = await serveMetricsIfAsked(options, registry, () => {
          const since = shipper.waitingSince();
          const waiting = since === null ? 0 : Date.now() - since;
          return waiting > 30_000
            ? { ok: false, detail: `${shipper.holding()} lines waiting for Kafka for ${waiting} ms` }
            : { ok: true, detail: `ok: ${shipper.holding()} lines waiting` };
        });
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        process.stderr.write(
          `shipping ${config.sources.length} source(s) to ${kafkaConfig.brokers.join(",")}; Ctrl-C to stop\n`,
        );
        try {
          await shipper.run(controller.signal);
        } finally {
          await server?.close();
          await store?.close();
        }
        process.stderr.write("stopped: checkpoints saved\n");
        return 0;
      }),
    );
}
