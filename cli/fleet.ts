import { Command, Option } from "commander";
import { runWithAccess } from "../actions/execute-remediation.js";
import type { RemoteResult } from "../actions/remote-command.js";
import { quoteArgv } from "../actions/shell-quote.js";
import { commandArgv, openFleet, withFleetOptions } from "./fleet-options.js";
import { withGlobalOptions } from "./global-options.js";
import { loadConfig } from "./load-config.js";
import { parsePositiveInt } from "./output-format.js";
import { formatTable } from "./print-table.js";
import { recordFleetRun } from "./record-action.js";
import { runAction } from "./run-action.js";

export function fleetCommand(): Command {
  const fleet = new Command("fleet").description(
    "run commands on groups of servers over SSH (inventory in Ansible's YAML layout)",
  );
  fleet.addCommand(
    withFleetOptions(withGlobalOptions(new Command("run")))
      .description(
        "run a command on every server of a group at once: live output prefixed by host, a summary, exit 1 if any host failed, timed out or was refused",
      )
      .argument(
        "[command...]",
        "after --: several words are an exact argv; one word is a command line for the remote shell",
      )
      .option("--list-hosts", "show the servers the selection reaches, and run nothing")
      .option("--serial <n>", "roll out in batches of n hosts")
      .addOption(new Option("--max-fail-percent <p>", "stop before the next batch when more than p% of a batch failed"))
      .addHelpText(
        "after",
        `
Examples:
  vigil fleet run -i inventory.yml -g web -- systemctl reload apache2
  vigil fleet run -i inventory.yml -g web --timeout 20 -- 'df -h / | tail -1'
  vigil fleet run -i inventory.yml -g all:!db --serial 2 --max-fail-percent 0 --sudo -- apt-get -y upgrade
  vigil fleet run -i inventory.yml -g mail --list-hosts`,
      )
      .action(
        runAction(async (words: string[], options: Record<string, unknown>) => {
          const config = loadConfig(options as Record<string, string>);
          const fleet = openFleet(options, config);
          if (options.listHosts === true) {
            process.stdout.write(`  hosts (${fleet.hosts.length}) of ${fleet.pattern}:\n`);
            for (const host of fleet.hosts)
              process.stdout.write(`    ${host.name}  ${host.user}@${host.address}:${host.port}\n`);
            return 0;
          }
          const argv = commandArgv(words, fleet.sudo);
          const command = quoteArgv(argv);
          const run = await runWithAccess(fleet, {
            commandFor: () => command,
            ...(options.serial === undefined
              ? {}
              : { serial: Math.max(1, parsePositiveInt(String(options.serial), "--serial")) }),
            ...(options.maxFailPercent === undefined
              ? {}
              : { maxFailPercent: parsePositiveInt(String(options.maxFailPercent), "--max-fail-percent") }),
            onLine: (host, stream, line) =>
              (stream === "stdout" ? process.stdout : process.stderr).write(`${host} | ${line}\n`),
            onHostDone: (result) => {
              if (result.status !== "ok" && result.status !== "failed")
                process.stderr.write(`${result.host} | ${result.status}: ${result.message}\n`);
            },
          });
          process.stdout.write(`\n${formatFleetSummary(run.results, run.skipped)}`);
          if (run.stoppedEarly !== null) process.stderr.write(`vigil: stopped early: ${run.stoppedEarly}\n`);
          await recordFleetRun(config, { pattern: fleet.pattern, argv, results: run.results, skipped: run.skipped });
          const failed = run.results.filter((result) => result.status !== "ok").length + run.skipped.length;
          return failed === 0 ? 0 : 1;
        }),
      ),
  );
  return fleet;
}

export function formatFleetSummary(results: readonly RemoteResult[], skipped: readonly string[] = []): string {
  const rows = results.map((result) => [
    result.host,
    result.status,
    result.exitCode === null ? "-" : result.exitCode,
    (result.durationMs / 1000).toFixed(1),
    result.message ?? "",
  ]);
  for (const host of skipped) rows.push([host, "skipped", "-", "-", "not started: the run stopped early"]);
  const ok = results.filter((result) => result.status === "ok").length;
  const total = results.length + skipped.length;
  return `${formatTable(["host", "status", "exit", "seconds", "message"], rows)}${ok} of ${total} hosts ok\n`;
}
