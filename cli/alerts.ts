import { Command } from "commander";
import { AccountEvidenceSchema } from "../processors/account-ips/rows.js";
import { listAlerts } from "../store/queries/list-alerts.js";
import { withGlobalOptions } from "./global-options.js";
import { checkFormat, formatJsonLines } from "./output-format.js";
import { formatTable, formatTime } from "./print-table.js";
import { withQueryStore } from "./query-store.js";
import { runAction } from "./run-action.js";

const FORMATS = ["table", "json"] as const;
const COLUMNS = [
  "user",
  "window",
  "from",
  "level",
  "verdict",
  "ips",
  "networks",
  "asns",
  "countries",
  "first_login",
  "last_login",
];

export function alertsCommand(): Command {
  return withGlobalOptions(new Command("alerts"))
    .description("alerts that fired, newest first, with their evidence")
    .option("--since <when>", "all, a duration counted back from the newest event stored, or a time", "all")
    .option("--format <format>", `output: ${FORMATS.join(", ")}`, "table")
    .action(
      runAction(async (options: Record<string, string>) => {
        const format = checkFormat(options.format ?? "table", FORMATS);
        return withQueryStore(options, async ({ client, since }) => {
          const alerts = await listAlerts(client, { since });
          const rows = alerts.map((alert) => {
            const evidence = AccountEvidenceSchema.safeParse(safeJson(alert.evidence));
            return { alert, evidence: evidence.success ? evidence.data : null };
          });
          if (format === "json") {
            process.stdout.write(
              formatJsonLines(
                rows.map(({ alert, evidence }) => ({
                  alert_id: alert.alert_id,
                  kind: alert.kind,
                  user: alert.subject,
                  window: alert.window,
                  window_start: new Date(alert.window_start).toISOString(),
                  window_end: new Date(alert.window_end).toISOString(),
                  level: alert.level,
                  verdict: alert.verdict,
                  summary: alert.summary,
                  fired_at: new Date(alert.fired_at).toISOString(),
                  evidence,
                })),
              ),
            );
            return 0;
          }
          const cells = rows.map(({ alert, evidence }) => [
            alert.subject,
            alert.window,
            formatTime(alert.window_start),
            alert.level,
            alert.verdict,
            evidence?.ips ?? "",
            evidence?.networks ?? "",
            evidence?.asns ?? "",
            evidence?.countries ?? "",
            evidence === null ? "" : evidence.first_login.replace("T", " ").slice(0, 19),
            evidence === null ? "" : evidence.last_login.replace("T", " ").slice(0, 19),
          ]);
          process.stdout.write(formatTable(COLUMNS, cells));
          return 0;
        });
      }),
    );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
