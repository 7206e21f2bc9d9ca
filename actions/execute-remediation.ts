import { type FleetRunResult, runOnFleet } from "./fleet-run.js";
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

/** Runs planned remediations, one SSH command per host, hosts in parallel. */
export function executePlans(
  plans: readonly HostPlan[],
  access: FleetAccess,
  onLine?: (host: string, stream: "stdout" | "stderr", line: string) => void,
  signal?: AbortSignal,
): Promise<FleetRunResult> {
  const byHost = new Map(plans.map((plan) => [plan.host.name, plan.command]));
  return runOnFleet({
    hosts: plans.map((plan) => plan.host),
    commandFor: (host) => byHost.get(host.name) as string,
    hostKeys: access.hostKeys,
    parallel: access.parallel,
    timeoutMs: access.timeoutMs,
    ...(onLine === undefined ? {} : { onLine }),
    ...(signal === undefined ? {} : { signal }),
  });
}
