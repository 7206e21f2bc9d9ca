import { z } from "zod";
import type { AccountState, IpRecord, UserRecord, WindowRecord } from "./account-state.js";
import { windowKey } from "./account-state.js";

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
  net: z.array(z.string()),
  net16: z.array(z.string()),
  asns: z.array(z.tuple([z.number(), z.array(z.string())])),
  cc: z.array(z.tuple([z.string(), z.number()])),
  logins: z.number(),
  failures: z.number(),
  first: z.number().nullable(),
  last: z.number().nullable(),
  events: z.number(),
  alerted: z.number(),
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
  const users: StateSnapshot["users"] = [];
  for (const user of state.users.values()) {
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
      win: [...user.windows.values()].map((w) => ({
        w: w.window,
        s: w.start,
        e: w.end,
        ips: [...w.ips],
        net: [...w.networks],
        net16: [...w.networks16],
        asns: [...w.asns.entries()].map(([asn, ips]) => [asn, [...ips]] as [number, string[]]),
        cc: [...w.countries.entries()],
        logins: w.logins,
        failures: w.failures,
        first: Number.isFinite(w.firstLogin) ? w.firstLogin : null,
        last: Number.isFinite(w.lastLogin) ? w.lastLogin : null,
        events: w.events,
        alerted: w.alertedLevel,
      })),
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
export function restoreState(snapshot: StateSnapshot): { state: AccountState; finished: Set<string> } {
  const users = new Map<string, UserRecord>();
  for (const u of snapshot.users) {
    const ips = new Map<string, IpRecord>();
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
      ips.set(ip, {
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
      });
    }
    const windows = new Map<string, WindowRecord>();
    for (const w of u.win) {
      windows.set(windowKey(w.w, w.s), {
        window: w.w,
        start: w.s,
        end: w.e,
        ips: new Set(w.ips),
        networks: new Set(w.net),
        networks16: new Set(w.net16),
        asns: new Map(w.asns.map(([asn, list]) => [asn, new Set(list)])),
        countries: new Map(w.cc),
        logins: w.logins,
        failures: w.failures,
        firstLogin: w.first ?? Number.POSITIVE_INFINITY,
        lastLogin: w.last ?? Number.NEGATIVE_INFINITY,
        events: w.events,
        alertedLevel: w.alerted,
        dirty: false,
      });
    }
    users.set(u.u, { user: u.u, ips, networkFirstSeen: new Map(u.nets), windows });
  }
  return {
    state: { users, sourceWatermarks: new Map(snapshot.sources), lateEvents: snapshot.lateEvents, pendingAlerts: [] },
    finished: new Set(snapshot.finished),
  };
}
