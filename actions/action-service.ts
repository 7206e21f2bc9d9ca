import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ClickHouseClient } from "@clickhouse/client";
import { Counter, type Registry } from "prom-client";
import { parse as parseYaml } from "yaml";
import { ConfigError, InputError } from "../runtime/errors.js";
import type { Logger } from "../runtime/logger.js";
import { type RulesFile, RulesFileSchema } from "../schemas/action-rules.js";
import type { VigilConfig } from "../schemas/config.js";
import { startActionServer } from "./action-server.js";
import { type AlertDispatcher, createAlertDispatcher } from "./alert-dispatcher.js";
import { allowlistedNetworks } from "./alert-rules.js";
import { createAuditLog } from "./audit-log.js";
import { fleetAccessFromConfig } from "./fleet-access.js";
import { findRemediation } from "./remediations/registry.js";

export type ActionService = { dispatcher: AlertDispatcher; url: string; close(): Promise<void> };

/**
 * Alerts to actions, as one service: the rules, the audit in the store, the
 * dispatcher and its HTTP server. `vigil serve` runs it alone; `vigil run`
 * runs it beside the embedded pipeline when the config names a rules file.
 */
export async function startActionService(deps: {
  config: VigilConfig;
  client: ClickHouseClient;
  logger: Logger;
  registry: Registry;
  listen?: string;
}): Promise<ActionService> {
  const { config, logger } = deps;
  const actions = config.actions;
  if (actions.rules === undefined)
    throw new ConfigError(
      "actions.rules",
      "no rules file is configured",
      "set actions.rules to a rules file (see README, From alerts to actions)",
    );
  const rules = loadRules(actions.rules);
  const token = process.env[actions.serve.tokenEnv] || null;
  const hmacSecret = process.env[actions.serve.hmacSecretEnv] || null;
  if (token === null && hmacSecret === null) {
    throw new ConfigError(
      "actions.serve",
      `neither ${actions.serve.tokenEnv} nor ${actions.serve.hmacSecretEnv} is set: every request must be authenticated`,
      `export ${actions.serve.tokenEnv}=$(openssl rand -hex 32) and give the same token to Grafana's contact point`,
    );
  }
  const audit = createAuditLog({ client: deps.client, dataDir: config.data });
  const decisions = new Counter({
    name: "vigil_actions_total",
    help: "actions decided, by remediation and state (proposed, run, failed, refused, ignored, notified)",
    labelNames: ["remediation", "state"],
    registers: [deps.registry],
  });
  const accessFor = (pattern: string) => fleetAccessFromConfig(actions, pattern);
  const dispatcher = createAlertDispatcher({
    rules,
    audit,
    accessFor,
    logger,
    onDecision: (decision) => {
      decisions.inc({ remediation: decision.remediation, state: decision.state });
      process.stderr.write(
        `action ${decision.id} ${decision.state}: ${decision.remediation} for ${JSON.stringify(decision.subject)} (rule ${decision.rule}): ${decision.result}\n`,
      );
    },
  });
  const server = await startActionServer({
    listen: deps.listen ?? actions.serve.listen,
    auth: { token, hmacSecret },
    maxBodyBytes: actions.serve.maxBodyBytes,
    dispatcher,
    audit,
    registry: deps.registry,
    logger,
  });
  return { dispatcher, url: server.url, close: server.close };
}

export function loadRules(path: string): RulesFile {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(resolve(path), "utf8")) ?? {};
  } catch (cause) {
    throw new InputError(
      `cannot read the rules file ${resolve(path)}: ${cause instanceof Error ? cause.message : String(cause)}`,
      "check actions.rules in the config",
      cause,
    );
  }
  const parsed = RulesFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(
      `${resolve(path)}: ${issue?.path.join(".")}: ${issue?.message}`,
      "see README, From alerts to actions, for the rules file layout",
    );
  }
  // A bad network in the allowlist is refused now, not when the first alert arrives.
  allowlistedNetworks(parsed.data);
  for (const rule of parsed.data.rules) {
    if (findRemediation(rule.remediation) === undefined) {
      throw new InputError(
        `${resolve(path)}: rule ${rule.name}: no remediation named ${rule.remediation}`,
        "use one of: block-ip, lock-account, pin-domain, sorry-site",
      );
    }
  }
  return parsed.data;
}
