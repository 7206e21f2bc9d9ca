import { z } from "zod";

/** States an action goes through; the audit holds one row per state reached. */
export const ACTION_STATES = [
  "proposed",
  "approved",
  "rejected",
  "run",
  "failed",
  "refused",
  "notified",
  "ignored",
] as const;

export const AuditRowSchema = z.object({
  id: z.string().min(1).describe("the action's id; `vigil actions approve ID` takes it"),
  ts: z.number().describe("ms since the epoch"),
  state: z.enum(ACTION_STATES),
  actor: z.string().describe("who caused this row: cli:<user>, rule:<name>, grafana, vigil-alerts, approve:<user>"),
  remediation: z.string().describe("remediation id, or fleet-run for a fleet command"),
  params: z.record(z.string(), z.unknown()),
  target: z.string().describe("the group pattern"),
  hosts: z.array(z.string()),
  mode: z.enum(["manual", "auto", "approve", "notify"]),
  alertKind: z.string().default(""),
  alertSubject: z.string().default(""),
  alertFingerprint: z.string().default(""),
  result: z.string().default(""),
  output: z.string().default(""),
});
export type AuditRow = z.infer<typeof AuditRowSchema>;
export type AuditRowInput = z.input<typeof AuditRowSchema>;
