import type { Logger } from "../runtime/logger.js";
import type { AuditRowInput } from "../schemas/action-audit.js";
import { DEFAULT_PER_HOUR, type Rule, type RulesFile } from "../schemas/action-rules.js";
import { allowlistedSubject, matchingRules, paramsFromAlert } from "./alert-rules.js";
import { type AuditLog, newActionId } from "./audit-log.js";
import type { FleetAccess } from "./execute-remediation.js";
import type { IncomingAlert } from "./incoming-alert.js";
import { performAction } from "./perform-action.js";
import { planRemediation } from "./plan-remediation.js";
import { findRemediation } from "./remediations/registry.js";

/**
 * From alerts to actions. Each alert that matches a rule becomes an action
 * in the rule's mode (auto: run now; approve: proposed until `vigil actions
 * approve ID`; notify: recorded and logged), unless a limit holds: a
 * resolved alert never triggers, allowlisted users, addresses, domains and
 * hosts are never acted on, at most N actions per remediation per hour, and
 * the same action is not repeated within the hour (Grafana re-sends firing
 * alerts). Every decision lands in the audit. Alerts are handled one at a
 * time, so limits count exactly.
 */
export type Decision = { id: string; rule: string; state: AuditRowInput["state"]; result: string };

export type AlertDispatcher = {
  handle(alert: IncomingAlert): Promise<Decision[]>;
  approve(id: string, actor: string): Promise<Decision>;
  reject(id: string, actor: string): Promise<Decision>;
};

export type DispatcherDeps = {
  rules: RulesFile;
  audit: AuditLog;
  /** The hosts a pattern reaches, with how to reach them. */
  accessFor(pattern: string): FleetAccess;
  logger: Logger;
  onDecision?(decision: Decision & { remediation: string; subject: string }): void;
  now?: () => number;
};

const HOUR_MS = 3_600_000;

export function createAlertDispatcher(deps: DispatcherDeps): AlertDispatcher {
  const { rules, audit } = deps;
  const now = deps.now ?? Date.now;
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const decide = async (rule: Rule, alert: IncomingAlert): Promise<Decision> => {
    const id = newActionId();
    const params = paramsFromAlert(rule, alert);
    const context = {
      id,
      actor: `rule:${rule.name}`,
      mode: rule.mode,
      target: rule.group,
      alertKind: alert.kind,
      alertSubject: alert.subject,
      alertFingerprint: alert.fingerprint,
    } as const;
    const record = async (state: AuditRowInput["state"], result: string, hosts: string[] = []) => {
      await audit.record({ ...context, ts: now(), state, remediation: rule.remediation, params, hosts, result });
      const decision = { id, rule: rule.name, state, result };
      deps.onDecision?.({ ...decision, remediation: rule.remediation, subject: alert.subject });
      return decision;
    };
    const remediation = findRemediation(rule.remediation);
    if (remediation === undefined) return record("refused", `no remediation named ${rule.remediation}`);
    if (alert.status === "resolved") return record("ignored", "a resolved alert never triggers an action");
    let access: FleetAccess;
    let hosts: string[];
    try {
      access = withoutAllowlistedHosts(deps.accessFor(rule.group), rules);
      hosts = access.hosts.map((host) => host.name);
      if (hosts.length === 0) return record("refused", `every host of ${rule.group} is allowlisted`);
      planRemediation({ remediation, params, hosts: access.hosts, undo: false, sudo: access.sudo });
    } catch (error) {
      return record("refused", `invalid: ${error instanceof Error ? error.message : String(error)}`);
    }
    const allowlisted = allowlistedSubject(rules, remediation, params);
    if (allowlisted !== null) return record("refused", allowlisted, hosts);
    if (await audit.seenSince(remediation.id, params, rule.group, now() - HOUR_MS)) {
      return record("ignored", "the same action was already taken or proposed within the hour", hosts);
    }
    const limit = rules.limits.perHour[remediation.id] ?? rules.limits.perHour.default ?? DEFAULT_PER_HOUR;
    const taken = await audit.countSince(remediation.id, now() - HOUR_MS);
    if (taken >= limit)
      return record(
        "refused",
        `limit reached: ${taken} ${remediation.id} actions in the last hour (at most ${limit})`,
        hosts,
      );
    if (rule.mode === "notify") return record("notified", `would run ${remediation.id} on ${hosts.join(", ")}`, hosts);
    if (rule.mode === "approve") return record("proposed", `approve with: vigil actions approve ${id}`, hosts);
    const outcome = await performAction({ audit, context, remediation, params, undo: false, access });
    const decision = { id, rule: rule.name, state: outcome.ok ? "run" : "failed", result: outcome.summary } as const;
    deps.onDecision?.({ ...decision, remediation: rule.remediation, subject: alert.subject });
    return decision;
  };

  const settle = async (id: string, actor: string, approve: boolean): Promise<Decision> => {
    const history = await audit.history(id);
    const proposal = history.find((row) => row.state === "proposed");
    const latest = history.at(-1);
    if (proposal === undefined || latest === undefined)
      throw new Error(`no proposed action ${id} (see vigil actions list)`);
    if (latest.state !== "proposed") throw new Error(`action ${id} is already ${latest.state}`);
    const rule = latest.actor.replace(/^rule:/, "");
    const context = {
      id,
      actor,
      mode: proposal.mode,
      target: proposal.target,
      alertKind: proposal.alertKind,
      alertSubject: proposal.alertSubject,
      alertFingerprint: proposal.alertFingerprint,
    };
    const base = { ...context, remediation: proposal.remediation, params: proposal.params, hosts: proposal.hosts };
    if (!approve) {
      await audit.record({ ...base, ts: now(), state: "rejected", result: `rejected by ${actor}` });
      return { id, rule, state: "rejected", result: `rejected by ${actor}` };
    }
    const ttlMs = rules.limits.approvalTtlHours * HOUR_MS;
    if (now() - proposal.ts > ttlMs) {
      await audit.record({
        ...base,
        ts: now(),
        state: "refused",
        result: `the proposal expired (older than ${rules.limits.approvalTtlHours} h)`,
      });
      return { id, rule, state: "refused", result: "the proposal expired" };
    }
    const remediation = findRemediation(proposal.remediation);
    if (remediation === undefined) throw new Error(`no remediation named ${proposal.remediation}`);
    await audit.record({ ...base, ts: now(), state: "approved", result: `approved by ${actor}` });
    const access = withoutAllowlistedHosts(deps.accessFor(proposal.target), rules);
    const outcome = await performAction({ audit, context, remediation, params: proposal.params, undo: false, access });
    return { id, rule, state: outcome.ok ? "run" : "failed", result: outcome.summary };
  };

  return {
    handle: (alert) =>
      serially(async () => {
        const decisions: Decision[] = [];
        for (const rule of matchingRules(rules, alert)) decisions.push(await decide(rule, alert));
        return decisions;
      }),
    approve: (id, actor) => serially(() => settle(id, actor, true)),
    reject: (id, actor) => serially(() => settle(id, actor, false)),
  };
}

function withoutAllowlistedHosts(access: FleetAccess, rules: RulesFile): FleetAccess {
  const never = new Set(rules.allowlist.hosts);
  return { ...access, hosts: access.hosts.filter((host) => !never.has(host.name)) };
}
