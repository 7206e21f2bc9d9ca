import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { InputError } from "../runtime/errors.js";

/**
 * An inventory in Ansible's YAML layout, so admins reuse the file they have:
 *
 *     all:
 *       vars: { ansible_user: root }
 *       children:
 *         web:
 *           hosts:
 *             web-1: { ansible_host: 10.0.0.11 }
 *             web-2: { ansible_host: 10.0.0.12, ansible_port: 2222 }
 *         mail:
 *           hosts: { mail-1: {} }
 *
 * Variables apply from the outermost group inwards, then the host's own
 * (Ansible's precedence for inventory vars). Connection variables read:
 * ansible_host, ansible_port, ansible_user, ansible_ssh_private_key_file;
 * `vigil_*` variables set a remediation's parameters per host (see README).
 */
const VarsSchema = z.record(z.string(), z.unknown());

const GroupNodeSchema = z
  .object({
    hosts: z.record(z.string(), z.union([VarsSchema, z.null()])).optional(),
    children: z.record(z.string(), z.unknown()).optional(),
    vars: z.union([VarsSchema, z.null()]).optional(),
  })
  .strict();

export const HostSchema = z.object({
  name: z.string(),
  address: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  user: z.string().min(1),
  keyFile: z.string().optional(),
  vars: VarsSchema,
});
export type InventoryHost = z.infer<typeof HostSchema>;

export type Inventory = {
  path: string;
  hosts: Map<string, InventoryHost>;
  /** group -> names of its hosts, children included. */
  groups: Map<string, Set<string>>;
};

export function loadInventory(path: string): Inventory {
  const absolute = resolve(path);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(absolute, "utf8"));
  } catch (cause) {
    throw new InputError(
      `cannot read inventory ${absolute}: ${cause instanceof Error ? cause.message : String(cause)}`,
      "give -i an Ansible YAML inventory (see README, Fleet commands)",
      cause,
    );
  }
  return parseInventory(raw, absolute);
}

export function parseInventory(raw: unknown, path: string): Inventory {
  const top = z.record(z.string(), z.unknown()).safeParse(raw ?? {});
  if (!top.success) throw new InputError(`${path}: an inventory is a YAML mapping of groups`);
  const hostVars = new Map<string, Record<string, unknown>>();
  const groups = new Map<string, Set<string>>();

  const walk = (name: string, node: unknown, inherited: Record<string, unknown>, trail: string[]): Set<string> => {
    if (trail.includes(name))
      throw new InputError(`${path}: group ${name} contains itself (${[...trail, name].join(" > ")})`);
    const parsed = GroupNodeSchema.safeParse(node ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError(
        `${path}: group ${name}: ${issue?.path.join(".") || "(group)"}: ${issue?.message}`,
        "a group holds only hosts, children and vars, as in Ansible's YAML inventory",
      );
    }
    const vars = { ...inherited, ...((parsed.data.vars as Record<string, unknown> | null) ?? {}) };
    const members = groups.get(name) ?? new Set<string>();
    for (const [host, own] of Object.entries(parsed.data.hosts ?? {})) {
      hostVars.set(host, {
        ...vars,
        ...(hostVars.get(host) ?? {}),
        ...((own as Record<string, unknown> | null) ?? {}),
      });
      members.add(host);
    }
    for (const [child, childNode] of Object.entries(parsed.data.children ?? {})) {
      for (const host of walk(child, childNode, vars, [...trail, name])) members.add(host);
    }
    groups.set(name, members);
    return members;
  };

  const all = new Set<string>();
  for (const [name, node] of Object.entries(top.data)) for (const host of walk(name, node, {}, [])) all.add(host);
  groups.set("all", all);

  const hosts = new Map<string, InventoryHost>();
  for (const [name, vars] of hostVars) hosts.set(name, hostFromVars(name, vars, path));
  return { path, hosts, groups };
}

function hostFromVars(name: string, vars: Record<string, unknown>, inventoryPath: string): InventoryHost {
  const port = vars.ansible_port ?? vars.ansible_ssh_port ?? 22;
  const keyFile = vars.ansible_ssh_private_key_file ?? vars.ansible_private_key_file;
  const parsed = HostSchema.safeParse({
    name,
    address: String(vars.ansible_host ?? vars.ansible_ssh_host ?? name),
    port: typeof port === "string" ? Number(port) : port,
    user: String(vars.ansible_user ?? vars.ansible_ssh_user ?? process.env.USER ?? "root"),
    ...(keyFile === undefined ? {} : { keyFile: expandPath(String(keyFile), dirname(inventoryPath)) }),
    vars,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${inventoryPath}: host ${name}: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return parsed.data;
}

function expandPath(path: string, base: string): string {
  if (path === "~" || path.startsWith("~/")) return resolve(homedir(), path.slice(2));
  return resolve(base, path);
}

/**
 * The hosts a pattern reaches, in inventory order: a group or host name,
 * `all`, unions with `:` (`web:mail`), intersections with `:&` and
 * exclusions with `:!`, as in Ansible's host patterns.
 */
export function selectHosts(inventory: Inventory, pattern: string): InventoryHost[] {
  let selected: Set<string> | null = null;
  for (const part of pattern.split(":").filter((piece) => piece !== "")) {
    const op = part.startsWith("&") ? "&" : part.startsWith("!") ? "!" : "+";
    const name = op === "+" ? part : part.slice(1);
    const members = inventory.groups.get(name) ?? (inventory.hosts.has(name) ? new Set([name]) : undefined);
    if (members === undefined) {
      throw new InputError(
        `no group or host named ${JSON.stringify(name)} in ${inventory.path}`,
        `groups there: ${[...inventory.groups.keys()].join(", ")}`,
      );
    }
    const current: Set<string> = selected ?? new Set<string>();
    if (op === "+") selected = new Set([...current, ...members]);
    else if (op === "&") selected = new Set([...current].filter((host) => members.has(host)));
    else selected = new Set([...current].filter((host) => !members.has(host)));
  }
  const names = selected ?? new Set<string>();
  return [...inventory.hosts.values()].filter((host) => names.has(host.name));
}
