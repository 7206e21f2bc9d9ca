import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Command } from "commander";
import { DEFAULT_PROVISIONING, provisioningFiles } from "../dashboards/provisioning-files.js";
import { parsePositiveInt } from "./output-format.js";
import { runAction } from "./run-action.js";

export function grafanaCommand(): Command {
  const grafana = new Command("grafana").description(
    "Grafana: dashboards, alert rules and the webhook contact point, as files",
  );
  grafana.addCommand(
    new Command("provision")
      .description(
        "write a ready provisioning folder: the ClickHouse and Prometheus data sources, Vigil's dashboards with their provider, the alert rules, and the webhook contact point to vigil serve",
      )
      .requiredOption("--out <dir>", "the folder to write (Grafana reads /etc/grafana/provisioning)")
      .option(
        "--clickhouse-host <host>",
        "ClickHouse server (native protocol) the data source reads",
        DEFAULT_PROVISIONING.clickhouseHost,
      )
      .option("--clickhouse-port <port>", "its native port", String(DEFAULT_PROVISIONING.clickhousePort))
      .option(
        "--clickhouse-user <user>",
        "a read-only user (password from Grafana's environment: VIGIL_CLICKHOUSE_RO_PASSWORD)",
        DEFAULT_PROVISIONING.clickhouseUser,
      )
      .option(
        "--prometheus-url <url>",
        "the Prometheus that scrapes Vigil's /metrics",
        DEFAULT_PROVISIONING.prometheusUrl,
      )
      .option(
        "--vigil-url <url>",
        "vigil serve as Grafana reaches it (token from Grafana's environment: VIGIL_WEBHOOK_TOKEN)",
        DEFAULT_PROVISIONING.vigilServeUrl,
      )
      .option(
        "--dashboards-path <dir>",
        "where the dashboards' JSON will be on the Grafana machine (default: OUT/dashboards/json)",
      )
      .action(
        runAction(async (options: Record<string, string>) => {
          const out = resolve(options.out as string);
          const files = provisioningFiles({
            clickhouseHost: options.clickhouseHost ?? DEFAULT_PROVISIONING.clickhouseHost,
            clickhousePort: parsePositiveInt(options.clickhousePort ?? "9000", "--clickhouse-port"),
            clickhouseUser: options.clickhouseUser ?? DEFAULT_PROVISIONING.clickhouseUser,
            prometheusUrl: options.prometheusUrl ?? DEFAULT_PROVISIONING.prometheusUrl,
            vigilServeUrl: options.vigilUrl ?? DEFAULT_PROVISIONING.vigilServeUrl,
            dashboardsPath: options.dashboardsPath ?? join(out, "dashboards", "json"),
          });
          for (const [path, text] of Object.entries(files)) {
            mkdirSync(dirname(join(out, path)), { recursive: true });
            writeFileSync(join(out, path), text);
          }
          process.stdout.write(
            `wrote ${Object.keys(files).length} files into ${out}:\n${Object.keys(files)
              .map((path) => `  ${path}`)
              .join(
                "\n",
              )}\nGrafana needs the grafana-clickhouse-datasource plugin, and in its environment VIGIL_CLICKHOUSE_RO_PASSWORD and VIGIL_WEBHOOK_TOKEN.\n`,
          );
          return 0;
        }),
      ),
  );
  return grafana;
}
