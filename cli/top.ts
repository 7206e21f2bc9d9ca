import { setTimeout as sleep } from "node:timers/promises";
import { Command } from "commander";
import { awkLoginRows } from "../store/queries/awk-parity-rows.js";
import { listDestinations } from "../store/queries/outbound-report.js";
import { topAccounts } from "../store/queries/top-accounts.js";
import { formatAwkLines } from "./awk-parity.js";
import { withGlobalOptions } from "./global-options.js";
import { formatDestinationTable } from "./outbound.js";
import { checkFormat, formatCsv, formatJsonLines, parsePositiveInt, withIsoSeenTimes } from "./output-format.js";
import { formatTable, formatTime } from "./print-table.js";
import { withQueryStore } from "./query-store.js";
import { runAction } from "./run-action.js";

const FORMATS = ["table", "json", "csv", "awk"] as const;
const COLUMNS = [
  "user",
  "verdict",
  "networks",
  "ips",
  "networks16",
  "asns",
  "countries",
  "logins",
  "failures",
  "first_seen",
  "last_seen",
];

export function topCommand(): Command {
  const top = new Command("top").description("rank what Vigil watches");
  top.addCommand(
    withGlobalOptions(new Command("accounts"))
      .description("accounts by distinct networks and IPs they logged in from")
      .option("--since <when>", "all, a duration counted back from the newest event stored (24h, 7d), or a time", "all")
      .option("--min-networks <n>", "only accounts with at least this many distinct networks (/24 or /48)", "2")
      .option("--limit <n>", "at most this many accounts (0: all)", "50")
      .option(
        "--format <format>",
        `output: ${FORMATS.join(", ")} (awk: exactly what the admins' awk one-liner prints)`,
        "table",
      )
      .addHelpText(
        "after",
        `
--format awk prints what this one-liner prints for the same lines (awk-login layout), so its users can diff:
  awk '/LOGIN,/ {if (index(i[$12], $13) == 0) i[$12]=i[$12] " " $13} END {for(p in i) {print split(i[p], a, " ") " " p " " i[p]}}' maillog | LC_ALL=C sort -n | grep -v '^1 '
(every account with two or more addresses; --min-networks and --limit do not apply to it)`,
      )
      .action(
        runAction(async (options: Record<string, string>) => {
          const format = checkFormat(options.format ?? "table", FORMATS);
          return withQueryStore(options, async ({ client, since }) => {
            if (format === "awk") {
              process.stdout.write(formatAwkLines(await awkLoginRows(client, { since })));
              return 0;
            }
            const rows = await topAccounts(client, {
              since,
              minNetworks: parsePositiveInt(options.minNetworks ?? "2", "--min-networks"),
              limit: parsePositiveInt(options.limit ?? "50", "--limit"),
            });
            // Times as ISO-8601, as history and alerts write them (they were epoch milliseconds here).
            if (format === "json") process.stdout.write(formatJsonLines(rows.map(withIsoSeenTimes)));
            else {
              const cells = accountCells(rows);
              process.stdout.write(format === "csv" ? await formatCsv(COLUMNS, cells) : formatTable(COLUMNS, cells));
            }
            return 0;
          });
        }),
      ),
  );
  // `vigil top` alone is the live view.
  top.addCommand(
    withGlobalOptions(new Command("live"))
      .description(
        "the top accounts and the web servers' outbound destinations in the terminal, refreshed every few seconds until Ctrl-C (reads a ClickHouse server, or the embedded store when no other Vigil process holds it)",
      )
      .option("--every <seconds>", "refresh interval", "5")
      .option("--limit <n>", "rows per table", "15")
      .option("--since <when>", "all, or a duration counted back from the newest event stored", "24h")
      .action(
        runAction(async (options: Record<string, string>) => {
          const everyMs = 1000 * Math.max(1, parsePositiveInt(options.every ?? "5", "--every"));
          const limit = Math.max(1, parsePositiveInt(options.limit ?? "15", "--limit"));
          const controller = new AbortController();
          process.once("SIGINT", () => controller.abort());
          process.once("SIGTERM", () => controller.abort());
          return withQueryStore(options, async ({ client, since }) => {
            while (!controller.signal.aborted) {
              const accounts = await topAccounts(client, { since, minNetworks: 2, limit });
              const destinations = (await listDestinations(client, { sinceMs: since })).slice(0, limit);
              const screen =
                `Vigil, ${new Date().toISOString().replace("T", " ").slice(0, 19)} UTC (every ${everyMs / 1000} s; Ctrl-C to stop)\n\n` +
                `Top accounts by distinct networks:\n${formatTable(COLUMNS, accountCells(accounts))}\nOutbound destinations of the web servers:\n${formatDestinationTable(destinations)}`;
              // Clear the screen and draw again (plain text when not on a terminal).
              process.stdout.write(process.stdout.isTTY ? `\u001b[2J\u001b[H${screen}` : `${screen}\n`);
              await sleep(everyMs, undefined, { signal: controller.signal }).catch(() => undefined);
            }
            return 0;
          });
        }),
      ),
    { isDefault: true },
  );
  return top;
}

/** The cells of the accounts table (`vigil top accounts` and the live view). */
function accountCells(rows: Awaited<ReturnType<typeof topAccounts>>) {
  return rows.map((row) => [
    row.user,
    row.verdict,
    row.networks,
    row.ips,
    row.networks16,
    row.asns,
    row.countries,
    row.logins,
    row.failures,
    formatTime(row.first_seen),
    formatTime(row.last_seen),
  ]);
}
