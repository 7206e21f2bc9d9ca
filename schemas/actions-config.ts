import { z } from "zod";

/** The `actions` section of the config: where the fleet is, how to trust it, and how `vigil serve` takes alerts. */
export const ServeSchema = z
  .object({
    listen: z
      .string()
      .regex(/^[^:]*:\d+$/, "host:port, such as 127.0.0.1:9466")
      .default("127.0.0.1:9466")
      .describe("address of `vigil serve` (webhooks, approvals, /metrics, /healthz)"),
    tokenEnv: z
      .string()
      .default("VIGIL_WEBHOOK_TOKEN")
      .describe("environment variable holding the bearer token callers send (Authorization: Bearer ...)"),
    hmacSecretEnv: z
      .string()
      .default("VIGIL_WEBHOOK_HMAC_SECRET")
      .describe(
        "environment variable holding the secret of HMAC-SHA256 body signatures (X-Vigil-Signature: sha256=<hex>, or Grafana's X-Grafana-Alerting-Signature)",
      ),
    maxBodyBytes: z.number().int().min(1024).default(1_048_576).describe("larger request bodies are refused (413)"),
  })
  .strict();

export const ActionsConfigSchema = z
  .object({
    inventory: z.string().optional().describe("Ansible YAML inventory of the fleet (-i overrides)"),
    knownHosts: z
      .string()
      .default("~/.ssh/known_hosts")
      .describe("OpenSSH known_hosts file that host keys are checked against"),
    acceptNew: z
      .boolean()
      .default(false)
      .describe("trust and record the key of a host not yet in knownHosts (never a changed one)"),
    rules: z
      .string()
      .optional()
      .describe("rules file mapping alerts to remediations (see README, From alerts to actions)"),
    parallel: z.number().int().min(1).default(10).describe("hosts worked on at once"),
    timeoutSeconds: z.number().min(0).default(300).describe("per host and command; 0 for none"),
    serve: ServeSchema.default(ServeSchema.parse({})),
  })
  .strict();
export type ActionsConfig = z.infer<typeof ActionsConfigSchema>;
