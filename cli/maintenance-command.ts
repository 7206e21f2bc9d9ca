import { resolve } from "node:path";
import { Command } from "commander";
import { newActionId } from "../actions/audit-log.js";
import { type InventoryHost, loadInventory, selectHosts } from "../actions/inventory.js";
import { type MaintenanceWindow, runMaintenance } from "../actions/maintenance.js";
import { excerptOutputs, summarizeResults } from "../actions/perform-action.js";
import { absolutePath, durationText } from "../actions/remediations/param-types.js";
import { quoteArg } from "../actions/shell-quote.js";
import { InputError } from "../runtime/errors.js";
import { formatFleetSummary } from "./fleet.js";
import { commandArgv, openFleet, withFleetOptions } from "./fleet-options.js";
import { withGlobalOptions } from "./global-options.js";
import { loadConfig } from "./load-config.js";
import { cliActor, openAuditLog } from "./record-action.js";
import { runAction } from "./run-action.js";

function withMaintenanceOptions(command: Command): Command {
  return withFleetOptions(withGlobalOptions(command))
    .argument(
      "[command...]",
      "the job, after --: several words are an exact argv; one word is a command line for the remote shell",
    )
    .option("--site <path>", "the site's document root on the servers (default: each host's vigil_site)")
    .option("--sorry <path>", "the folder of the maintenance page on the servers (default: each host's vigil_sorry)")
    .option(
      "--deadline <duration>",
      "the dead-man switch puts the live site back after this long if Vigil has not (30m, 2h)",
      "2h",
    )
    .option("--job-host <pattern>", "run the job on these hosts of the group only (default: every host)");
}

function parseDeadline(options: Record<string, unknown>): number {
  const deadline = durationText.safeParse(options.deadline);
  if (!deadline.success)
    throw new InputError(`--deadline "${String(options.deadline)}": ${deadline.error.issues[0]?.message}`);
  return deadline.data;
}

/** Each host's site and sorry page: the flags, else its vigil_site and vigil_sorry; checked for every host before anything runs. */
function windowsFor(options: Record<string, unknown>, hosts: readonly InventoryHost[]): Map<string, MaintenanceWindow> {
  const windows = new Map<string, MaintenanceWindow>();
  for (const host of hosts) {
    const pick = (flag: "site" | "sorry") => {
      const value = options[flag] ?? host.vars[`vigil_${flag}`];
      const parsed = absolutePath.safeParse(value);
      if (!parsed.success) {
        throw new InputError(
          value === undefined
            ? `no --${flag} given and ${host.name} has no vigil_${flag}`
            : `--${flag} for ${host.name}: ${parsed.error.issues[0]?.message}`,
          `give --${flag} PATH, or set vigil_${flag} for the host in the inventory`,
        );
      }
      return parsed.data;
    };
    windows.set(host.name, { site: pick("site"), sorry: pick("sorry") });
  }
  return windows;
}

