import { Command } from "commander";
import { loadRules } from "../actions/action-service.js";
import { createAlertDispatcher } from "../actions/alert-dispatcher.js";
import { fleetAccessFromConfig } from "../actions/fleet-access.js";
import { REMEDIATIONS } from "../actions/remediations/registry.js";
import { InputError } from "../runtime/errors.js";
import { silentLogger } from "../runtime/logger.js";
import type { AuditRow } from "../schemas/action-audit.js";
import { RulesFileSchema } from "../schemas/action-rules.js";
import { callActionService } from "./action-service-client.js";
import { withGlobalOptions } from "./global-options.js";
import { loadConfig } from "./load-config.js";
import { cronLineCommand, maintenanceCommand } from "./maintenance-command.js";
import { checkFormat } from "./output-format.js";
import { formatTable, formatTime } from "./print-table.js";
import { cliActor, openAuditLog } from "./record-action.js";
import { remediationCommand } from "./remediation-command.js";
import { runAction } from "./run-action.js";

export function actionsCommand(): Command {
  const actions = new Command("actions").description(
    "remediations on groups of servers (each with --dry-run, most with --undo), maintenance windows, and the audit trail with approvals",
  );
  for (const remediation of REMEDIATIONS) {
    actions.addCommand(remediationCommand(remediation));
    if (!("irreversible" in remediation.revert) && remediation.revert.verb !== undefined)
      actions.addCommand(remediationCommand(remediation, true));
  }
  actions.addCommand(maintenanceCommand());
  actions.addCommand(cronLineCommand());
  actions.addCommand(listCommand());
  actions.addCommand(settleCommand("approve"));
  actions.addCommand(settleCommand("reject"));
  return actions;
}

function listCommand(): Command {
  return withGlobalOptions(new Command("list"))
    .description("the audit trail: every action proposed, approved, run, refused or ignored, latest state first")
    .option("--since <duration>", "how far back (30m, 24h, 7d)", "7d")
    .option("--format <format>", "table or json", "table")
    .option("--id <id>", "every row of one action")
    .action(
      runAction(async (options: Record<string, string>) => {
        const format = checkFormat(options.format ?? "table", ["table", "json"] as const);
        const config = loadConfig(options);
        const sinceMs = Date.now() - parseSince(options.since ?? "7d");
        const { audit, client, close } = await openAuditLog(config);
        let rows: AuditRow[];
        try {
          if (client !== null)
            rows =
              options.id !== undefined ? await audit.history(options.id) : await audit.list({ sinceMs, limit: 1000 });
          else
            rows = ((await callActionService(config, "GET", "/api/actions?limit=1000")) as { actions: AuditRow[] })
              .actions;
        } finally {
          await close();
        }
        if (format === "json") {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return 0;
        }
        process.stdout.write(
          formatTable(
            ["id", "time (UTC)", "state", "remediation", "subject", "target", "actor", "result"],
            rows.map((row) => [
              row.id,
              formatTime(row.ts),
              row.state,
              row.remediation,
              subjectOf(row),
              row.target,
              row.actor,
              row.result.length > 80 ? `${row.result.slice(0, 77)}...` : row.result,
            ]),
          ),
        );
        return 0;
      }),
    );
}

function subjectOf(row: AuditRow): string {
  const params = row.params;
  return String(
    params.user ??
      params.ip ??
      params.domain ??
      params.site ??
      (Array.isArray(params.argv) ? params.argv.join(" ") : "") ??
      "",
  ).slice(0, 60);
}

function parseSince(text: string): number {
  const match = /^(\d+)(m|h|d)$/.exec(text);
  if (match === null) throw new InputError(`--since "${text}" is not a duration`, "give --since 30m, 24h or 7d");
  return Number(match[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "m" | "h" | "d"];
}

function settleCommand(verb: "approve" | "reject"): Command {
  return withGlobalOptions(new Command(verb))
    .description(
      verb === "approve"
        ? "run an action a rule proposed (mode approve), and audit who approved it"
        : "turn a proposed action down, and audit who did",
    )
    .argument("<id>", "the action's id, from vigil actions list or the alert's message")
    .action(
      runAction(async (id: string, options: Record<string, string>) => {
        const config = loadConfig(options);
        const actor = `${verb}:${cliActor().replace(/^cli:/, "")}`;
        const { audit, client, close } = await openAuditLog(config);
        try {
          let decision: { state: string; result: string };
          if (client === null) {
            // The embedded store is held by a running `vigil serve` or `vigil run`: ask it.
            decision = (await callActionService(config, "POST", `/api/actions/${encodeURIComponent(id)}/${verb}`, {
              actor: actor.slice(verb.length + 1),
            })) as typeof decision;
          } else {
            const dispatcher = createAlertDispatcher({
              rules: config.actions.rules === undefined ? RulesFileSchema.parse({}) : loadRules(config.actions.rules),
              audit,
              accessFor: (pattern) => fleetAccessFromConfig(config.actions, pattern),
              logger: silentLogger(),
            });
            try {
              decision = verb === "approve" ? await dispatcher.approve(id, actor) : await dispatcher.reject(id, actor);
            } catch (error) {
              throw new InputError(error instanceof Error ? error.message : String(error), "see vigil actions list");
            }
          }
          process.stdout.write(`${id}: ${decision.state}: ${decision.result}\n`);
          return decision.state === "run" || decision.state === "rejected" ? 0 : 1;
        } finally {
          await close();
        }
      }),
    );
}
