import type { AlertRow } from "./rows.js";

/** In-memory state of the account-ips processor: bounded by users × their addresses, not by lines. */

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
  ips: Set<string>;
  networks: Set<string>;
  networks16: Set<string>;
  /** ASN -> distinct addresses seen from it in the window. */
  asns: Map<number, Set<string>>;
  /** Country -> distinct addresses seen from it in the window. */
  countries: Map<string, number>;
  logins: number;
  failures: number;
  firstLogin: number;
  lastLogin: number;
  events: number;
  /** Highest alert level already raised for this window. */
  alertedLevel: number;
  dirty: boolean;
};

export type UserRecord = {
  user: string;
  ips: Map<string, IpRecord>;
  /** network -> earliest event time it was seen for this user. */
  networkFirstSeen: Map<string, number>;
  /** `${window}@${start}` -> open window. */
  windows: Map<string, WindowRecord>;
};

export type AccountState = {
  users: Map<string, UserRecord>;
  /** Highest event time seen per source: the watermark is the lowest of the active ones. */
  sourceWatermarks: Map<string, number>;
  /** Events that arrived after their window had closed (still in history and the events table). */
  lateEvents: number;
  /** Alerts raised since the last collection. */
  pendingAlerts: AlertRow[];
};

export function createAccountState(): AccountState {
  return { users: new Map(), sourceWatermarks: new Map(), lateEvents: 0, pendingAlerts: [] };
}

export function windowKey(window: string, start: number): string {
  return `${window}@${start}`;
}
