import { createHash } from "node:crypto";
import type { AccountIpsConfig } from "../../schemas/config.js";
import type { AccountState, UserRecord, WindowRecord } from "./account-state.js";
import { judgeWindow } from "./judge-window.js";
import type { AccountEvidence, AlertRow, HistoryRow, WindowRow } from "./rows.js";

export type Changes = { history: HistoryRow[]; windows: WindowRow[]; alerts: AlertRow[] };

export type CollectContext = {
  config: AccountIpsConfig;
  allowlistedUser(user: string): boolean;
  /** Lowest watermark of the active sources; windows that ended more than `lateness` before it are closed. */
  watermark: number;
  lateness: number;
  /** Close every window (end of input or shutdown of a finite run). */
  closeAll?: boolean;
};

export const COMPROMISED_ACCOUNT = "compromised-account";

/**
 * Everything that changed since the last collection, as rows for the store,
 * plus the alerts that fired or escalated. Closed windows are emitted one last
 * time and dropped from memory.
 */
export function collectChanges(state: AccountState, context: CollectContext): Changes {
  const changes: Changes = { history: [], windows: [], alerts: [] };
  const closeBefore = context.watermark - context.lateness;
  for (const user of state.users.values()) {
    for (const record of user.ips.values()) {
      if (!record.dirty) continue;
      record.dirty = false;
      changes.history.push({
        user: user.user,
        ip: record.ip,
        first_seen: record.firstSeen,
        last_seen: record.lastSeen,
        logins: record.logins,
        failures: record.failures,
        first_offset: record.firstOffset,
        network: record.network,
        network16: record.network16,
        asn: record.asn,
        as_name: record.asName,
        country: record.country,
        version: record.logins + record.failures,
      });
    }
    for (const [key, window] of user.windows) {
      const closing = context.closeAll === true || window.end <= closeBefore;
      if (window.dirty || closing) collectWindow(user, window, context, changes);
      if (closing) user.windows.delete(key);
    }
  }
  return changes;
}

function collectWindow(user: UserRecord, window: WindowRecord, context: CollectContext, changes: Changes): void {
  window.dirty = false;
  const threshold = context.config.thresholds[window.window];
  const asns = [...window.asns.keys()].filter((asn) => asn !== 0).length;
  const counts = { networks: window.networks.size, asns, countries: window.countries.size };
  const judgement =
    threshold === undefined
      ? { verdict: "normal" as const, level: 0 }
      : judgeWindow(counts, threshold, context.config.roaming, context.allowlistedUser(user.user));
  let newNetworks = 0;
  for (const network of window.networks) {
    const firstSeen = user.networkFirstSeen.get(network);
    if (firstSeen !== undefined && firstSeen >= window.start && firstSeen < window.end) newNetworks += 1;
  }
  const row: WindowRow = {
    user: user.user,
    window: window.window,
    window_start: window.start,
    window_end: window.end,
    ips: window.ips.size,
    networks: window.networks.size,
    networks16: window.networks16.size,
    asns,
    countries: window.countries.size,
    logins: window.logins,
    failures: window.failures,
    new_networks: newNetworks,
    first_login: Number.isFinite(window.firstLogin) ? window.firstLogin : window.start,
    last_login: Number.isFinite(window.lastLogin) ? window.lastLogin : window.start,
    verdict: judgement.verdict,
    level: judgement.level,
    version: window.events,
  };
  changes.windows.push(row);
  if (judgement.level > window.alertedLevel) {
    window.alertedLevel = judgement.level;
    changes.alerts.push(alertFor(row, window, user));
  }
}

function alertFor(row: WindowRow, window: WindowRecord, user: UserRecord): AlertRow {
  const topAsns = [...window.asns.entries()]
    .map(([asn, ips]) => ({ asn, name: asNameOf(user, ips), ips: ips.size }))
    .sort((a, b) => b.ips - a.ips || a.asn - b.asn)
    .slice(0, 10);
  const evidence: AccountEvidence = {
    ips: row.ips,
    networks: row.networks,
    networks16: row.networks16,
    asns: row.asns,
    countries: row.countries,
    logins: row.logins,
    failures: row.failures,
    new_networks: row.new_networks,
    first_login: new Date(row.first_login).toISOString(),
    last_login: new Date(row.last_login).toISOString(),
    top_asns: topAsns,
    country_codes: [...window.countries].sort(),
    sample_networks: [...window.networks].slice(0, 20),
  };
  const verdictWords = row.verdict === "likely-compromise" ? "likely compromised" : "suspicious";
  return {
    alert_id: createHash("sha1").update(`${COMPROMISED_ACCOUNT}\n${row.user}\n${row.window}\n${row.window_start}`).digest("hex").slice(0, 16),
    kind: COMPROMISED_ACCOUNT,
    subject: row.user,
    window: row.window,
    window_start: row.window_start,
    window_end: row.window_end,
    level: row.level,
    verdict: row.verdict,
    summary: `${row.user} is ${verdictWords}: ${row.networks} networks, ${row.asns} ASNs, ${row.countries} countries in ${row.window} from ${evidence.first_login}`,
    evidence: JSON.stringify(evidence),
    fired_at: row.last_login,
  };
}

function asNameOf(user: UserRecord, ips: Set<string>): string {
  for (const ip of ips) return user.ips.get(ip)?.asName ?? "";
  return "";
}
