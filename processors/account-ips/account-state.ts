import { type AddressLocation, AddressRecords, RecordField } from "./address-records.js";
import { InternedStrings } from "./interned-strings.js";
import { ipv4Number } from "./ipv4-number.js";
import { NetworkKeys } from "./network-keys.js";
import { NetworkSightings } from "./network-sightings.js";
import { OpenWindows, WindowField } from "./open-windows.js";
import { PairTable } from "./pair-table.js";
import type { AlertRow } from "./rows.js";
import { grownColumn, nextCapacity } from "./table-capacity.js";

/**
 * In-memory state of the account-ips processor: bounded by users × their
 * addresses and open windows, not by lines. Users, records and windows are
 * small integer ids into columns (see AddressRecords and OpenWindows).
 */
export type AccountState = {
  /** Configured windows, in order (a window's `spec` is its index here). */
  windowNames: readonly string[];
  windowCount: number;
  userIds: Map<string, number>;
  userNames: string[];
  /** Records and users by the pair numbers of the parse worker whose chunks are folded (see foldParsedChunks; -1: not resolved yet). */
  parsedPairs: { numbering: string; records: Int32Array; users: Int32Array };
  /** (user, IPv4 address as a 32-bit number) -> record id. */
  ipv4Records: PairTable;
  /** `${user id} ${address}` -> record id, for addresses that are not IPv4. */
  otherRecords: Map<string, number>;
  /** Per (user, network id): the earliest event time it was seen for this user. */
  networkSightings: NetworkSightings;
  /** Per user and configured window: the slot of the window the last event fell in (-1: none). */
  currentWindow: Int32Array;
  records: AddressRecords;
  windows: OpenWindows;
  networkKeys: NetworkKeys;
  countries: InternedStrings;
  /** Highest event time seen per source: the watermark is the lowest of the active ones. */
  sourceWatermarks: Map<string, number>;
  /** The source of the last event and its highest time, kept out of the map on the hot path. */
  currentSource: string;
  currentSourceMax: number;
  /** Events that arrived after their window had closed (still in history and the events table). */
  lateEvents: number;
  /** Alerts raised since the last collection. */
  pendingAlerts: AlertRow[];
  /** Record ids changed since the last collection. */
  dirtyRecords: number[];
  /** Window slots that gained an address since the last collection. */
  dirtyWindows: number[];
};

export function createAccountState(windowNames: readonly string[]): AccountState {
  return {
    windowNames,
    windowCount: windowNames.length,
    userIds: new Map(),
    userNames: [],
    parsedPairs: { numbering: "", records: new Int32Array(0), users: new Int32Array(0) },
    ipv4Records: new PairTable(),
    otherRecords: new Map(),
    networkSightings: new NetworkSightings(),
    currentWindow: new Int32Array(0),
    records: new AddressRecords(),
    windows: new OpenWindows(),
    networkKeys: new NetworkKeys(),
    countries: internedCountries(),
    sourceWatermarks: new Map(),
    currentSource: "",
    currentSourceMax: Number.NEGATIVE_INFINITY,
    lateEvents: 0,
    pendingAlerts: [],
    dirtyRecords: [],
    dirtyWindows: [],
  };
}

export function addUser(state: AccountState, name: string): number {
  const id = state.userNames.length;
  state.userIds.set(name, id);
  state.userNames.push(name);
  const first = id * state.windowCount;
  const needed = first + state.windowCount;
  if (needed > state.currentWindow.length) {
    const before = state.currentWindow.length;
    state.currentWindow = grownColumn(state.currentWindow, nextCapacity(before, needed));
    state.currentWindow.fill(-1, before);
  }
  return id;
}

/** The record of (user, ip), or -1. */
export function findRecord(state: AccountState, user: number, ip: string): number {
  const ipv4 = ipv4Number(ip);
  if (ipv4 >= 0) return state.ipv4Records.get(user, ipv4);
  return state.otherRecords.get(`${user} ${ip}`) ?? -1;
}

/** Adds the record of a new (user, ip). */
export function addRecord(
  state: AccountState,
  user: number,
  ip: string,
  location: AddressLocation,
  allowlisted: boolean,
  ts: number,
  offset: number,
): number {
  const ipv4 = ipv4Number(ip);
  const record = state.records.add(
    user,
    ip,
    location,
    {
      network: state.networkKeys.network(ipv4, location),
      network16: state.networkKeys.network16(ipv4, location),
      country: state.countries.id(location.country),
    },
    allowlisted,
    ts,
    offset,
  );
  if (ipv4 >= 0) state.ipv4Records.insert(user, ipv4, record);
  else state.otherRecords.set(`${user} ${ip}`, record);
  return record;
}

/** Moves the hot-path source watermark into the map (before reading the map). */
export function flushSourceWatermark(state: AccountState): void {
  if (state.currentSource === "") return;
  const known = state.sourceWatermarks.get(state.currentSource);
  if (known === undefined || state.currentSourceMax > known)
    state.sourceWatermarks.set(state.currentSource, state.currentSourceMax);
}

export function markRecordDirty(state: AccountState, record: number): void {
  if (state.records.field(record, RecordField.dirty) === 1) return;
  state.records.setField(record, RecordField.dirty, 1);
  state.dirtyRecords.push(record);
}

export function queueWindow(state: AccountState, slot: number): void {
  if (state.windows.field(slot, WindowField.queued) === 1) return;
  state.windows.setField(slot, WindowField.queued, 1);
  state.dirtyWindows.push(slot);
}

/** Countries numbered with the unknown one ("") first, as NO_COUNTRY. */
function internedCountries(): InternedStrings {
  const countries = new InternedStrings();
  countries.id("");
  return countries;
}