export function maintenanceCommand(): Command {
  return withMaintenanceOptions(new Command("maintenance"))
    .description(
      "a job in a maintenance window: arm a dead-man switch on every server, show the sorry page, run the job, and always put the live site back (also when the job fails, times out or the connection drops)",
    )
    .addHelpText(
      "after",
      `
Example (the nightly reindex, with the shop down for at most two hours):
  vigil actions maintenance -i inventory.yml -g web --site /var/www/shop --sorry /var/www/sorry \\
    --deadline 2h --job-host web-1 -- /usr/local/bin/shop-reindex`,
    )
    .action(
      runAction(async (words: string[], options: Record<string, unknown>) => {
        const config = loadConfig(options as Record<string, string>);
        const fleet = openFleet(options, config);
        const deadlineSeconds = parseDeadline(options);
        const windows = windowsFor(options, fleet.hosts);
        const job = commandArgv(words, false);
        const jobHosts =
          options.jobHost === undefined
            ? undefined
            : selectHosts(
                loadInventory(String(options.inventory ?? config.actions.inventory)),
                String(options.jobHost),
              ).filter((host) => fleet.hosts.some((member) => member.name === host.name));
        if (jobHosts !== undefined && jobHosts.length === 0)
          throw new InputError(`--job-host ${String(options.jobHost)} names no host of ${fleet.pattern}`);
        if (fleet.timeoutMs === 0 || fleet.timeoutMs / 1000 > deadlineSeconds) {
          process.stderr.write(
            `vigil: note: the job may run longer (--timeout ${fleet.timeoutMs / 1000 || "none"}) than the dead-man switch waits (--deadline ${deadlineSeconds} s): the live site could come back mid-job\n`,
          );
        }
        // A stop request ends the job early; the live site is put back all the same.
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        const { audit, close } = await openAuditLog(config);
        try {
          const result = await runMaintenance({
            access: fleet,
            windowFor: (host) => windows.get(host.name) as MaintenanceWindow,
            deadlineSeconds,
            job,
            ...(jobHosts === undefined ? {} : { jobHosts }),
            signal: controller.signal,
            onLine: (host, stream, line) =>
              (stream === "stdout" ? process.stdout : process.stderr).write(`${host} | ${line}\n`),
            onPhase: (phase) => process.stderr.write(`vigil: ${phase}\n`),
          });
          const jobResults = result.job?.results ?? [];
          process.stdout.write(
            `\njob:\n${formatFleetSummary(jobResults)}\nlive site back:\n${formatFleetSummary(result.restored)}`,
          );
          await audit.record({
            id: newActionId(),
            ts: Date.now(),
            state: result.ok ? "run" : "failed",
            actor: cliActor(),
            remediation: "maintenance",
            params: { windows: Object.fromEntries(windows), deadlineSeconds, job },
            target: fleet.pattern,
            hosts: fleet.hosts.map((host) => host.name),
            mode: "manual",
            result: `job: ${summarizeResults(jobResults)}; live site back: ${summarizeResults(result.restored)}`,
            output: excerptOutputs(jobResults),
          });
          return result.ok ? 0 : 1;
        } finally {
          await close();
        }
      }),
    );
}

export function cronLineCommand(): Command {
  return withMaintenanceOptions(new Command("cron-line"))
    .description("print the crontab line that runs `vigil actions maintenance` with these options every night")
    .option("--at <HH:MM>", "time of day (the server's cron time zone)", "03:00")
    .option("--log <file>", "where cron appends the run's output", "/var/log/vigil-maintenance.log")
    .action(
      runAction(async (words: string[], options: Record<string, unknown>) => {
        const at = /^(\d{1,2}):(\d{2})$/.exec(String(options.at));
        if (at === null || Number(at[1]) > 23 || Number(at[2]) > 59)
          throw new InputError(`--at "${String(options.at)}" is not a time of day`, "give --at 03:00");
        parseDeadline(options);
        commandArgv(words, false);
        const argv = [process.execPath, resolve(process.argv[1] as string), "actions", "maintenance"];
        const pass = (flag: string, value: unknown) => {
          if (value !== undefined)
            argv.push(
              flag,
              flag === "-i" || flag === "--config" || flag === "--known-hosts" ? resolve(String(value)) : String(value),
            );
        };
        pass("--config", options.config);
        pass("--data", options.data === undefined ? undefined : resolve(String(options.data)));
        pass("-i", options.inventory);
        pass("-g", options.group);
        pass("--site", options.site);
        pass("--sorry", options.sorry);
        pass("--deadline", options.deadline);
        pass("--job-host", options.jobHost);
        pass("--timeout", options.timeout);
        pass("--known-hosts", options.knownHosts);
        if (options.sudo === true) argv.push("--sudo");
        argv.push("--", ...words);
        // cron turns an unescaped % into a newline.
        const line = argv.map((arg) => quoteArg(arg).replaceAll("%", "\\%")).join(" ");
        process.stdout.write(
          `${Number(at[2])} ${Number(at[1])} * * * ${line} >> ${quoteArg(String(options.log))} 2>&1\n`,
        );
        return 0;
      }),
    );
}
