import { rmSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { buildMailScenario } from "../demo/mail-scenario.js";
import { writeMailLogs } from "../demo/write-mail-logs.js";
import { AccountEvidenceSchema } from "../processors/account-ips/rows.js";
import { importMailFiles } from "../processors/mail-import.js";
import { createMailParseWorker } from "../processors/parse-worker/mail-parse-worker.js";
import { listAlerts } from "../store/queries/list-alerts.js";
import { topAccounts } from "../store/queries/top-accounts.js";
import { withGlobalOptions } from "./global-options.js";
import { loadConfig } from "./load-config.js";
import { openPipeline } from "./open-pipeline.js";
import { parsePositiveInt } from "./output-format.js";
import { formatTable, formatTime } from "./print-table.js";
import { runAction } from "./run-action.js";
import { describeStore } from "./store-location.js";

const DAY = 86_400_000;

export function demoCommand(): Command {
  return withGlobalOptions(new Command("demo"))
    .description(
      "write a realistic, seeded set of mail logs (ordinary users, roaming phones, compromised accounts, noise), " +
        "run the embedded pipeline over them and print the accounts it found, with their evidence",
    )
    .option("--seed <n>", "seed of the generated data (same seed, same logs)", "42")
    .option("--users <n>", "accounts to simulate", "3000")
    .option("--hours <n>", "hours of logs, ending at the last midnight UTC", "48")
    .action(
      runAction(async (options: Record<string, string | boolean>) => {
        const started = Date.now();
        const config = loadConfig(options as Record<string, string>);
        const seed = parsePositiveInt(String(options.seed ?? "42"), "--seed");
        const hours = parsePositiveInt(String(options.hours ?? "48"), "--hours");
        const logDir = join(config.data, "demo-logs");
        const end = Math.floor(Date.now() / DAY) * DAY;
        const scenario = buildMailScenario({
          seed,
          users: parsePositiveInt(String(options.users ?? "3000"), "--users"),
          start: end - hours * 3_600_000,
          hours,
        });
        rmSync(logDir, { recursive: true, force: true });
        const written = await writeMailLogs({ scenario, dir: logDir, seed });
        process.stdout.write(
          `Wrote ${written.totalLines} lines of mail logs for ${scenario.accounts.length} accounts into ${logDir}:\n` +
            written.files.map((file) => `  ${file.path}  (${file.format}, ${file.lines} lines)\n`).join(""),
        );
        // The parse worker starts (loads its code and the ASN data) while the store opens.
        const worker = createMailParseWorker();
        const { pipeline, client } = await openPipeline(config, { verbose: options.verbose === true }).catch(
          async (error: unknown) => {
            await worker.close();
            throw error;
          },
        );
        try {
          const imported = await importMailFiles({
            worker,
            pipeline,
            config,
            files: written.files.map((file) => ({ path: file.path, format: "auto", host: file.host })),
          });
          const counters = pipeline.counters();
          const alerts = await listAlerts(client, { since: null });
          const totals = new Map(
            (await topAccounts(client, { since: null, minNetworks: 0, limit: 0 })).map((row) => [row.user, row]),
          );
          const flagged = summariseByUser(alerts).map((row) => {
            const total = totals.get(row.user);
            return total === undefined
              ? row
              : {
                  ...row,
                  networks: total.networks,
                  asns: total.asns,
                  countries: total.countries,
                  ips: total.ips,
                  failures: total.failures,
                };
          });
          flagged.sort((a, b) => b.networks - a.networks || a.user.localeCompare(b.user));
          const roles = new Map(scenario.accounts.map((account) => [account.user, account.role]));
          process.stdout.write(
            (imported.every((file) => file.alreadyImportedBytes === file.bytes)
              ? `\nThese logs were imported into ${config.data} before (same seed, same day): nothing was read twice, the results below are the stored ones.\n`
              : "") +
              `\nProcessed ${counters.lines} lines: ${counters.events} authentication events, ` +
              `${counters.skipped} other lines, ${counters.unparsed} unparsed (kept in unparsed_lines).\n\n` +
              `Suspicious accounts (${flagged.length}):\n`,
          );
          process.stdout.write(
            formatTable(
              ["user", "verdict", "networks", "asns", "countries", "ips", "failures", "first alert", "fired at (UTC)"],
              flagged.map((row) => [
                row.user,
                row.verdict,
                row.networks,
                row.asns,
                row.countries,
                row.ips,
                row.failures,
                `${row.window} level ${row.level}`,
                formatTime(row.firedAt),
              ]),
            ),
          );
          const compromised = scenario.accounts.filter((account) => account.role === "compromised");
          const caught = compromised.filter((account) => flagged.some((row) => row.user === account.user)).length;
          const phones = scenario.accounts.filter((account) => account.role === "smartphone");
          const phonesFlagged = phones.filter((account) => flagged.some((row) => row.user === account.user)).length;
          const others = flagged.filter((row) => roles.get(row.user) !== "compromised").length;
          const dataFlag = `--data ${config.data}`;
          process.stdout.write(
            `\nAgainst the generated ground truth: ${caught} of ${compromised.length} compromised accounts flagged, ` +
              `${phonesFlagged} of ${phones.length} roaming smartphones flagged, ${others} other accounts flagged.\n` +
              `Results are in ${describeStore(config)}. Ask more:\n` +
              `  npx vigil top accounts ${dataFlag} --since 24h\n` +
              `  npx vigil history ${flagged[0]?.user ?? "USER"} ${dataFlag}\n` +
              `  npx vigil alerts ${dataFlag}\n` +
              `  npx vigil top accounts ${dataFlag} --format csv > accounts.csv\n` +
              `Done in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
          );
          return 0;
        } finally {
          await client.close();
        }
      }),
    );
}

type Flagged = {
  user: string;
  verdict: string;
  level: number;
  networks: number;
  asns: number;
  countries: number;
  ips: number;
  failures: number;
  window: string;
  firedAt: number;
};

/** One line per flagged account: its first alert (the totals are the account's, from its history). */
function summariseByUser(alerts: Awaited<ReturnType<typeof listAlerts>>): Flagged[] {
  const byUser = new Map<string, Flagged>();
  for (const alert of alerts) {
    const evidence = AccountEvidenceSchema.safeParse(JSON.parse(alert.evidence));
    if (!evidence.success) continue;
    const candidate: Flagged = {
      user: alert.subject,
      verdict: alert.verdict,
      level: alert.level,
      networks: evidence.data.networks,
      asns: evidence.data.asns,
      countries: evidence.data.countries,
      ips: evidence.data.ips,
      failures: evidence.data.failures,
      window: alert.window,
      firedAt: alert.fired_at,
    };
    const known = byUser.get(alert.subject);
    if (known === undefined || candidate.firedAt <= known.firedAt) byUser.set(alert.subject, candidate);
  }
  return [...byUser.values()].sort((a, b) => b.networks - a.networks || a.user.localeCompare(b.user));
}
