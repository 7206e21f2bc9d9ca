import type { AlertRow } from "../../processors/account-ips/rows.js";

/** A compromised-account alert as Vigil publishes it on vigil.alerts, for tests that feed alerts to `vigil serve`. */
export function compromisedAccountAlert(subject: string): AlertRow {
  return {
    alert_id: `a-${subject}`,
    kind: "compromised-account",
    subject,
    window: "24h",
    window_start: 1_764_633_600,
    window_end: 1_764_720_000,
    level: 2,
    verdict: "compromised",
    summary: "logins from 120 networks",
    evidence: "{}",
    fired_at: 1_764_700_000_000,
  };
}
