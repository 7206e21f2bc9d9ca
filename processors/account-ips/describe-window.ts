import { createHash } from "node:crypto";
import type { AccountIpsConfig } from "../../schemas/config.js";
import type { UserRecord, WindowRecord, WindowShape } from "./account-state.js";
import { judgeWindow } from "./judge-window.js";
import type { AccountEvidence, AlertRow, WindowRow } from "./rows.js";

export const COMPROMISED_ACCOUNT = "compromised-account";

export type DescribeWindow = (user: UserRecord, window: WindowRecord) => WindowRow;

/** Builds a window's row (counts, new networks, verdict and level) under the configured thresholds. */
export function windowDescriber(config: AccountIpsConfig, allowlistedUser: (user: string) => boolean): DescribeWindow {
  return (user, window) => {
    const threshold = config.thresholds[window.window];
    const shape = windowShape(window, config.roaming);
    const asns = shape.asns;
    const counts = {
      networks: window.ips.networkCount,
      asns,
      countries: shape.countries,
      outsideTopAsns: shape.outsideTopAsns,
      outsideTopCountries: shape.outsideTopCountries,
    };
    const judgement =
      threshold === undefined
        ? { verdict: "normal" as const, level: 0 }
        : judgeWindow(counts, threshold, config.roaming, allowlistedUser(user.user));
    let newNetworks = 0;
    for (const network of window.ips.networks()) {
      const firstSeen = user.networkFirstSeen.get(network);
      if (firstSeen !== undefined && firstSeen >= window.start && firstSeen < window.end) newNetworks += 1;
    }
    return {
      user: user.user,
      window: window.window,
      window_start: window.start,
      window_end: window.end,
      ips: window.ips.size,
      networks: window.ips.networkCount,
      networks16: shape.networks16,
      asns,
      countries: shape.countries,
      logins: window.logins,
      failures: window.failures,
      new_networks: newNetworks,
      first_login: Number.isFinite(window.firstLogin) ? window.firstLogin : window.start,
      last_login: Number.isFinite(window.lastLogin) ? window.lastLogin : window.start,
      verdict: judgement.verdict,
      level: judgement.level,
      version: window.events,
    };
  };
}

/**
 * ASNs (unknown ones not counted), countries and /16s of a window's addresses,
 * and how many addresses lie outside its largest ASNs and countries; derived
 * from the address records, and cached until an address is added.
 */
function windowShape(window: WindowRecord, roaming: AccountIpsConfig["roaming"]): WindowShape {
  if (window.shape !== null && window.shape.addresses === window.ips.size) return window.shape;
  const asns = new Map<number, number>();
  const countries = new Map<string, number>();
  const networks16 = new Set<string>();
  for (const record of window.ips) {
    asns.set(record.asn, (asns.get(record.asn) ?? 0) + 1);
    if (record.country !== "") countries.set(record.country, (countries.get(record.country) ?? 0) + 1);
    networks16.add(record.network16);
  }
  window.shape = {
    addresses: window.ips.size,
    asns: asns.size - (asns.has(0) ? 1 : 0),
    countries: countries.size,
    networks16: networks16.size,
    outsideTopAsns: outsideTop([...asns.values()], roaming.maxAsns),
    outsideTopCountries: outsideTop([...countries.values()], roaming.maxCountries),
  };
  return window.shape;
}

/**
 * The alert for a window that just reached a new level, with the evidence as
 * it stood at the login that crossed it (so the alert is the same however the
 * lines were batched).
 */
export function alertFor(row: WindowRow, window: WindowRecord, firedAt: number): AlertRow {
  const byAsn = new Map<number, { asn: number; name: string; ips: number }>();
  const countries = new Set<string>();
  for (const record of window.ips) {
    const entry = byAsn.get(record.asn) ?? { asn: record.asn, name: record.asName, ips: 0 };
    entry.ips += 1;
    byAsn.set(record.asn, entry);
    if (record.country !== "") countries.add(record.country);
  }
  const topAsns = [...byAsn.values()].sort((a, b) => b.ips - a.ips || a.asn - b.asn).slice(0, 10);
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
    country_codes: [...countries].sort(),
    sample_networks: window.ips.networks().slice(0, 20),
  };
  const verdictWords = row.verdict === "likely-compromise" ? "likely compromised" : "suspicious";
  return {
    alert_id: createHash("sha1")
      .update(`${COMPROMISED_ACCOUNT}\n${row.user}\n${row.window}\n${row.window_start}`)
      .digest("hex")
      .slice(0, 16),
    kind: COMPROMISED_ACCOUNT,
    subject: row.user,
    window: row.window,
    window_start: row.window_start,
    window_end: row.window_end,
    level: row.level,
    verdict: row.verdict,
    summary:
      `${row.user} is ${verdictWords}: logins from ${row.networks} networks, ${row.asns} ASNs, ` +
      `${row.countries} countries (${evidence.country_codes.join(" ")}) within ${row.window}, since ${evidence.first_login}`,
    evidence: JSON.stringify(evidence),
    fired_at: firedAt,
  };
}

/** Addresses outside the `keep` largest groups. */
function outsideTop(groupSizes: number[], keep: number): number {
  return groupSizes
    .sort((a, b) => b - a)
    .slice(keep)
    .reduce((sum, size) => sum + size, 0);
}
