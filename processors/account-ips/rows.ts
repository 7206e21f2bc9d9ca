import { z } from "zod";

/** A row of `account_ip_history` (docs/tables.md); times in epoch ms. */
export const HistoryRowSchema = z
  .object({
    user: z.string(),
    ip: z.string(),
    first_seen: z.number(),
    last_seen: z.number(),
    logins: z.number().int(),
    failures: z.number().int(),
    first_offset: z.number().int(),
    network: z.string(),
    network16: z.string(),
    asn: z.number().int(),
    as_name: z.string(),
    country: z.string(),
    version: z.number().int(),
  })
  .strict();
export type HistoryRow = z.infer<typeof HistoryRowSchema>;

export const VerdictSchema = z.enum(["normal", "roaming-phone", "suspicious", "likely-compromise", "allowlisted"]);
export type Verdict = z.infer<typeof VerdictSchema>;

/** What a window counts: distinct addresses, /24 (/48) and /16 (/32) networks, ASNs and countries of successful logins; logins, failures; networks first seen in it. */
const WindowCounts = {
  ips: z.number().int(),
  networks: z.number().int(),
  networks16: z.number().int(),
  asns: z.number().int(),
  countries: z.number().int(),
  logins: z.number().int(),
  failures: z.number().int(),
  new_networks: z.number().int(),
};

/** A row of `account_windows`. */
export const WindowRowSchema = z
  .object({
    user: z.string(),
    window: z.string(),
    window_start: z.number(),
    window_end: z.number(),
    ...WindowCounts,
    first_login: z.number(),
    last_login: z.number(),
    verdict: VerdictSchema,
    level: z.number().int(),
    version: z.number().int(),
  })
  .strict();
export type WindowRow = z.infer<typeof WindowRowSchema>;

/** What an alert shows a person, kept as JSON in `alerts.evidence`. */
export const AccountEvidenceSchema = z
  .object({
    ...WindowCounts,
    first_login: z.string(),
    last_login: z.string(),
    top_asns: z.array(z.object({ asn: z.number().int(), name: z.string(), ips: z.number().int() })),
    country_codes: z.array(z.string()),
    sample_networks: z.array(z.string()),
  })
  .strict();
export type AccountEvidence = z.infer<typeof AccountEvidenceSchema>;

/** A row of `alerts` (shared by every kind of finding). */
export const AlertRowSchema = z
  .object({
    alert_id: z.string(),
    kind: z.string(),
    subject: z.string(),
    window: z.string(),
    window_start: z.number(),
    window_end: z.number(),
    level: z.number().int(),
    verdict: z.string(),
    summary: z.string(),
    evidence: z.string(),
    fired_at: z.number(),
  })
  .strict();
export type AlertRow = z.infer<typeof AlertRowSchema>;
