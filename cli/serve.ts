import { Command } from "commander";
import type { Consumer } from "kafkajs";
import { Registry } from "prom-client";
import { startActionService } from "../actions/action-service.js";
import { alertFromVigil } from "../actions/incoming-alert.js";
import { createKafka, stageConsumerConfig } from "../bus/kafka.js";
import { waitForKafka } from "../bus/wait-for-kafka.js";
import { AlertRowSchema } from "../processors/account-ips/rows.js";
import { createLogger } from "../runtime/logger.js";
import { withGlobalOptions } from "./global-options.js";
import { loadConfig } from "./load-config.js";
import { openStore } from "./open-store.js";
import { runService } from "./run-action.js";

export function serveCommand(): Command {
  return withGlobalOptions(new Command("serve"))
    .description(
      "receive alerts (Grafana webhooks on /hooks/grafana, Vigil's own from the vigil.alerts topic when Kafka is configured, or POSTed to /hooks/vigil) and turn them into actions by the rules file; approvals over /api/actions",
    )
    .option("--listen <host:port>", "address to listen on (default: actions.serve.listen, 127.0.0.1:9466)")
    .action(
      runService(async (options: Record<string, string | boolean>) => {
        const config = loadConfig(options as Record<string, string>);
        const logger = createLogger(options.verbose === true ? { level: "debug" } : { level: "warn" });
        const registry = new Registry();
        const client = await openStore(config);
        const service = await startActionService({
          config,
          client,
          logger,
          registry,
          ...(typeof options.listen === "string" ? { listen: options.listen } : {}),
        });
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        let consumer: Consumer | null = null;
        if (config.kafka !== undefined) {
          const kafkaConfig = config.kafka;
          consumer = await waitForKafka(
            async () => {
              const created = createKafka(kafkaConfig, logger, "-serve").consumer(
                stageConsumerConfig(kafkaConfig, kafkaConfig.groups.serve),
              );
              await created.connect();
              await created.subscribe({ topic: kafkaConfig.topics.alerts.name, fromBeginning: false });
              // At least once: the offset is committed after the alert was handled; a redelivered
              // alert finds its action already in the audit and is not acted on twice.
              await created.run({
                eachMessage: async ({ message }) => {
                  const parsed = AlertRowSchema.safeParse(JSON.parse(message.value?.toString("utf8") ?? "null"));
                  if (!parsed.success) {
                    logger.warn({ offset: message.offset }, "Skipping a record of vigil.alerts that is not an alert");
                    return;
                  }
                  await service.dispatcher.handle(alertFromVigil(parsed.data));
                },
              });
              return created;
            },
            logger,
            controller.signal,
          );
        }
        process.stderr.write(
          `serving alerts to actions on ${service.url} (POST /hooks/grafana, /hooks/vigil${config.kafka === undefined ? "" : `; reading ${config.kafka.topics.alerts.name}`}); Ctrl-C to stop\n`,
        );
        await new Promise<void>((resolve) => {
          if (controller.signal.aborted) resolve();
          controller.signal.addEventListener("abort", () => resolve());
        });
        await consumer?.disconnect().catch(() => undefined);
        await service.close();
        await client.close();
        process.stderr.write("stopped\n");
        return 0;
      }),
    );
}
