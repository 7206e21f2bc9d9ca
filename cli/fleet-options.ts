import type { Command } from "commander";
import type { FleetAccess } from "../actions/execute-remediation.js";
import { fleetAccessFromConfig } from "../actions/fleet-access.js";
import { InputError } from "../runtime/errors.js";
import type { VigilConfig } from "../schemas/config.js";
import { parsePositiveInt } from "./output-format.js";

/** The flags every command that reaches the fleet takes. */
export function withFleetOptions(command: Command): Command {
  return command
    .option("-i, --inventory <file>", "Ansible YAML inventory (default: actions.inventory of the config)")
    .option("-g, --group <pattern>", "group or host pattern: web, web:mail, all:!db, web-1")
    .option("--parallel <n>", "hosts worked on at once (default: actions.parallel, 10)")
    .option("--timeout <seconds>", "per host; 0 for none (default: actions.timeoutSeconds, 300)")
    .option("--sudo", "run the remote commands through sudo -n (the remote user needs passwordless sudo)")
    .option("--known-hosts <file>", "known_hosts file (default: actions.knownHosts, ~/.ssh/known_hosts)")
    .option(
      "--accept-new",
      "trust and record the key of a host not yet known (never a changed one), as ssh -o StrictHostKeyChecking=accept-new",
    );
}

/** How the command reaches the fleet, and the pattern it was given. */
export type Fleet = FleetAccess & { pattern: string };

export function openFleet(options: Record<string, unknown>, config: VigilConfig): Fleet {
  const inventoryPath = (options.inventory as string | undefined) ?? config.actions.inventory;
  if (inventoryPath === undefined) {
    throw new InputError("no inventory given", "pass -i inventory.yml or set actions.inventory in the config");
  }
  const pattern = options.group as string | undefined;
  if (pattern === undefined)
    throw new InputError("no group given", "pass -g with a group of the inventory, such as -g web");
  const access = fleetAccessFromConfig(
    {
      ...config.actions,
      inventory: inventoryPath,
      knownHosts: (options.knownHosts as string | undefined) ?? config.actions.knownHosts,
      acceptNew: options.acceptNew === true || config.actions.acceptNew,
      parallel:
        options.parallel === undefined
          ? config.actions.parallel
          : Math.max(1, parsePositiveInt(String(options.parallel), "--parallel")),
      timeoutSeconds:
        options.timeout === undefined ? config.actions.timeoutSeconds : parseSeconds(String(options.timeout)),
    },
    pattern,
  );
  if (access.hosts.length === 0)
    throw new InputError(`the pattern ${pattern} reaches no host`, "check the group names with --list-hosts");
  return { ...access, pattern, sudo: options.sudo === true };
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new InputError(`--timeout "${value}" is not a number of seconds`, "give --timeout 30, or 0 for none");
  return seconds;
}

/**
 * The argv a person typed after `--`, as the remote command: several words
 * are an exact argv (each quoted); a single word is a command line for the
 * remote shell, as `ssh host 'uptime; df -h'` takes it.
 */
export function commandArgv(words: readonly string[], sudo: boolean): string[] {
  if (words.length === 0) throw new InputError("no command given", "put the command after --, such as: -- uptime");
  const argv = words.length === 1 ? ["sh", "-c", words[0] as string] : [...words];
  return sudo ? ["sudo", "-n", "--", ...argv] : argv;
}
