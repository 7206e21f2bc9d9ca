import { Command, Option } from "commander";
import { Registry } from "prom-client";
import { createKafka } from "../bus/kafka.js";
import { waitForKafka } from "../bus/wait-for-kafka.js";
import { loadAsnDatabase } from "../processors/account-ips/asn-database.js";
import { startAccountIpsStage } from "../processors/kafka/account-ips-stage.js";
import { startOutboundStage } from "../processors/kafka/outbound-stage.js";
import { type RunningStage, startParseStage } from "../processors/kafka/parse-stage.js";
import { createLogger } from "../runtime/logger.js";
import { createMetrics } from "../runtime/metrics.js";
import { createStageMetrics } from "../runtime/stage-metrics.js";
import { withGlobalOptions } from "./global-options.js";
import { requireKafka } from "./kafka.js";
import { loadConfig } from "./load-config.js";
import { openStore } from "./open-store.js";
import { runService } from "./run-action.js";
import { serveMetricsIfAsked, withMetricsOptions } from "./serve-metrics.js";
import { describeStore } from "./store-location.js";

const SHUTDOWN_TIMEOUT_MS = 45_000;

export function processCommand(): Command {
  return withMetricsOptions(withGlobalOptions(new Command("process")))
    .description(
      "a stream-processing worker of the scaled-out mode: parse raw mail lines from Kafka (role parse), aggregate accounts' addresses (role account-ips), watch the web servers' outbound connections (role outbound), or all of them (all: outbound only when the config has a web section); run several with the same config to share the partitions; SIGINT or SIGTERM checkpoints and leaves the group",
    )
    .addOption(
      new Option("--role <role>", "which stage this worker runs")
        .choices(["parse", "account-ips", "outbound", "all"])
        .default("all"),
    )
    .action(
      runService(async (options: Record<string, string | boolean>) => {
        const config = loadConfig(options as Record<string, string>);
        const kafkaConfig = requireKafka(config);
        const logger = createLogger(options.verbose === true ? { level: "debug" } : { level: "warn" });
        const registry = new Registry();
        const metrics = createMetrics(registry);
        const stageMetrics = createStageMetrics(registry);
        const client = await openStore(config);
        const role = String(options.role ?? "all");
        const kafka = createKafka(kafkaConfig, logger, `-${role}`);
        const deps = { config, kafkaConfig, kafka, client, logger, metrics, stageMetrics };
        const controller = new AbortController();
        const abort = () => controller.abort();
        process.once("SIGINT", abort);
        process.once("SIGTERM", abort);
        const stages: RunningStage[] = [];
        if (role === "parse" || role === "all") {
          stages.push(await waitForKafka(() => startParseStage(deps), logger, controller.signal));
        }
        if (role === "account-ips" || role === "all") {
          const asnDatabase = loadAsnDatabase();
          stages.push(
            await waitForKafka(() => startAccountIpsStage({ ...deps, asnDatabase }), logger, controller.signal),
          );
        }
        if (role === "outbound" || (role === "all" && config.web !== undefined)) {
          stages.push(await waitForKafka(() => startOutboundStage(deps), logger, controller.signal));
        }
        const server = await serveMetricsIfAsked(options, registry, () => ({
          ok: true,
          detail: `ok: last batch ${Math.round((Date.now() - Math.max(...stages.map((stage) => stage.lastProgressAt()))) / 1000)} s ago`,
        }));
        process.stderr.write(
          `processing (${role}) from ${kafkaConfig.brokers.join(",")} into ${describeStore(config)}; Ctrl-C to stop\n`,
        );
        const stopped = new Promise<void>((resolve) => {
          if (controller.signal.aborted) resolve();
          controller.signal.addEventListener("abort", () => resolve());
        });
        let failure: unknown = null;
        await stopped;
        // Checkpoints already in the store are safe: a shutdown that cannot finish (the broker or the store
        // gone) gives up after a while rather than hanging; the next owner reads on from the last checkpoint.
        const stopping = (async () => {
          for (const stage of stages) await stage.stop().catch((error: unknown) => (failure ??= error));
        })();
        const gaveUp = await Promise.race([
          stopping.then(() => false),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(true), SHUTDOWN_TIMEOUT_MS).unref()),
        ]);
        if (gaveUp) {
          failure ??= new Error(
            `shutdown did not finish within ${SHUTDOWN_TIMEOUT_MS / 1000} s; the last checkpoints in the store hold`,
          );
        }
        await server?.close();
        await client.close();
        if (failure !== null) throw failure;
        process.stderr.write("stopped: checkpoints written, group left\n");
        return 0;
      }),
    );
}
