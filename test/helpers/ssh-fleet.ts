import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { type SshdFleet, type SshdHostSpec, startSshdFleet } from "../../scripts/sshd/sshd-hosts.js";

/** Three real sshd "servers" (web-1, web-2 in web; mail-1 in mail) under `dir`, each with its etc/ and var/www. */
export const STANDARD_FLEET: SshdHostSpec[] = [
  { name: "web-1", groups: ["web"] },
  { name: "web-2", groups: ["web"] },
  { name: "mail-1", groups: ["mail"] },
];

export function startTestFleet(dir: string, firstAddress: number): Promise<SshdFleet> {
  return startSshdFleet({
    dir,
    hosts: STANDARD_FLEET,
    firstAddress,
    hostVars: ({ root }) => ({
      vigil_hosts_file: join(root, "etc", "hosts"),
      vigil_deny_file: join(root, "etc", "dovecot", "deny-users"),
      vigil_sasl_access_map: join(root, "etc", "postfix", "sasl_access"),
    }),
  });
}

/** Adds a host to a group of the fleet's inventory (an address where no sshd listens stands for a server that is down). */
export function addInventoryHost(fleet: SshdFleet, group: string, name: string, vars: Record<string, unknown>): void {
  const inventory = parse(readFileSync(fleet.inventory, "utf8")) as {
    all: { children: Record<string, { hosts: Record<string, unknown> }> };
  };
  inventory.all.children[group] ??= { hosts: {} };
  (inventory.all.children[group] as { hosts: Record<string, unknown> }).hosts[name] = vars;
  writeFileSync(fleet.inventory, stringify(inventory));
}

/** A fresh ed25519 public key line (type and blob), for a known_hosts entry that does not match a server. */
export function otherHostKey(dir: string): string {
  const path = join(dir, `other-key-${Date.now()}`);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path]);
  return readFileSync(`${path}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
}

/** The flags every fleet command of a test takes: the fleet's inventory, a known_hosts file (the fleet's by default), a data folder. */
export function fleetCliArgs(fleet: SshdFleet, dataDir: string, knownHosts = fleet.knownHosts): string[] {
  return ["-i", fleet.inventory, "--known-hosts", knownHosts, "--data", dataDir];
}
