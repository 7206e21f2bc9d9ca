import type { AccountState, IpRecord, UserRecord, WindowRecord } from "./account-state.js";
import { createUserRecord, flushSourceWatermark, markRecordDirty, queueWindow } from "./account-state.js";
import { AddressSet } from "./address-set.js";
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
  windows: readonly { name: string; size: number; alertAt: number }[];
  lateness: number;
  /** Lowest watermark of the active sources (ms), or -Infinity before any. */
  watermark: number;
  locate(ip: string): AddressNetworks & AsnInfo;
  /** True when the address lies in an allowlisted network: it never counts towards a window. */
  allowlistedAddress(ip: string): boolean;
  describeWindow: DescribeWindow;
  /** Write a window at every collection that changed it, not only when it gained an address. */
  writeEveryChange: boolean;
};

/**
 * Folds one authentication into the state: the (user, ip) history always, the
 * event-time windows unless the window has already closed (then the event is
 * counted as late). Pure apart from mutating `state`; every aggregate is a
 * min, max, sum or set union, so the result does not depend on the order of
 * events inside the lateness bound. This is the hot path: no allocation per
 * event but for new users, addresses and windows.
 */
export function foldEvent(state: AccountState, fact: AuthFact, context: FoldContext): void {
  if (fact.sourceId !== state.currentSource) {
    flushSourceWatermark(state);
    state.currentSource = fact.sourceId;
    state.currentSourceMax = state.sourceWatermarks.get(fact.sourceId) ?? Number.NEGATIVE_INFINITY;
  }
  if (fact.ts > state.currentSourceMax) state.currentSourceMax = fact.ts;

  let user = state.users.get(fact.user);
  if (user === undefined) {
    user = createUserRecord(fact.user, context.windows.length);
    state.users.set(fact.user, user);
  }
  const record = foldHistory(state, user, fact, context);
  markRecordDirty(state, user, record);
  if (context.allowlistedAddress(fact.ip)) return;

  const closedBefore = context.watermark - context.lateness;
  for (let index = 0; index < context.windows.length; index++) {
    const spec = context.windows[index] as FoldContext["windows"][number];
    let window = user.current[index];
    if (window === undefined || fact.ts < window.start || fact.ts >= window.end) {
      // Windows are keyed by their ordinal (hours or days since the epoch): small integers hash fast.
      const ordinal = Math.floor(fact.ts / spec.size);
      const start = ordinal * spec.size;
      const open = user.windows[index] as Map<number, WindowRecord>;
      window = open.get(ordinal);
      if (window === undefined) {
        if (start + spec.size <= closedBefore) {
          state.lateEvents += 1;
          continue;
        }
        window = openWindow(spec.name, start, spec.size);
        open.set(ordinal, window);
        if (window.end < state.earliestEnd) state.earliestEnd = window.end;
      }
      user.current[index] = window;
    }
    if (!foldWindow(window, fact, record)) {
      if (context.writeEveryChange) queueWindow(state, user, window);
      continue;
    }
    queueWindow(state, user, window);
    if (window.ips.networkCount >= spec.alertAt * 2 ** window.alertedLevel) {
      const row = context.describeWindow(user, window);
      if (row.level > window.alertedLevel) {
        window.alertedLevel = row.level;
        state.pendingAlerts.push(alertFor(row, window, fact.ts));
      }
    }
  }
}

function foldHistory(state: AccountState, user: UserRecord, fact: AuthFact, context: FoldContext): IpRecord {
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
      dirty: false,
    };
    user.ips.set(fact.ip, record);
    noteNetworkSeen(state, user, record.network, fact.ts);
  } else if (fact.ts < record.firstSeen) {
    record.firstSeen = fact.ts;
    noteNetworkSeen(state, user, record.network, fact.ts);
  }
  if (fact.ts > record.lastSeen) record.lastSeen = fact.ts;
  if (fact.offset < record.firstOffset) record.firstOffset = fact.offset;
  if (fact.success) record.logins += 1;
  else record.failures += 1;
  return record;
}

function requeueWindowsAfter(state: AccountState, user: UserRecord, ts: number): void {
  for (const open of user.windows) {
    for (const window of open.values()) if (window.start > ts) queueWindow(state, user, window);
  }
}

/** A network's first sighting is the earliest first sighting of its addresses: only those can lower it. */
function noteNetworkSeen(state: AccountState, user: UserRecord, network: string, ts: number): void {
  const known = user.networkFirstSeen.get(network);
  if (known !== undefined && ts >= known) return;
  user.networkFirstSeen.set(network, ts);
  // The network turned out to be older for this user than windows after this sighting were told (a late
  // line from another source): they no longer count it as new, so they are written again.
  if (known !== undefined) requeueWindowsAfter(state, user, ts);
}

export function openWindow(name: string, start: number, size: number): WindowRecord {
  return {
    window: name,
    start,
    end: start + size,
    ips: new AddressSet(),
    logins: 0,
    failures: 0,
    firstLogin: Number.POSITIVE_INFINITY,
    lastLogin: Number.NEGATIVE_INFINITY,
    events: 0,
    alertedLevel: 0,
    queued: false,
    emittedEvents: -1,
    shape: null,
  };
}

/** Returns true when the event added a new address to the window (the only time its level can change). */
function foldWindow(window: WindowRecord, fact: AuthFact, record: IpRecord): boolean {
  window.events += 1;
  if (!fact.success) {
    window.failures += 1;
    return false;
  }
  // Distinct addresses and networks count successful logins only: failures are
  // password guessing from anywhere and say nothing about who holds the account.
  window.logins += 1;
  if (fact.ts < window.firstLogin) window.firstLogin = fact.ts;
  if (fact.ts > window.lastLogin) window.lastLogin = fact.ts;
  return window.ips.add(record);
}
