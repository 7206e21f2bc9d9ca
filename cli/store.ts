import { join } from "node:path";
import { createClient } from "@clickhouse/client";
import { Command } from "commander";
import { startChdbHttpServer } from "../store/chdb-http-server.js";
import { migrate } from "../store/migrate.js";
import { withGlobalOptions } from "./global-options.js";
import { loadConfig } from "./load-config.js";
import { parsePositiveInt } from "./output-format.js";
import { runAction } from "./run-action.js";

export function storeCommand(): Command {
  const store = new Command("store").description("the embedded store (chDB) shared by several processes");
  store.addCommand(
    withGlobalOptions(new Command("serve"))
      .description(
        "serve the embedded chDB store of --data over ClickHouse's HTTP interface, so `vigil ship`, `vigil process` workers and the CLI on this machine share it (give them clickhouse.url); loopback only, no authentication",
      )
      .option("--port <port>", "TCP port (0: any free port)", "8123")
      .option("--host <host>", "address to listen on", "127.0.0.1")
      .action(
        runAction(async (options: Record<string, string>) => {
          const config = loadConfig(options);
          const server = await startChdbHttpServer({
            path: join(config.data, "chdb"),
            port: options.port === "0" ? 0 : parsePositiveInt(options.port ?? "8123", "--port"),
            host: options.host ?? "127.0.0.1",
          });
          const client = createClient({ url: server.url });
          await migrate(client);
          await client.close();
          process.stdout.write(
            `serving ${join(config.data, "chdb")} on ${server.url} (clickhouse: { url: ${server.url} })\n`,
          );
          await new Promise<void>((done) => {
            process.once("SIGINT", () => done());
            process.once("SIGTERM", () => done());
          });
          await server.close();
          return 0;
        }),
      ),
  );
  return store;
}
