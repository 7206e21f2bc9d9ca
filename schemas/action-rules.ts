import { z } from "zod";

/**
 * The rules file (`actions.rules` in the config): which alert leads to which
 * remediation, with what parameters, in which mode, within which limits.
 * See README, From alerts to actions.
 */
export const RuleSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, "a short name: lowercase letters, digits, - _ ."),
    match: z
      .object({
        kind: z.string().min(1).describe("a Vigil alert kind (compromised-account) or a Grafana alertname"),
        labels: z.record(z.string(), z.string()).default({}).describe("labels the alert must carry with these values"),
        source: z.enum(["vigil", "grafana", "any"]).default("any"),
      })
      .strict(),
    remediation: z.string().describe("a remediation id: lock-account, block-ip, pin-domain, sorry-site"),
    group: z.string().min(1).describe("inventory group or host pattern to act on"),
    params: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]))
      .default({})
      .describe("parameters; {subject}, {kind}, {labels.NAME} and {annotations.NAME} are taken from the alert"),
    mode: z.enum(["auto", "approve", "notify"]).default("approve"),
  })
  .strict();
export type Rule = z.infer<typeof RuleSchema>;

export const RulesFileSchema = z
  .object({
    rules: z.array(RuleSchema).default([]),
    limits: z
      .object({
        perHour: z
          .record(z.string(), z.number().int().min(0))
          .default({})
          .describe("at most this many actions of a remediation per hour (key: remediation id, or default)"),
        approvalTtlHours: z
          .number()
          .min(0)
          .default(24)
          .describe("a proposal older than this can no longer be approved"),
      })
      .strict()
      .default({ perHour: {}, approvalTtlHours: 24 }),
    allowlist: z
      .object({
        users: z.array(z.string()).default([]),
        ips: z.array(z.string()).default([]).describe("addresses or CIDR ranges"),
        domains: z.array(z.string()).default([]),
        hosts: z.array(z.string()).default([]).describe("inventory host names never acted on"),
      })
      .strict()
      .default({ users: [], ips: [], domains: [], hosts: [] }),
  })
  .strict();
export type RulesFile = z.infer<typeof RulesFileSchema>;

export const DEFAULT_PER_HOUR = 10;
