import { Command } from "commander";
import { createStoreClient } from "../store/create-store-client.js";
import { migrate } from "../store/migrate.js";
import { withGlobalOptions } from "./global-options.js";
import { loadConfig } from "./load-config.js";
import { runAction } from "./run-action.js";

export function migrateCommand(): Command {
  return withGlobalOptions(new Command("migrate"))
    .description("apply schemas/clickhouse/*.sql in order, once each, to chDB or the configured ClickHouse server")
    .action(
      runAction(async (options: Record<string, string>) => {
        const config = loadConfig(options);
        const client = createStoreClient({
          dataDir: config.data,
          ...(config.clickhouse === undefined ? {} : { clickhouse: config.clickhouse }),
        });
        try {
          const result = await migrate(client);
          for (const name of result.applied) process.stdout.write(`applied ${name}\n`);
          process.stdout.write(
            `${result.applied.length} applied, ${result.alreadyApplied.length} already applied (${config.clickhouse?.url ?? `chDB in ${config.data}`})\n`,
          );
          return 0;
        } finally {
          await client.close();
        }
      }),
    );
}
