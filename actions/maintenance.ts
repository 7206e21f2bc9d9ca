import { type FleetAccess, runWithAccess } from "./execute-remediation.js";
import type { FleetRunResult } from "./fleet-run.js";
import type { InventoryHost } from "./inventory.js";
import { armDeadmanStep, offSteps, onSteps } from "./remediations/sorry-site.js";
import type { RemoteResult } from "./remote-command.js";
import { quoteArgv } from "./shell-quote.js";

/**
 * A job in a maintenance window: on every host of the group, arm the
 * dead-man switch and show the sorry page; run the job (on every host, or on
 * `jobHosts`); then always put the live site back: after success, failure,
 * timeout, a dropped connection or a stop request (SIGINT/SIGTERM), retrying
 * hosts that cannot be reached for a while. If Vigil itself dies, the switch
 * left on each server puts the site back at the deadline.
 */
/** The site and maintenance page of one host. */
export type MaintenanceWindow = { site: string; sorry: string };

export type MaintenanceOptions = {
  access: FleetAccess;
  /** Per host: inventories may keep each server's paths in vigil_site and vigil_sorry. */
  windowFor(host: InventoryHost): MaintenanceWindow;
  deadlineSeconds: number;
  job: string[];
  jobHosts?: InventoryHost[];
  onLine?(host: string, stream: "stdout" | "stderr", line: string): void;
  onPhase?(phase: string): void;
  signal?: AbortSignal;
  restoreAttempts?: number;
  restoreRetryMs?: number;
};

export type MaintenanceResult = {
  switched: RemoteResult[];
  job: FleetRunResult | null;
  restored: RemoteResult[];
  ok: boolean;
};

export async function runMaintenance(options: MaintenanceOptions): Promise<MaintenanceResult> {
  const { access } = options;
  const sudo = (argv: string[]) => quoteArgv(access.sudo ? ["sudo", "-n", "--", ...argv] : argv);
  const run = (hosts: InventoryHost[], commandFor: (host: InventoryHost) => string, signal?: AbortSignal) =>
    runWithAccess(access, {
      hosts,
      commandFor,
      ...(options.onLine === undefined ? {} : { onLine: options.onLine }),
      ...(signal === undefined ? {} : { signal }),
    });

  options.onPhase?.(`arming the dead-man switch (${options.deadlineSeconds} s) and showing the sorry page`);
  const switchOn = (host: InventoryHost) => {
    const { site, sorry } = options.windowFor(host);
    return [armDeadmanStep(site, options.deadlineSeconds), ...onSteps(site, sorry)]
      .map((step) => sudo(step.argv))
      .join(" && ");
  };
  const switched = (await run(access.hosts, switchOn)).results;
  let job: FleetRunResult | null = null;
  if (switched.every((result) => result.status === "ok") && !options.signal?.aborted) {
    options.onPhase?.("running the job");
    const jobCommand = sudo(options.job);
    job = await run(options.jobHosts ?? access.hosts, () => jobCommand, options.signal);
  } else {
    options.onPhase?.("not running the job: the sorry page could not be switched on everywhere");
  }
  options.onPhase?.("putting the live site back");
  const switchOff = (host: InventoryHost) =>
    offSteps(options.windowFor(host).site)
      .map((step) => sudo(step.argv))
      .join(" && ");
  const restored = await restoreAll(options, switchOff, run);
  const ok =
    switched.every((result) => result.status === "ok") &&
    job?.results.every((result) => result.status === "ok") === true &&
    restored.every((result) => result.status === "ok");
  return { switched, job, restored, ok };
}

async function restoreAll(
  options: MaintenanceOptions,
  command: (host: InventoryHost) => string,
  run: (hosts: InventoryHost[], command: (host: InventoryHost) => string) => Promise<FleetRunResult>,
): Promise<RemoteResult[]> {
  const attempts = options.restoreAttempts ?? 5;
  const final = new Map<string, RemoteResult>();
  let pending = options.access.hosts;
  for (let attempt = 1; attempt <= attempts && pending.length > 0; attempt++) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, options.restoreRetryMs ?? 3000));
    const { results } = await run(pending, command);
    for (const result of results) final.set(result.host, result);
    pending = pending.filter((host) => final.get(host.name)?.status !== "ok");
    if (pending.length > 0 && attempt < attempts) {
      options.onPhase?.(`could not put the live site back on ${pending.map((h) => h.name).join(", ")}; trying again`);
    }
  }
  if (pending.length > 0) {
    options.onPhase?.(
      `the live site is NOT back on ${pending.map((h) => h.name).join(", ")}: the dead-man switch there puts it back at its deadline`,
    );
  }
  return options.access.hosts.map((host) => final.get(host.name) as RemoteResult);
}
