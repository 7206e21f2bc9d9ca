import { createNetworkList, type NetworkList } from "../runtime/network-list.js";
import type { Rule, RulesFile } from "../schemas/action-rules.js";
import type { IncomingAlert } from "./incoming-alert.js";
import type { RemediationDefinition } from "./remediations/define-remediation.js";

/** The rules an alert matches: kind, every label given, and the source. */
export function matchingRules(rules: RulesFile, alert: IncomingAlert): Rule[] {
  return rules.rules.filter(
    (rule) =>
      rule.match.kind === alert.kind &&
      (rule.match.source === "any" || rule.match.source === alert.source) &&
      Object.entries(rule.match.labels).every(([name, value]) => alert.labels[name] === value),
  );
}

/**
 * A rule's parameters with the alert's values filled in: {subject}, {kind},
 * {labels.NAME}, {annotations.NAME}. The values stay data: the remediation's
 * schema validates them and they reach the server as single arguments.
 */
export function paramsFromAlert(rule: Rule, alert: IncomingAlert): Record<string, unknown> {
  const fill = (text: string) =>
    text.replace(/\{(subject|kind|labels\.[\w.-]+|annotations\.[\w.-]+)\}/g, (_whole, name: string) => {
      if (name === "subject") return alert.subject;
      if (name === "kind") return alert.kind;
      const [scope, key] = [name.slice(0, name.indexOf(".")), name.slice(name.indexOf(".") + 1)];
      return (scope === "labels" ? alert.labels[key] : alert.annotations[key]) ?? "";
    });
  return Object.fromEntries(
    Object.entries(rule.params).map(([key, value]) => [
      key,
      typeof value === "string" ? fill(value) : Array.isArray(value) ? value.map(fill) : value,
    ]),
  );
}

/** Why a remediation must not touch this subject, or null. */
export function allowlistedSubject(
  rules: RulesFile,
  remediation: RemediationDefinition,
  params: Record<string, unknown>,
): string | null {
  if (remediation.subject === undefined) return null;
  const value = String(params[remediation.subject.param] ?? "")
    .trim()
    .toLowerCase();
  const { allowlist } = rules;
  switch (remediation.subject.kind) {
    case "user":
      return allowlist.users.some((user) => user.toLowerCase() === value) ? `the user ${value} is allowlisted` : null;
    case "domain":
      return allowlist.domains.some((domain) => domain.toLowerCase() === value)
        ? `the domain ${value} is allowlisted`
        : null;
    case "ip":
      return allowlistedNetworks(rules).has(value) ? `the address ${value} is allowlisted` : null;
  }
}

/** The allowlisted networks of a rules file, built once per file. */
const networkLists = new WeakMap<RulesFile, NetworkList>();
export function allowlistedNetworks(rules: RulesFile): NetworkList {
  let list = networkLists.get(rules);
  if (list === undefined) {
    list = createNetworkList(rules.allowlist.ips, "allowlist.ips");
    networkLists.set(rules, list);
  }
  return list;
}
