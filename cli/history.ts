import { Command } from "commander";
import { normalizeUser } from "../processors/parse/normalize-user.js";
import { accountHistory } from "../store/queries/account-history.js";
import { withGlobalOptions } from "./global-options.js";
import { checkFormat, formatCsv, formatJsonLines, withIsoSeenTimes } from "./output-format.js";
import { formatTable, formatTime } from "./print-table.js";
import { withQueryStore } from "./query-store.js";
import { runAction } from "./run-action.js";

const FORMATS = ["table", "json", "csv"] as const;
const COLUMNS = ["ip", "first_seen", "last_seen", "logins", "failures", "network", "asn", "as_name", "country"];

export function historyCommand(): Command {
  return withGlobalOptions(new Command("history"))
    .description("every address an account used: first and last seen, logins, failures, network, ASN, country")
    .argument("<user>", "the account (compared after trimming and lower-casing, as stored)")
    .option("--since <when>", "all, a duration counted back from the newest event stored, or a time", "all")
    .option("--format <format>", `output: ${FORMATS.join(", ")}`, "table")
    .action(
      runAction(async (user: string, options: Record<string, string>) => {
        const format = checkFormat(options.format ?? "table", FORMATS);
        return withQueryStore(options, async ({ client, since }) => {
          const rows = await accountHistory(client, { user: normalizeUser(user), since });
          if (rows.length === 0) {
            process.stderr.write(
              `no logins stored for ${JSON.stringify(user)}${since === null ? "" : " in that range"}\n`,
            );
            return 1;
          }
          if (format === "json") {
            process.stdout.write(formatJsonLines(rows.map(withIsoSeenTimes)));
            return 0;
          }
          const cells = rows.map((row) => [
            row.ip,
            formatTime(row.first_seen),
            formatTime(row.last_seen),
            row.logins,
            row.failures,
            row.network,
            row.asn,
            row.as_name,
            row.country,
          ]);
          process.stdout.write(format === "csv" ? await formatCsv(COLUMNS, cells) : formatTable(COLUMNS, cells));
          return 0;
        });
      }),
    );
}
