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

/** Folds one authentication, named by strings (the scaled-out stage, tests). */
export function foldEvent(state: AccountState, fact: AuthFact, context: FoldContext): void {
  const user = state.userIds.get(fact.user) ?? addUser(state, fact.user);
  let record = findRecord(state, user, fact.ip);
  if (record < 0) record = newRecord(state, user, fact.ip, fact.ts, fact.offset, context);
  foldLogin(state, user, record, fact.ts, fact.success, fact.sourceId, fact.offset, context);
}

/** The record of a (user, address) pair seen for the first time, located (unless the caller knows where) and checked against the allowlist once. */
export function newRecord(
  state: AccountState,
  user: number,
  ip: string,
  ts: number,
  offset: number,
  context: FoldContext,
  location: AddressLocation = context.locate(ip),
): number {
  const record = addRecord(state, user, ip, location, context.allowlistedAddress(ip), ts, offset);
  noteNetworkSeen(state, user, state.records.network(record), ts);
  return record;
}

/**
 * Folds one authentication into the state, its user and record already
 * found: the (user, ip) history always, the event-time windows unless the
 * window has already closed (then the event is counted as late). Pure apart
 * from mutating `state`; every aggregate is a min, max, sum or set union, so
 * the result does not depend on the order of events inside the lateness
 * bound. This is the hot path: numbers in typed arrays, no allocation but for
 * new windows.
 */
export function foldLogin(
  state: AccountState,
  user: number,
  record: number,
  ts: number,
  success: boolean,
  sourceId: string,
  offset: number,
  context: FoldContext,
): void {
  if (sourceId !== state.currentSource) switchSource(state, sourceId);
  if (ts > state.currentSourceMax) state.currentSourceMax = ts;

  const records = state.records;
  const network = records.network(record);
  if (records.countLogin(record, ts, success, offset)) noteNetworkSeen(state, user, network, ts);
  markRecordDirty(state, record);
  if (records.field(record, RecordField.allowlisted) === 1) return;

  const windows = state.windows;
  const closedBefore = context.watermark - context.lateness;
  const specs = context.windows;
  for (let spec = 0; spec < specs.length; spec++) {
    const key = user * specs.length + spec;
    let slot = state.currentWindow[key] as number;
    if (slot < 0 || ts < windows.field(slot, WindowField.start) || ts >= windows.field(slot, WindowField.end)) {
      const size = (specs[spec] as FoldContext["windows"][number]).size;
      const start = Math.floor(ts / size) * size;
      slot = windows.find(key, start);
      if (slot < 0) {
        if (start + size <= closedBefore) {
          state.lateEvents += 1;
          continue;
        }
        slot = windows.open(key, user, spec, start, start + size);
      }
      state.currentWindow[key] = slot;
    }
    // Distinct addresses and networks count successful logins only: failures are
    // password guessing from anywhere and say nothing about who holds the account.
    if (!windows.countLogin(slot, ts, success, record, network)) {
      if (context.writeEveryChange) queueWindow(state, slot);
      continue;
    }
    queueWindow(state, slot);
    const level = windows.field(slot, WindowField.alertedLevel);
    if (
      windows.field(slot, WindowField.networks) >=
      (specs[spec] as FoldContext["windows"][number]).alertAt * 2 ** level
    )
      alertIfHigher(state, slot, level, ts, context);
  }
}

/**
 * The alert of a window whose networks reached its next level's threshold, if its verdict raises the level
 * (a roaming phone's does not). Rare, and first met late in a run: a function of its own, so that meeting
 * it does not make V8 compile the whole fold again.
 */
function alertIfHigher(state: AccountState, slot: number, level: number, ts: number, context: FoldContext): void {
  const row = context.describeWindow.row(state, slot);
  if (row.level <= level) return;
  state.windows.setField(slot, WindowField.alertedLevel, row.level);
  state.pendingAlerts.push(alertFor(row, state, slot, ts));
}

function switchSource(state: AccountState, sourceId: string): void {
  flushSourceWatermark(state);
  state.currentSource = sourceId;
  state.currentSourceMax = state.sourceWatermarks.get(sourceId) ?? Number.NEGATIVE_INFINITY;
}

/** A network's first sighting is the earliest first sighting of its addresses: only those can lower it. */
function noteNetworkSeen(state: AccountState, user: number, network: number, ts: number): void {
  const sighting = state.networkSightings.note(user, network, ts);
  // The network turned out to be older for this user than windows after this sighting were told (a late
  // line from another source): they no longer count it as new, so they are written again.
  if (!sighting.changed || sighting.previous === undefined) return;
  for (let spec = 0; spec < state.windowCount; spec++) {
    for (const slot of state.windows.windowsOf(user * state.windowCount + spec))
      if (state.windows.field(slot, WindowField.start) > ts) queueWindow(state, slot);
  }
}
