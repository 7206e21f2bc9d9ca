import { Command, Option } from "commander";
import { groupLag } from "../bus/group-lag.js";
import { createKafka } from "../bus/kafka.js";
import { createLogger } from "../runtime/logger.js";
import { withGlobalOptions } from "./global-options.js";
import { requireKafka } from "./kafka.js";
import { loadConfig } from "./load-config.js";
import { openStore } from "./open-store.js";
import { formatTable, formatTime } from "./print-table.js";
import { runAction } from "./run-action.js";

type ShipPosition = { host: string; path: string; source_id: string; offset: string; updated_at: string };

export function statusCommand(): Command {
  return withGlobalOptions(new Command("status"))
    .description(
      "the scaled-out pipeline at a glance: each consumer group's lag per partition and the shippers' positions",
    )
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .action(
      runAction(async (options: Record<string, string | boolean>) => {
        const config = loadConfig(options as Record<string, string>);
        const kafkaConfig = requireKafka(config);
        const logger = createLogger(options.verbose === true ? { level: "debug" } : {});
        const admin = createKafka(kafkaConfig, logger, "-status").admin();
        await admin.connect();
        let lags: Awaited<ReturnType<typeof groupLag>> = [];
        try {
          lags = [
            ...(await groupLag(admin, kafkaConfig.groups.parse, kafkaConfig.topics.rawMail.name)),
            ...(await groupLag(admin, kafkaConfig.groups.accountIps, kafkaConfig.topics.mailAuth.name)),
          ];
        } finally {
          await admin.disconnect();
        }
        const client = await openStore(config);
        let positions: ShipPosition[] = [];
        try {
          const result = await client.query({
            query:
              "SELECT host, path, source_id, toString(offset) AS offset, toString(toUnixTimestamp64Milli(updated_at)) AS updated_at FROM ship_positions FINAL ORDER BY host, path, updated_at",
            format: "JSONEachRow",
          });
          positions = await result.json<ShipPosition>();
        } finally {
          await client.close();
        }
        if (options.format === "json") {
          process.stdout.write(`${JSON.stringify({ groups: lags, shippers: positions }, null, 2)}\n`);
          return 0;
        }
        process.stdout.write(
          formatTable(
            ["group", "topic", "partition", "committed", "end", "lag"],
            lags.map((row) => [row.group, row.topic, row.partition, row.committed, row.end, row.lag]),
          ),
        );
        const total = lags.reduce((sum, row) => sum + row.lag, 0);
        process.stdout.write(`total lag: ${total} records\n\n`);
        process.stdout.write(
          positions.length === 0
            ? "no shipper has reported a position to the store yet (shippers report when the config has clickhouse.url)\n"
            : formatTable(
                ["host", "file", "source", "offset", "updated"],
                positions.map((row) => [
                  row.host,
                  row.path,
                  row.source_id,
                  Number(row.offset),
                  formatTime(Number(row.updated_at)),
                ]),
              ),
        );
        return 0;
      }),
    );
}
