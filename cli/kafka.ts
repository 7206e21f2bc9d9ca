import { Command } from "commander";
import { createKafka } from "../bus/kafka.js";
import { ensureTopics } from "../bus/kafka-topics.js";
import { InputError } from "../runtime/errors.js";
import { createLogger } from "../runtime/logger.js";
import type { KafkaConfig, VigilConfig } from "../schemas/config.js";
import { withGlobalOptions } from "./global-options.js";
import { loadConfig } from "./load-config.js";
import { formatTable } from "./print-table.js";
import { runAction } from "./run-action.js";

export function requireKafka(config: VigilConfig): KafkaConfig {
  if (config.kafka === undefined) {
    throw new InputError(
      "the config has no kafka section",
      'add kafka: { brokers: ["127.0.0.1:9092"] } to the config (npm run kafka:start prints a development broker\'s address)',
    );
  }
  return config.kafka;
}

export function kafkaCommand(): Command {
  const kafka = new Command("kafka").description("the Kafka topics of the scaled-out mode");
  kafka.addCommand(
    withGlobalOptions(new Command("init"))
      .description(
        "create the configured topics (partitions, retention, compaction) and show what exists; safe to run again",
      )
      .action(
        runAction(async (options: Record<string, string | boolean>) => {
          const config = loadConfig(options as Record<string, string>);
          const kafkaConfig = requireKafka(config);
          const logger = createLogger(options.verbose === true ? { level: "debug" } : {});
          const admin = createKafka(kafkaConfig, logger, "-admin").admin();
          await admin.connect();
          try {
            const reports = await ensureTopics(admin, kafkaConfig);
            process.stdout.write(
              formatTable(
                ["role", "topic", "partitions", "retention", "cleanup", "action"],
                reports.map((report) => [
                  report.role,
                  report.name,
                  String(report.partitions),
                  report.retention,
                  report.cleanupPolicy,
                  report.action,
                ]),
              ),
            );
            for (const report of reports)
              if (report.warning) process.stderr.write(`warning: ${report.name} ${report.warning}\n`);
            return 0;
          } finally {
            await admin.disconnect();
          }
        }),
      ),
  );
  return kafka;
}
