import type { AlertRow } from "../processors/account-ips/rows.js";

/** One line per alert as it fires, for `vigil run` and `vigil backfill`. */
export function formatAlertLine(alert: AlertRow): string {
  const escalation = alert.level > 1 ? ` (level ${alert.level})` : "";
  return `ALERT ${alert.kind}${escalation}: ${alert.summary}\n`;
}
