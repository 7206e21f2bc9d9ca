import { z } from "zod";
import type { AccountState } from "./account-state.js";
import { addRecord, addUser, createAccountState, findRecord, flushSourceWatermark } from "./account-state.js";
import type { AddressLocation } from "./address-records.js";
import { RecordField } from "./address-records.js";
import { WindowField } from "./open-windows.js";

/**
 * The processor's state as a JSON document, written beside the checkpoints
 * after the store acknowledged the rows that depend on it: a restarted
 * process continues with exactly the counts it had at its last commit.
 */
const IpSnapshot = z.tuple([
  z.string(), // ip
  z.number(), // firstSeen
  z.number(), // lastSeen
  z.number(), // logins
  z.number(), // failures
  z.number(), // firstOffset
  z.string(), // network
  z.string(), // network16
  z.number(), // asn
  z.string(), // asName
  z.string(), // country
]);
const WindowSnapshot = z.object({
  w: z.string(),
  s: z.number(),
  e: z.number(),
  ips: z.array(z.string()),
  logins: z.number(),
  failures: z.number(),
  first: z.number().nullable(),
  last: z.number().nullable(),
  events: z.number(),
  alerted: z.number(),
  /** `events` when the window's row was last written (-1: never). */
  emitted: z.number(),
});
const UserSnapshot = z.object({
  u: z.string(),
  ips: z.array(IpSnapshot),
  nets: z.array(z.tuple([z.string(), z.number()])),
  win: z.array(WindowSnapshot),
});
export const StateSnapshotSchema = z.object({
  version: z.literal(1),
  sources: z.array(z.tuple([z.string(), z.number()])),
  finished: z.array(z.string()),
  lateEvents: z.number(),
  users: z.array(UserSnapshot),
});
export type StateSnapshot = z.infer<typeof StateSnapshotSchema>;

export function snapshotState(state: AccountState, finished: Iterable<string>): StateSnapshot {
  flushSourceWatermark(state);
  const { records, windows } = state;
  const users: StateSnapshot["users"] = [];
  // Records and sightings are numbered in the order added: grouped by user, each user's stay in that order.
  const recordsOf = state.userNames.map((): number[] => []);
  for (let record = 0; record < records.count; record++)
    recordsOf[records.field(record, RecordField.user)]?.push(record);
  const sightings = state.networkSightings;
  const netsOf = state.userNames.map((): [string, number][] => []);
  for (let entry = 0; entry < sightings.count; entry++) {
    netsOf[sightings.user[entry] as number]?.push([
      state.networkKeys.networkName(sightings.network[entry] as number),
      sightings.firstSeen[entry] as number,
    ]);
  }
  for (let user = 0; user < state.userNames.length; user++) {
    const win: StateSnapshot["users"][number]["win"] = [];
    for (let spec = 0; spec < state.windowCount; spec++) {
      for (const slot of windows.windowsOf(user * state.windowCount + spec)) {
        const ips: string[] = [];
        const addresses = windows.field(slot, WindowField.addresses);
        for (let index = 0; index < addresses; index++) ips.push(records.ip[windows.addressAt(slot, index)] as string);
        const first = windows.field(slot, WindowField.firstLogin);
        const last = windows.field(slot, WindowField.lastLogin);
        win.push({
          w: state.windowNames[spec] as string,
          s: windows.field(slot, WindowField.start),
          e: windows.field(slot, WindowField.end),
          ips,
          logins: windows.field(slot, WindowField.logins),
          failures: windows.field(slot, WindowField.failures),
          first: Number.isFinite(first) ? first : null,
          last: Number.isFinite(last) ? last : null,
          events: windows.field(slot, WindowField.events),
          alerted: windows.field(slot, WindowField.alertedLevel),
          emitted: windows.field(slot, WindowField.emittedEvents),
        });
      }
    }
    const ips: StateSnapshot["users"][number]["ips"] = [];
    for (const record of recordsOf[user] as number[]) {
      const location = records.location[record] as AddressLocation;
      ips.push([
        records.ip[record] as string,
        records.field(record, RecordField.firstSeen),
        records.field(record, RecordField.lastSeen),
        records.field(record, RecordField.logins),
        records.field(record, RecordField.failures),
        records.field(record, RecordField.firstOffset),
        location.network,
        location.network16,
        location.asn,
        location.asName,
        location.country,
      ]);
    }
    users.push({ u: state.userNames[user] as string, ips, nets: netsOf[user] as [string, number][], win });
  }
  return {
    version: 1,
    sources: [...state.sourceWatermarks.entries()],
    finished: [...finished],
    lateEvents: state.lateEvents,
    users,
  };
}

/** Rebuilds the state; rows restored are clean (they were written before the snapshot). */
export function restoreState(
  snapshot: StateSnapshot,
  windowNames: readonly string[],
  allowlistedAddress: (ip: string) => boolean,
): { state: AccountState; finished: Set<string> } {
  const state = createAccountState(windowNames);
  const { records, windows } = state;
  for (const u of snapshot.users) {
    const user = addUser(state, u.u);
    for (const [
      ip,
      firstSeen,
      lastSeen,
      logins,
      failures,
      firstOffset,
      network,
      network16,
      asn,
      asName,
      country,
    ] of u.ips) {
      const location: AddressLocation = { network, network16, asn, asName, country };
      const record = addRecord(state, user, ip, location, allowlistedAddress(ip), firstSeen, firstOffset);
      records.setField(record, RecordField.lastSeen, lastSeen);
      records.setField(record, RecordField.logins, logins);
      records.setField(record, RecordField.failures, failures);
    }
    for (const [network, ts] of u.nets) state.networkSightings.add(user, state.networkKeys.networkOfName(network), ts);
    for (const w of u.win) {
      const spec = windowNames.indexOf(w.w);
      if (spec < 0) continue; // a window no longer configured
      const slot = windows.open(user * state.windowCount + spec, user, spec, w.s, w.e);
      for (const ip of w.ips) {
        const record = findRecord(state, user, ip);
        if (record >= 0) windows.addAddress(slot, record, records.network(record));
      }
      windows.setField(slot, WindowField.logins, w.logins);
      windows.setField(slot, WindowField.failures, w.failures);
      windows.setField(slot, WindowField.firstLogin, w.first ?? Number.POSITIVE_INFINITY);
      windows.setField(slot, WindowField.lastLogin, w.last ?? Number.NEGATIVE_INFINITY);
      windows.setField(slot, WindowField.events, w.events);
      windows.setField(slot, WindowField.alertedLevel, w.alerted);
      windows.setField(slot, WindowField.emittedEvents, w.emitted);
    }
  }
  state.sourceWatermarks = new Map(snapshot.sources);
  state.lateEvents = snapshot.lateEvents;
  return { state, finished: new Set(snapshot.finished) };
}
