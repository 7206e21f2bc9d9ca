import { z } from "zod";
import { InputError } from "../runtime/errors.js";
import type { InventoryHost } from "./inventory.js";
import type { RemediationDefinition, RemoteStep } from "./remediations/define-remediation.js";
import { quoteArgv } from "./shell-quote.js";

/** What one host will run: the steps, and the exact command line sent to its shell. */
export type HostPlan = { host: InventoryHost; params: Record<string, unknown>; steps: RemoteStep[]; command: string };

/** camelCase parameter -> the inventory variable that sets it per host: hostsFile -> vigil_hosts_file. */
export function hostVariableOf(param: string): string {
  return `vigil_${param.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}`;
}

/**
 * Validates the parameters for every host before anything runs: explicit
 * values win, then the host's vigil_* variables, then the defaults. A bad
 * value names the host and the parameter. Steps of one host are joined with
 * && so a failing step stops the ones after it.
 */
export function planRemediation(options: {
  remediation: RemediationDefinition;
  params: Record<string, unknown>;
  hosts: readonly InventoryHost[];
  undo: boolean;
  sudo: boolean;
}): HostPlan[] {
  const { remediation } = options;
  if (options.undo && "irreversible" in remediation.revert) {
    throw new InputError(`${remediation.id} cannot be undone`, "it declares itself irreversible");
  }
  const keys = Object.keys(remediation.params.shape);
  return options.hosts.map((host) => {
    const fromHost: Record<string, unknown> = {};
    for (const key of keys) {
      const value = host.vars[hostVariableOf(key)];
      if (value !== undefined && value !== null) fromHost[key] = value;
    }
    const parsed = remediation.params.safeParse({ ...fromHost, ...definedOnly(options.params) });
    if (!parsed.success) throw paramsError(remediation.id, host.name, parsed.error);
    const params = parsed.data as Record<string, unknown>;
    const steps =
      options.undo && !("irreversible" in remediation.revert)
        ? remediation.revert.steps(params)
        : remediation.apply(params);
    const command = steps
      .map((step) => quoteArgv(options.sudo ? ["sudo", "-n", "--", ...step.argv] : step.argv))
      .join(" && ");
    return { host, params, steps, command };
  });
}

function definedOnly(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

function paramsError(id: string, host: string, error: z.ZodError): InputError {
  const issue = error.issues[0];
  const key = String(issue?.path[0] ?? "");
  return new InputError(
    `${id} on ${host}: ${key === "" ? "" : `${key}: `}${issue?.message ?? z.prettifyError(error)}`,
    key === ""
      ? undefined
      : `give --${key.replace(/[A-Z]/g, (l) => `-${l.toLowerCase()}`)} or set ${hostVariableOf(key)} for the host in the inventory`,
  );
}

/** The dry run: exactly what would run where. */
export function describePlan(plans: readonly HostPlan[]): string {
  return plans
    .map(
      (plan) =>
        `${plan.host.name} (${plan.host.user}@${plan.host.address}:${plan.host.port}):\n${plan.steps.map((step) => `  # ${step.describe}\n`).join("")}  $ ${plan.command}\n`,
    )
    .join("\n");
}
