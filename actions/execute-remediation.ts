import { type FleetRunOptions, type FleetRunResult, runOnFleet } from "./fleet-run.js";
import type { InventoryHost } from "./inventory.js";
import type { HostKeyChecker } from "./known-hosts.js";
import type { HostPlan } from "./plan-remediation.js";

/** How to reach the fleet: the hosts and how far to trust and wait for them. */
export type FleetAccess = {
  hosts: InventoryHost[];
  hostKeys: HostKeyChecker;
  parallel: number;
  timeoutMs: number;
  sudo: boolean;
};

/** Runs commands on the access's hosts (or some of them) with its trust, parallelism and timeout. */
export function runWithAccess(
  access: FleetAccess,
  options: Omit<FleetRunOptions, "hostKeys" | "parallel" | "timeoutMs" | "hosts"> & {
    hosts?: readonly InventoryHost[];
  },
): Promise<FleetRunResult> {
  return runOnFleet({
    ...options,
    hosts: options.hosts ?? access.hosts,
    hostKeys: access.hostKeys,
    parallel: access.parallel,
    timeoutMs: access.timeoutMs,
  });
}

/** Runs planned remediations, one SSH command per host, hosts in parallel. */
export function executePlans(
  plans: readonly HostPlan[],
  access: FleetAccess,
  onLine?: (host: string, stream: "stdout" | "stderr", line: string) => void,
): Promise<FleetRunResult> {
  const byHost = new Map(plans.map((plan) => [plan.host.name, plan.command]));
  return runWithAccess(access, {
    hosts: plans.map((plan) => plan.host),
    commandFor: (host) => byHost.get(host.name) as string,
    ...(onLine === undefined ? {} : { onLine }),
  });
}
