import { z } from "zod";
import type { AccountState, IpRecord, WindowRecord } from "./account-state.js";
import { createAccountState, createUserRecord, flushSourceWatermark } from "./account-state.js";
import { AddressSet } from "./address-set.js";

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
  const users: StateSnapshot["users"] = [];
  for (const user of state.users.values()) {
    const windows: StateSnapshot["users"][number]["win"] = [];
    for (const open of user.windows) {
      for (const w of open.values()) {
        windows.push({
          w: w.window,
          s: w.start,
          e: w.end,
          ips: [...w.ips].map((record) => record.ip),
          logins: w.logins,
          failures: w.failures,
          first: Number.isFinite(w.firstLogin) ? w.firstLogin : null,
          last: Number.isFinite(w.lastLogin) ? w.lastLogin : null,
          events: w.events,
          alerted: w.alertedLevel,
          emitted: w.emittedEvents,
        });
      }
    }
    users.push({
      u: user.user,
      ips: [...user.ips.values()].map((r) => [
        r.ip,
        r.firstSeen,
        r.lastSeen,
        r.logins,
        r.failures,
        r.firstOffset,
        r.network,
        r.network16,
        r.asn,
        r.asName,
        r.country,
      ]),
      nets: [...user.networkFirstSeen.entries()],
      win: windows,
    });
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
): { state: AccountState; finished: Set<string> } {
  const state = createAccountState();
  for (const u of snapshot.users) {
    const user = createUserRecord(u.u, windowNames.length);
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
      const record: IpRecord = {
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
        dirty: false,
      };
      user.ips.set(ip, record);
    }
    user.networkFirstSeen = new Map(u.nets);
    for (const w of u.win) {
      const index = windowNames.indexOf(w.w);
      if (index < 0) continue; // a window no longer configured
      const window: WindowRecord = {
        window: w.w,
        start: w.s,
        end: w.e,
        ips: addressesOf(w.ips.flatMap((ip) => user.ips.get(ip) ?? [])),
        logins: w.logins,
        failures: w.failures,
        firstLogin: w.first ?? Number.POSITIVE_INFINITY,
        lastLogin: w.last ?? Number.NEGATIVE_INFINITY,
        events: w.events,
        alertedLevel: w.alerted,
        queued: false,
        emittedEvents: w.emitted,
        shape: null,
      };
      user.windows[index]?.set(Math.floor(w.s / (w.e - w.s)), window);
      if (window.end < state.earliestEnd) state.earliestEnd = window.end;
    }
    state.users.set(u.u, user);
  }
  state.sourceWatermarks = new Map(snapshot.sources);
  state.lateEvents = snapshot.lateEvents;
  return { state, finished: new Set(snapshot.finished) };
}

function addressesOf(records: IpRecord[]): AddressSet {
  const set = new AddressSet();
  for (const record of records) set.add(record);
  return set;
}
