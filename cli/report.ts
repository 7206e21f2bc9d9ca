import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { Command } from "commander";
import { collectPanels } from "../report/collect-panels.js";
import { renderReportHtml } from "../report/render-html.js";
import { withGlobalOptions } from "./global-options.js";
import { withQueryStore } from "./query-store.js";
import { runAction } from "./run-action.js";

export function reportCommand(): Command {
  return withGlobalOptions(new Command("report"))
    .description(
      "write one self-contained HTML file with the dashboards' panels (charts by Apache ECharts, inlined: it opens offline and can be mailed), for people without Grafana",
    )
    .requiredOption("--out <file>", "the HTML file to write")
    .option("--since <when>", "all, a duration counted back from the newest event stored, or a time", "24h")
    .option("--user <user>", "the account of the Account history section (default: the one with the most ASNs)")
    .action(
      runAction(async (options: Record<string, string>) =>
        withQueryStore(options, async ({ client, since }) => {
          const bounds = await (
            await client.query({
              query: `SELECT toUInt64(toUnixTimestamp(min(ts))) AS oldest, toUInt64(toUnixTimestamp(max(ts))) + 1 AS newest, count() AS n FROM mail_auth_events
                      UNION ALL
                      SELECT toUInt64(toUnixTimestamp(min(ts))), toUInt64(toUnixTimestamp(max(ts))) + 1, count() FROM http_requests`,
              format: "JSONEachRow",
            })
          ).json<{ oldest: string; newest: string; n: string }>();
          const filled = bounds.filter((row) => Number(row.n) > 0);
          const toSeconds =
            filled.length === 0 ? Math.floor(Date.now() / 1000) : Math.max(...filled.map((row) => Number(row.newest)));
          const oldest =
            filled.length === 0 ? toSeconds - 86_400 : Math.min(...filled.map((row) => Number(row.oldest)));
          const fromSeconds = since === null ? oldest : Math.floor(since / 1000);
          const user = options.user ?? (await topAccount(client, fromSeconds, toSeconds));
          const dashboards = await collectPanels(
            client,
            { fromSeconds, toSeconds },
            { min_networks: "8", host: "", vhost: "", user },
          );
          const range = `${new Date(fromSeconds * 1000).toISOString()} to ${new Date(toSeconds * 1000).toISOString()}`;
          const html = renderReportHtml({
            title: "Vigil report",
            generatedAt: new Date().toISOString(),
            range,
            dashboards,
          });
          const out = resolve(options.out as string);
          writeFileSync(out, html);
          const panels = dashboards.reduce((total, dashboard) => total + dashboard.panels.length, 0);
          process.stdout.write(
            `wrote ${out}: ${dashboards.length} dashboards, ${panels} panels, ${range}; open it in a browser (no network needed)\n`,
          );
          return 0;
        }),
      ),
    );
}

async function topAccount(
  client: Parameters<typeof collectPanels>[0],
  fromSeconds: number,
  toSeconds: number,
): Promise<string> {
  const result = await client.query({
    query: `SELECT user FROM account_ip_history FINAL
            WHERE last_seen >= toDateTime({from:UInt64}) AND last_seen <= toDateTime({to:UInt64})
            GROUP BY user ORDER BY uniqExact(asn) DESC, user LIMIT 1`,
    query_params: { from: fromSeconds, to: toSeconds },
    format: "JSONEachRow",
  });
  return (await result.json<{ user: string }>())[0]?.user ?? "";
}
