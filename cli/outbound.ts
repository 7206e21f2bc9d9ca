import { Command } from "commander";
import { type DestinationReportRow, latencyByBucket, listDestinations } from "../store/queries/outbound-report.js";
import { withGlobalOptions } from "./global-options.js";
import { checkFormat, formatJsonLines, parsePositiveInt } from "./output-format.js";
import { formatTable, formatTime } from "./print-table.js";
import { withQueryStore } from "./query-store.js";
import { runAction } from "./run-action.js";

const FORMATS = ["table", "json"] as const;

export function outboundCommand(): Command {
  return withGlobalOptions(new Command("outbound"))
    .description(
      "the web servers' outbound destinations with their verdicts (own-domain-leaves-host, new, learned, expected), and each site's request times beside its own-domain connections over time",
    )
    .option("--host <host>", "one web server")
    .option("--vhost <vhost>", "one site, for the latency table")
    .option("--since <when>", "all, a duration counted back from the newest event stored, or a time", "all")
    .option("--bucket <seconds>", "time bucket of the latency table", "60")
    .option("--format <format>", `output: ${FORMATS.join(", ")}`, "table")
    .action(
      runAction(async (options: Record<string, string>) => {
        const format = checkFormat(options.format ?? "table", FORMATS);
        const bucketSeconds = Math.max(1, parsePositiveInt(options.bucket ?? "60", "--bucket"));
        return withQueryStore(options, async ({ client, since }) => {
          const destinations = await listDestinations(client, {
            ...(options.host === undefined ? {} : { host: options.host }),
            sinceMs: since,
          });
          const latency = await latencyByBucket(client, {
            bucketSeconds,
            sinceMs: since,
            ...(options.vhost === undefined ? {} : { vhost: options.vhost }),
          });
          if (format === "json") {
            process.stdout.write(
              formatJsonLines([
                ...destinations.map((row) => ({
                  table: "destinations",
                  ...row,
                  first_seen: new Date(row.first_seen).toISOString(),
                  last_seen: new Date(row.last_seen).toISOString(),
                })),
                ...latency.map((row) => ({ table: "latency", ...row, bucket: new Date(row.bucket).toISOString() })),
              ]),
            );
            return 0;
          }
          process.stdout.write(
            `Outbound destinations:\n${formatDestinationTable(destinations)}\nRequest times by site (${bucketSeconds} s buckets) beside connections where the site's own domain left the host:\n${formatTable(
              ["vhost", "from (UTC)", "requests", "p50 ms", "p95 ms", "p99 ms", "own-domain connections"],
              latency.map((row) => [
                row.vhost,
                formatTime(row.bucket),
                row.requests,
                row.p50_ms,
                row.p95_ms,
                row.p99_ms,
                row.own_domain_connections,
              ]),
            )}`,
          );
          return 0;
        });
      }),
    );
}

/** The destinations as a table: `vigil outbound` and `vigil top` show the same columns. */
export function formatDestinationTable(destinations: readonly DestinationReportRow[]): string {
  return formatTable(
    ["host", "destination", "verdict", "domains", "connections", "processes", "first seen (UTC)", "last seen (UTC)"],
    destinations.map((row) => [
      row.host,
      `${row.address}:${row.port}`,
      row.verdict,
      row.domains.join(" "),
      row.connections,
      row.processes.join(" "),
      formatTime(row.first_seen),
      formatTime(row.last_seen),
    ]),
  );
}
