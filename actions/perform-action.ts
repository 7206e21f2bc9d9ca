import type { AuditRowInput } from "../schemas/action-audit.js";
import type { AuditLog } from "./audit-log.js";
import { executePlans, type FleetAccess } from "./execute-remediation.js";
import type { FleetRunResult } from "./fleet-run.js";
import { planRemediation } from "./plan-remediation.js";
import type { RemediationDefinition } from "./remediations/define-remediation.js";
import type { RemoteResult } from "./remote-command.js";

/** Everything the audit says about an action besides its outcome. */
export type ActionContext = Pick<
  AuditRowInput,
  "id" | "actor" | "mode" | "target" | "alertKind" | "alertSubject" | "alertFingerprint"
>;

/**
 * Runs a remediation on the fleet and writes the outcome to the audit: the
 * one path every action takes, from the CLI, a rule or an approval.
 * Parameters are validated for every host before any host is touched.
 */
export async function performAction(options: {
  audit: AuditLog;
  context: ActionContext;
  remediation: RemediationDefinition;
  params: Record<string, unknown>;
  undo: boolean;
  access: FleetAccess;
  onLine?(host: string, stream: "stdout" | "stderr", line: string): void;
}): Promise<{ ok: boolean; run: FleetRunResult; summary: string }> {
  const { remediation, access } = options;
  const plans = planRemediation({
    remediation,
    params: options.params,
    hosts: access.hosts,
    undo: options.undo,
    sudo: access.sudo,
  });
  const run = await executePlans(plans, access, options.onLine);
  const ok = run.results.every((result) => result.status === "ok") && run.skipped.length === 0;
  const summary = summarizeResults(run.results, run.skipped);
  await options.audit.record({
    ...options.context,
    ts: Date.now(),
    state: ok ? "run" : "failed",
    remediation: options.undo ? `${remediation.id} --undo` : remediation.id,
    params: options.params,
    hosts: plans.map((plan) => plan.host.name),
    result: summary,
    output: excerptOutputs(run.results),
  });
  return { ok, run, summary };
}

export function summarizeResults(results: readonly RemoteResult[], skipped: readonly string[] = []): string {
  const ok = results.filter((result) => result.status === "ok").length;
  const problems = results
    .filter((result) => result.status !== "ok")
    .map((result) => `${result.host}: ${result.status}${result.exitCode === null ? "" : ` (exit ${result.exitCode})`}`);
  return [
    `${ok} of ${results.length + skipped.length} hosts ok`,
    ...problems,
    ...skipped.map((host) => `${host}: skipped`),
  ].join("; ");
}

export function excerptOutputs(results: readonly RemoteResult[]): string {
  return results
    .map(
      (result) =>
        `== ${result.host}\n${result.output.slice(-800)}${result.message === undefined ? "" : `\n(${result.message})`}`,
    )
    .join("\n");
}
