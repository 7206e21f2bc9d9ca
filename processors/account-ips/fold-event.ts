import type { AccountState, IpRecord, UserRecord, WindowRecord } from "./account-state.js";
import { windowKey } from "./account-state.js";
import type { AsnInfo } from "./asn-database.js";
import { alertFor, type DescribeWindow } from "./describe-window.js";
import type { AddressNetworks } from "./ip-networks.js";

/** The part of a mail auth event the aggregation needs. */
export type AuthFact = {
  ts: number;
  user: string;
  ip: string;
  success: boolean;
  sourceId: string;
  offset: number;
};

export type FoldContext = {
  windows: readonly { name: string; size: number }[];
  lateness: number;
  /** Lowest watermark of the active sources (ms), or -Infinity before any. */
  watermark: number;
  locate(ip: string): AddressNetworks & AsnInfo;
  /** True when the address lies in an allowlisted network: it never counts towards a window. */
  allowlistedAddress(ip: string): boolean;
  describeWindow: DescribeWindow;
  /** Per window name: the fewest networks that can raise an alert (a cheap test before judging). */
  alertFloor: ReadonlyMap<string, number>;
};

/**
 * Folds one authentication into the state: the (user, ip) history always, the
 * event-time windows unless the window has already closed (then the event is
 * counted as late). Pure apart from mutating `state`; every aggregate is a
 * min, max, sum or set union, so the result does not depend on the order of
 * events inside the lateness bound.
 */
export function foldEvent(state: AccountState, fact: AuthFact, context: FoldContext): void {
  const previous = state.sourceWatermarks.get(fact.sourceId);
  if (previous === undefined || fact.ts > previous) state.sourceWatermarks.set(fact.sourceId, fact.ts);

  let user = state.users.get(fact.user);
  if (user === undefined) {
    user = { user: fact.user, ips: new Map(), networkFirstSeen: new Map(), windows: new Map() };
    state.users.set(fact.user, user);
  }
  const record = foldHistory(user, fact, context);
  const firstSeen = user.networkFirstSeen.get(record.network);
  if (firstSeen === undefined || fact.ts < firstSeen) user.networkFirstSeen.set(record.network, fact.ts);
  if (context.allowlistedAddress(fact.ip)) return;

  const closedBefore = context.watermark - context.lateness;
  for (const { name, size } of context.windows) {
    const start = fact.ts - (((fact.ts % size) + size) % size);
    const key = windowKey(name, start);
    let window = user.windows.get(key);
    if (window === undefined) {
      if (start + size <= closedBefore) {
        state.lateEvents += 1;
        continue;
      }
      window = openWindow(name, start, size);
      user.windows.set(key, window);
    }
    if (foldWindow(window, fact, record) && window.networks.size >= (context.alertFloor.get(name) ?? Infinity)) {
      const row = context.describeWindow(user, window);
      if (row.level > window.alertedLevel) {
        window.alertedLevel = row.level;
        state.pendingAlerts.push(alertFor(row, window, user, fact.ts));
      }
    }
  }
}

function foldHistory(user: UserRecord, fact: AuthFact, context: FoldContext): IpRecord {
  let record = user.ips.get(fact.ip);
  if (record === undefined) {
    const located = context.locate(fact.ip);
    record = {
      ip: fact.ip,
      firstSeen: fact.ts,
      lastSeen: fact.ts,
      logins: 0,
      failures: 0,
      firstOffset: fact.offset,
      network: located.network,
      network16: located.network16,
      asn: located.asn,
      asName: located.asName,
      country: located.country,
      dirty: true,
    };
    user.ips.set(fact.ip, record);
  }
  if (fact.ts < record.firstSeen) record.firstSeen = fact.ts;
  if (fact.ts > record.lastSeen) record.lastSeen = fact.ts;
  if (fact.offset < record.firstOffset) record.firstOffset = fact.offset;
  if (fact.success) record.logins += 1;
  else record.failures += 1;
  record.dirty = true;
  return record;
}

function openWindow(name: string, start: number, size: number): WindowRecord {
  return {
    window: name,
    start,
    end: start + size,
    ips: new Set(),
    networks: new Set(),
    networks16: new Set(),
    asns: new Map(),
    countries: new Map(),
    logins: 0,
    failures: 0,
    firstLogin: Number.POSITIVE_INFINITY,
    lastLogin: Number.NEGATIVE_INFINITY,
    events: 0,
    alertedLevel: 0,
    dirty: true,
  };
}

/** Returns true when the event added a new address to the window (the only time its level can change). */
function foldWindow(window: WindowRecord, fact: AuthFact, record: IpRecord): boolean {
  window.events += 1;
  window.dirty = true;
  if (!fact.success) {
    window.failures += 1;
    return false;
  }
  // Distinct addresses and networks count successful logins only: failures are
  // password guessing from anywhere and say nothing about who holds the account.
  window.logins += 1;
  if (fact.ts < window.firstLogin) window.firstLogin = fact.ts;
  if (fact.ts > window.lastLogin) window.lastLogin = fact.ts;
  if (window.ips.has(fact.ip)) return false;
  window.ips.add(fact.ip);
  window.networks.add(record.network);
  window.networks16.add(record.network16);
  if (record.country !== "") window.countries.set(record.country, (window.countries.get(record.country) ?? 0) + 1);
  let asnIps = window.asns.get(record.asn);
  if (asnIps === undefined) {
    asnIps = new Set();
    window.asns.set(record.asn, asnIps);
  }
  asnIps.add(fact.ip);
  return true;
}
