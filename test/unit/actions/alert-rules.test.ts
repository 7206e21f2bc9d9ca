import { describe, expect, test } from "vitest";
import { allowlistedSubject, matchingRules, paramsFromAlert } from "../../../actions/alert-rules.js";
import type { IncomingAlert } from "../../../actions/incoming-alert.js";
import { blockIp } from "../../../actions/remediations/block-ip.js";
import type { RemediationDefinition } from "../../../actions/remediations/define-remediation.js";
import { lockAccount } from "../../../actions/remediations/lock-account.js";
import { RulesFileSchema } from "../../../schemas/action-rules.js";

const rules = RulesFileSchema.parse({
  rules: [
    {
      name: "lock",
      match: { kind: "compromised-account", labels: { verdict: "compromised" } },
      remediation: "lock-account",
      group: "mail",
      params: {
        user: "{subject}",
        reason: "locked after {labels.window}: {annotations.summary}",
        command: ["lock", "{subject}"],
      },
    },
    {
      name: "grafana-only",
      match: { kind: "compromised-account", source: "grafana" },
      remediation: "lock-account",
      group: "mail",
    },
  ],
  allowlist: { users: ["Postmaster@Example.com"], ips: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.1"] },
});

const alert: IncomingAlert = {
  source: "vigil",
  kind: "compromised-account",
  subject: "$(id)",
  status: "firing",
  labels: { verdict: "compromised", window: "24h" },
  annotations: { summary: "120 networks" },
  fingerprint: "f",
};

describe("alert rules", () => {
  test("an alert matches by kind, labels and source", () => {
    expect(matchingRules(rules, alert).map((rule) => rule.name)).toEqual(["lock"]);
    expect(matchingRules(rules, { ...alert, source: "grafana" }).map((rule) => rule.name)).toEqual([
      "lock",
      "grafana-only",
    ]);
    expect(matchingRules(rules, { ...alert, labels: { verdict: "roaming" } })).toEqual([]);
  });

  test("parameters take the alert's values as data, in strings and argv lists", () => {
    const [rule] = matchingRules(rules, alert);
    expect(paramsFromAlert(rule as never, alert)).toEqual({
      user: "$(id)",
      reason: "locked after 24h: 120 networks",
      command: ["lock", "$(id)"],
    });
  });

  test("allowlists: users case-blind, addresses by CIDR", () => {
    const lock = lockAccount as unknown as RemediationDefinition;
    const block = blockIp as unknown as RemediationDefinition;
    expect(allowlistedSubject(rules, lock, { user: "postmaster@example.com" })).toContain("allowlisted");
    expect(allowlistedSubject(rules, lock, { user: "ann@example.com" })).toBeNull();
    expect(allowlistedSubject(rules, block, { ip: "10.20.30.40" })).toContain("allowlisted");
    expect(allowlistedSubject(rules, block, { ip: "2001:db8::5" })).toContain("allowlisted");
    expect(allowlistedSubject(rules, block, { ip: "192.0.2.1" })).toContain("allowlisted");
    expect(allowlistedSubject(rules, block, { ip: "192.0.2.2" })).toBeNull();
  });
});
