import { ConfigError } from "../runtime/errors.js";
import { expandHome } from "../runtime/home-path.js";
import type { ActionsConfig } from "../schemas/actions-config.js";
import type { FleetAccess } from "./execute-remediation.js";
import { loadInventory, selectHosts } from "./inventory.js";
import { createHostKeyChecker } from "./known-hosts.js";

/** The hosts a pattern reaches in the configured inventory, with the configured trust and limits (rules and approvals use this). */
export function fleetAccessFromConfig(actions: ActionsConfig, pattern: string): FleetAccess {
  if (actions.inventory === undefined) {
    throw new ConfigError(
      "actions.inventory",
      "no inventory is configured",
      "set actions.inventory to an Ansible YAML inventory",
    );
  }
  return {
    hosts: selectHosts(loadInventory(actions.inventory), pattern),
    hostKeys: createHostKeyChecker({ path: expandHome(actions.knownHosts), acceptNew: actions.acceptNew }),
    parallel: actions.parallel,
    timeoutMs: actions.timeoutSeconds * 1000,
    sudo: false,
  };
}
