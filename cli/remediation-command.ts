import { Command } from "commander";
import { newActionId } from "../actions/audit-log.js";
import { performAction } from "../actions/perform-action.js";
import { describePlan, hostVariableOf, planRemediation } from "../actions/plan-remediation.js";
import type { RemediationDefinition } from "../actions/remediations/define-remediation.js";
import { formatFleetSummary } from "./fleet.js";
import { openFleet, withFleetOptions } from "./fleet-options.js";
import { withGlobalOptions } from "./global-options.js";
import { loadConfig } from "./load-config.js";
import { cliActor, openAuditLog } from "./record-action.js";
import { runAction } from "./run-action.js";

const kebab = (key: string) => key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/**
 * `vigil actions <id>` for a remediation (and `vigil actions <verb>` for its
 * undo): positional parameters as arguments, the others as --kebab-case
 * options, each documented by its schema; --dry-run prints what would run
 * where and runs nothing.
 */
export function remediationCommand(remediation: RemediationDefinition, asUndo = false): Command {
  const revert = "irreversible" in remediation.revert ? null : remediation.revert;
  const name = asUndo ? (revert?.verb as string) : remediation.id;
  const command = withFleetOptions(withGlobalOptions(new Command(name))).description(
    asUndo ? `${revert?.summary} (undoes ${remediation.id})` : remediation.summary,
  );
  const shape = remediation.params.shape as Record<string, { description?: string }>;
  for (const key of remediation.positional) command.argument(`<${key}>`, shape[key]?.description ?? key);
  for (const [key, field] of Object.entries(shape)) {
    if ((remediation.positional as readonly string[]).includes(key)) continue;
    command.option(`--${kebab(key)} <value>`, `${field.description ?? key} (inventory: ${hostVariableOf(key)})`);
  }
  command.option("--dry-run", "print exactly what would run on which server, and run nothing");
  if (revert !== null && !asUndo) command.option("--undo", revert.summary);
  command.addHelpText("after", `\nExamples:\n${remediation.examples.map((example) => `  ${example}`).join("\n")}`);
  command.action(
    runAction(async (...args: unknown[]) => {
      const options = args[remediation.positional.length] as Record<string, unknown>;
      const params: Record<string, unknown> = {};
      remediation.positional.forEach((key, index) => {
        params[key] = args[index];
      });
      for (const key of Object.keys(shape)) if (options[key] !== undefined) params[key] = options[key];
      const undo = asUndo || options.undo === true;
      const config = loadConfig(options as Record<string, string>);
      const fleet = openFleet(options, config);
      if (options.dryRun === true) {
        const plans = planRemediation({ remediation, params, hosts: fleet.hosts, undo, sudo: fleet.sudo });
        process.stdout.write(
          `dry run: ${undo ? `undo ${remediation.id}` : remediation.id} on ${fleet.hosts.length} hosts; nothing runs\n\n${describePlan(plans)}`,
        );
        return 0;
      }
      const { audit, close } = await openAuditLog(config);
      try {
        const outcome = await performAction({
          audit,
          context: { id: newActionId(), actor: cliActor(), mode: "manual", target: fleet.pattern },
          remediation,
          params,
          undo,
          access: fleet,
          onLine: (host, stream, line) =>
            (stream === "stdout" ? process.stdout : process.stderr).write(`${host} | ${line}\n`),
        });
        process.stdout.write(`\n${formatFleetSummary(outcome.run.results, outcome.run.skipped)}`);
        return outcome.ok ? 0 : 1;
      } finally {
        await close();
      }
    }),
  );
  return command;
}
