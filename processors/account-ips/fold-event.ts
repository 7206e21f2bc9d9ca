import type { AccountState } from "./account-state.js";
import { addRecord, addUser, findRecord, flushSourceWatermark, markRecordDirty, queueWindow } from "./account-state.js";
import type { AddressLocation } from "./address-records.js";
import { RecordField } from "./address-records.js";
import { alertFor, type DescribeWindow } from "./describe-window.js";
import { WindowField } from "./open-windows.js";

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
  locate(ip: string): AddressLocation;
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
 * events inside the lateness bound. This is the hot path: two map look-ups,
 * then numbers in typed arrays; no allocation but for new users, addresses
 * and windows.
 */
export function foldEvent(state: AccountState, fact: AuthFact, context: FoldContext): void {
  if (fact.sourceId !== state.currentSource) {
    flushSourceWatermark(state);
    state.currentSource = fact.sourceId;
    state.currentSourceMax = state.sourceWatermarks.get(fact.sourceId) ?? Number.NEGATIVE_INFINITY;
  }
  const ts = fact.ts;
  if (ts > state.currentSourceMax) state.currentSourceMax = ts;

  const user = state.userIds.get(fact.user) ?? addUser(state, fact.user);
  const record = foldHistory(state, user, fact, context);
  markRecordDirty(state, record);
  if (context.allowlistedAddress(fact.ip)) return;

  const windows = state.windows;
  const network = state.records.field(record, RecordField.network);
  const closedBefore = context.watermark - context.lateness;
  const specs = context.windows;
  for (let spec = 0; spec < specs.length; spec++) {
    const key = user * specs.length + spec;
    let slot = state.currentWindow[key] as number;
    if (slot < 0 || ts < windows.field(slot, WindowField.start) || ts >= windows.field(slot, WindowField.end)) {
      const size = (specs[spec] as FoldContext["windows"][number]).size;
      // Windows are keyed by their ordinal (hours or days since the epoch): small integers hash fast.
      const ordinal = Math.floor(ts / size);
      const start = ordinal * size;
      const open = state.userWindows[key] as Map<number, number>;
      const known = open.get(ordinal);
      if (known === undefined) {
        if (start + size <= closedBefore) {
          state.lateEvents += 1;
          continue;
        }
        slot = windows.open(user, spec, start, start + size);
        open.set(ordinal, slot);
        if (start + size < state.earliestEnd) state.earliestEnd = start + size;
      } else {
        slot = known;
      }
      state.currentWindow[key] = slot;
    }
    // Distinct addresses and networks count successful logins only: failures are
    // password guessing from anywhere and say nothing about who holds the account.
    if (!windows.countLogin(slot, ts, fact.success, record, network)) {
      if (context.writeEveryChange) queueWindow(state, slot);
      continue;
    }
    queueWindow(state, slot);
    const level = windows.field(slot, WindowField.alertedLevel);
    if (
      windows.field(slot, WindowField.networks) >=
      (specs[spec] as FoldContext["windows"][number]).alertAt * 2 ** level
    ) {
      const row = context.describeWindow(state, slot);
      if (row.level > level) {
        windows.setField(slot, WindowField.alertedLevel, row.level);
        state.pendingAlerts.push(alertFor(row, state, slot, ts));
      }
    }
  }
}

function foldHistory(state: AccountState, user: number, fact: AuthFact, context: FoldContext): number {
  const records = state.records;
  const ts = fact.ts;
  let record = findRecord(state, user, fact.ip);
  if (record < 0) {
    record = addRecord(state, user, fact.ip, context.locate(fact.ip), ts, fact.offset);
    noteNetworkSeen(state, user, records.field(record, RecordField.network), ts);
  }
  if (records.countLogin(record, ts, fact.success, fact.offset))
    noteNetworkSeen(state, user, records.field(record, RecordField.network), ts);
  return record;
}

/** A network's first sighting is the earliest first sighting of its addresses: only those can lower it. */
function noteNetworkSeen(state: AccountState, user: number, network: number, ts: number): void {
  const sighting = state.networkSightings.note(user, network, ts);
  // The network turned out to be older for this user than windows after this sighting were told (a late
  // line from another source): they no longer count it as new, so they are written again.
  if (!sighting.changed || sighting.previous === undefined) return;
  for (let spec = 0; spec < state.windowCount; spec++) {
    for (const slot of (state.userWindows[user * state.windowCount + spec] as Map<number, number>).values())
      if (state.windows.field(slot, WindowField.start) > ts) queueWindow(state, slot);
  }
}
