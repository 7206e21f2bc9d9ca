import type { AddressSet } from "./address-set.js";
import type { AlertRow } from "./rows.js";

/** In-memory state of the account-ips processor: bounded by users × their addresses and open windows, not by lines. */

export type IpRecord = {
  ip: string;
  firstSeen: number;
  lastSeen: number;
  logins: number;
  failures: number;
  firstOffset: number;
  network: string;
  network16: string;
  asn: number;
  asName: string;
  country: string;
  dirty: boolean;
};

export type WindowRecord = {
  window: string;
  start: number;
  end: number;
  /** Addresses with a successful login in the window; networks, ASNs, countries and /16s are derived from them. */
  ips: AddressSet;
  logins: number;
  failures: number;
  firstLogin: number;
  lastLogin: number;
  events: number;
  /** Highest alert level already raised for this window. */
  alertedLevel: number;
  /** Waiting in `dirtyWindows` (an address was added since the last collection). */
  queued: boolean;
  /** `events` when the window's row was last written: a closing window is written again only if it changed. */
  emittedEvents: number;
  /** Counts derived from `ips` when last judged, reused while no address was added. */
  shape: WindowShape | null;
};

export type WindowShape = {
  addresses: number;
  asns: number;
  countries: number;
  networks16: number;
  outsideTopAsns: number;
  outsideTopCountries: number;
};

export type UserRecord = {
  user: string;
  ips: Map<string, IpRecord>;
  /** network -> earliest event time it was seen for this user. */
  networkFirstSeen: Map<string, number>;
  /** Per configured window (by index): open windows by ordinal (start / size). */
  windows: Map<number, WindowRecord>[];
  /** Per configured window: the window the last event fell in (most events fall in it again). */
  current: (WindowRecord | undefined)[];
};

export type AccountState = {
  users: Map<string, UserRecord>;
  /** Highest event time seen per source: the watermark is the lowest of the active ones. */
  sourceWatermarks: Map<string, number>;
  /** The source of the last event and its highest time, kept out of the map on the hot path. */
  currentSource: string;
  currentSourceMax: number;
  /** Events that arrived after their window had closed (still in history and the events table). */
  lateEvents: number;
  /** Alerts raised since the last collection. */
  pendingAlerts: AlertRow[];
  /** Address records changed since the last collection, with their users (two parallel lists). */
  dirtyRecordUsers: UserRecord[];
  dirtyRecords: IpRecord[];
  /** Windows that gained an address since the last collection, with their users. */
  dirtyWindowUsers: UserRecord[];
  dirtyWindows: WindowRecord[];
  /** No open window ends before this: closing windows needs no scan until the watermark passes it. */
  earliestEnd: number;
};

export function createAccountState(): AccountState {
  return {
    users: new Map(),
    sourceWatermarks: new Map(),
    currentSource: "",
    currentSourceMax: Number.NEGATIVE_INFINITY,
    lateEvents: 0,
    pendingAlerts: [],
    dirtyRecordUsers: [],
    dirtyRecords: [],
    dirtyWindowUsers: [],
    dirtyWindows: [],
    earliestEnd: Number.POSITIVE_INFINITY,
  };
}

export function createUserRecord(user: string, windowCount: number): UserRecord {
  return {
    user,
    ips: new Map(),
    networkFirstSeen: new Map(),
    windows: Array.from({ length: windowCount }, () => new Map<number, WindowRecord>()),
    current: new Array<WindowRecord | undefined>(windowCount).fill(undefined),
  };
}

/** Moves the hot-path source watermark into the map (before reading the map). */
export function flushSourceWatermark(state: AccountState): void {
  if (state.currentSource === "") return;
  const known = state.sourceWatermarks.get(state.currentSource);
  if (known === undefined || state.currentSourceMax > known)
    state.sourceWatermarks.set(state.currentSource, state.currentSourceMax);
}

export function markRecordDirty(state: AccountState, user: UserRecord, record: IpRecord): void {
  if (record.dirty) return;
  record.dirty = true;
  state.dirtyRecordUsers.push(user);
  state.dirtyRecords.push(record);
}

export function queueWindow(state: AccountState, user: UserRecord, window: WindowRecord): void {
  if (window.queued) return;
  window.queued = true;
  state.dirtyWindowUsers.push(user);
  state.dirtyWindows.push(window);
}
