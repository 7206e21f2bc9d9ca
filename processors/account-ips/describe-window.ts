import { hash } from "node:crypto";
import type { AccountIpsConfig } from "../../schemas/config.js";
import type { AccountState } from "./account-state.js";
import type { AddressLocation } from "./address-records.js";
import { NO_COUNTRY, RecordField } from "./address-records.js";
import { judgeWindow, NORMAL, type WindowCounts } from "./judge-window.js";
import { WINDOW_FIELDS, WindowField } from "./open-windows.js";
import type { AccountEvidence, AlertRow, WindowRow } from "./rows.js";
import {
  VERDICT_NUMBER,
  WINDOW_ROW_FIELDS,
  type WindowRowColumns,
  WindowRowField,
  windowRowOf,
} from "./window-row-columns.js";

export const COMPROMISED_ACCOUNT = "compromised-account";

/** What a window's addresses add up to: the counts it is judged by, and its /16s. */
type WindowShape = WindowCounts & { networks16: number };

/**
 * A window's row (counts, new networks, verdict and level) under the configured thresholds: as numbers
 * appended to a collection's rows (`into`), or as an object (`row`, for an alert's evidence).
 */
export type DescribeWindow = {
  into(state: AccountState, slot: number, rows: WindowRowColumns): void;
  row(state: AccountState, slot: number): WindowRow;
};

export function windowDescriber(config: AccountIpsConfig, allowlistedUser: (user: string) => boolean): DescribeWindow {
  // Per configured window (a window's `spec`): its thresholds, looked up once.
  const thresholds = config.windows.map((name) => config.thresholds[name]);
  /** Writes the window's row into `values` from `at` (WindowRowField offsets). */
  const describe = (state: AccountState, slot: number, values: Float64Array, at: number): void => {
    const windows = state.windows;
    // The window's numbers, read from one copy (no call, and no number boxed, per field).
    const fields = scratchFields;
    windows.copyFields(slot, fields);
    const spec = fields[WindowField.spec] as number;
    const userId = (fields[WindowField.user] as number) | 0;
    const threshold = thresholds[spec];
    const networks = fields[WindowField.networks] as number;
    const addresses = fields[WindowField.addresses] as number;
    const shape = windowShape(state, slot, networks, addresses, config.roaming);
    const judgement =
      threshold === undefined
        ? NORMAL
        : judgeWindow(shape, threshold, config.roaming, allowlistedUser(state.userNames[userId] as string));
    const start = fields[WindowField.start] as number;
    const end = fields[WindowField.end] as number;
    const newNetworks = countNewNetworks(state, slot, userId, networks, addresses, start, end);
    const firstLogin = fields[WindowField.firstLogin] as number;
    const lastLogin = fields[WindowField.lastLogin] as number;
    values[at + WindowRowField.user] = userId;
    values[at + WindowRowField.spec] = spec;
    values[at + WindowRowField.start] = start;
    values[at + WindowRowField.end] = end;
    values[at + WindowRowField.ips] = addresses;
    values[at + WindowRowField.networks] = networks;
    values[at + WindowRowField.networks16] = shape.networks16;
    values[at + WindowRowField.asns] = shape.asns;
    values[at + WindowRowField.countries] = shape.countries;
    values[at + WindowRowField.logins] = fields[WindowField.logins] as number;
    values[at + WindowRowField.failures] = fields[WindowField.failures] as number;
    values[at + WindowRowField.newNetworks] = newNetworks;
    values[at + WindowRowField.firstLogin] = Number.isFinite(firstLogin) ? firstLogin : start;
    values[at + WindowRowField.lastLogin] = Number.isFinite(lastLogin) ? lastLogin : start;
    values[at + WindowRowField.verdict] = VERDICT_NUMBER[judgement.verdict];
    values[at + WindowRowField.level] = judgement.level;
    values[at + WindowRowField.version] = windowVersion(fields[WindowField.events] as number, networks, newNetworks);
  };
  return {
    into(state, slot, rows) {
      const at = rows.addRow();
      describe(state, slot, rows.values, at);
    },
    row(state, slot) {
      describe(state, slot, scratchRow, 0);
      return windowRowOf(scratchRow, 0, state.userNames, config.windows);
    },
  };
}
const scratchFields = new Float64Array(WINDOW_FIELDS);
const scratchRow = new Float64Array(WINDOW_ROW_FIELDS);

/**
 * A window row's version (`ReplacingMergeTree` keeps the highest): it grows with the events folded into
 * the window and, for the same events, with how many of its networks are known to have been seen before
 * it. A late line from another source can show that a network counted as new was seen earlier; the row
 * written then has the same events, and must still win over the earlier one, whatever order the two
 * reach the store in (two workers around a rebalance). Same events and same knowledge: the same row.
 */
export function windowVersion(events: number, networks: number, newNetworks: number): number {
  return events * KNOWN_NETWORKS_RANGE + Math.min(networks - newNetworks, KNOWN_NETWORKS_RANGE - 1);
}
const KNOWN_NETWORKS_RANGE = 2 ** 21;

/**
 * How many of a window's distinct networks its user first saw inside [start, end). A window held inline
 * (most) reads each network's first sighting through the entry kept in one of its records (found by hash
 * once per record, then kept: the records are read for the window's shape anyway); a larger one looks
 * each network up.
 */
function countNewNetworks(
  state: AccountState,
  slot: number,
  user: number,
  networks: number,
  addresses: number,
  start: number,
  end: number,
): number {
  const windows = state.windows;
  const sightings = state.networkSightings;
  let count = 0;
  if (!windows.holdsInline(slot)) {
    for (let index = 0; index < networks; index++)
      if (sightings.firstSeenWithin(user, windows.distinctNetworkAt(slot, index), start, end)) count += 1;
    return count;
  }
  const records = state.records;
  for (let at = 0; at < addresses; at++) {
    if (!windows.firstOfItsNetwork(slot, at)) continue;
    const record = windows.addressAt(slot, at);
    let entry = records.field(record, RecordField.sighting);
    if (entry < 0) {
      entry = sightings.entryOf(user, records.network(record));
      records.setField(record, RecordField.sighting, entry);
    }
    if (sightings.entryFirstSeenWithin(entry, start, end)) count += 1;
  }
  return count;
}

/**
 * ASNs (unknown ones not counted), countries and /16s of a window's addresses,
 * and how many addresses lie outside its largest ASNs and countries; derived
 * from the address records each time (into one reused object: read it before
 * the next call).
 */
function windowShape(
  state: AccountState,
  slot: number,
  networks: number,
  addresses: number,
  roaming: AccountIpsConfig["roaming"],
): WindowShape {
  const windows = state.windows;
  const records = state.records;
  const shape = scratchShape;
  shape.networks = networks;
  if (addresses === 1) {
    const record = windows.addressAt(slot, 0);
    shape.asns = records.field(record, RecordField.asn) === 0 ? 0 : 1;
    shape.countries = records.field(record, RecordField.country) === NO_COUNTRY ? 0 : 1;
    shape.networks16 = 1;
    shape.outsideTopAsns = roaming.maxAsns >= 1 ? 0 : 1;
    shape.outsideTopCountries = roaming.maxCountries >= 1 || shape.countries === 0 ? 0 : 1;
    return shape;
  }
  const asns = scratchAsns.reset();
  const countries = scratchCountries.reset();
  const networks16 = scratchNetworks16.reset();
  for (let index = 0; index < addresses; index++) {
    const record = windows.addressAt(slot, index);
    asns.add(records.field(record, RecordField.asn));
    const country = records.field(record, RecordField.country);
    if (country !== NO_COUNTRY) countries.add(country);
    networks16.add(records.field(record, RecordField.network16));
  }
  shape.asns = asns.size() - (asns.has(0) ? 1 : 0);
  shape.countries = countries.size();
  shape.networks16 = networks16.size();
  shape.outsideTopAsns = asns.outsideTop(roaming.maxAsns);
  shape.outsideTopCountries = countries.outsideTop(roaming.maxCountries);
  return shape;
}

/**
 * The alert for a window that just reached a new level, with the evidence as
 * it stood at the login that crossed it (so the alert is the same however the
 * lines were batched).
 */
export function alertFor(row: WindowRow, state: AccountState, slot: number, firedAt: number): AlertRow {
  const windows = state.windows;
  const byAsn = new Map<number, { asn: number; name: string; ips: number }>();
  const countries = new Set<string>();
  const addresses = windows.field(slot, WindowField.addresses);
  for (let index = 0; index < addresses; index++) {
    const location = state.records.location[windows.addressAt(slot, index)] as AddressLocation;
    const entry = byAsn.get(location.asn) ?? { asn: location.asn, name: location.asName, ips: 0 };
    entry.ips += 1;
    byAsn.set(location.asn, entry);
    if (location.country !== "") countries.add(location.country);
  }
  const topAsns = [...byAsn.values()].sort((a, b) => b.ips - a.ips || a.asn - b.asn).slice(0, 10);
  const evidence: AccountEvidence = {
    ips: row.ips,
    networks: row.networks,
    networks16: row.networks16,
    asns: row.asns,
    countries: row.countries,
    logins: row.logins,
    failures: row.failures,
    new_networks: row.new_networks,
    first_login: new Date(row.first_login).toISOString(),
    last_login: new Date(row.last_login).toISOString(),
    top_asns: topAsns,
    country_codes: [...countries].sort(),
    sample_networks: windows
      .networkIds(slot)
      .slice(0, 20)
      .map((network) => state.networkKeys.networkName(network)),
  };
  const verdictWords = row.verdict === "likely-compromise" ? "likely compromised" : "suspicious";
  return {
    // One-shot hash (Node >= 20.12): a hash object per alert cost about 13 µs.
    alert_id: hash("sha1", `${COMPROMISED_ACCOUNT}\n${row.user}\n${row.window}\n${row.window_start}`, "hex").slice(
      0,
      16,
    ),
    kind: COMPROMISED_ACCOUNT,
    subject: row.user,
    window: row.window,
    window_start: row.window_start,
    window_end: row.window_end,
    level: row.level,
    verdict: row.verdict,
    summary:
      `${row.user} is ${verdictWords}: logins from ${row.networks} networks, ${row.asns} ASNs, ` +
      `${row.countries} countries (${evidence.country_codes.join(" ")}) within ${row.window}, since ${evidence.first_login}`,
    evidence: JSON.stringify(evidence),
    fired_at: firedAt,
  };
}

/**
 * Distinct numbers and how many times each was added; fixed arrays while few (most windows hold one to
 * three addresses), a Map past that. Reused from one window to the next (`reset`): no allocation per window.
 */
class GroupCounts {
  private readonly keys = new Float64Array(GROUPS_INLINE);
  private readonly counts: number[] = new Array<number>(GROUPS_INLINE).fill(0);
  private length = 0;
  private map: Map<number, number> | null = null;

  reset(): this {
    this.length = 0;
    this.map = null;
    return this;
  }

  add(key: number): void {
    if (this.map !== null) {
      this.map.set(key, (this.map.get(key) ?? 0) + 1);
      return;
    }
    for (let index = 0; index < this.length; index++) {
      if (this.keys[index] === key) {
        this.counts[index] = (this.counts[index] as number) + 1;
        return;
      }
    }
    if (this.length === GROUPS_INLINE) {
      this.map = new Map();
      for (let index = 0; index < this.length; index++)
        this.map.set(this.keys[index] as number, this.counts[index] as number);
      this.map.set(key, 1);
      return;
    }
    this.keys[this.length] = key;
    this.counts[this.length] = 1;
    this.length += 1;
  }

  has(key: number): boolean {
    if (this.map !== null) return this.map.has(key);
    for (let index = 0; index < this.length; index++) if (this.keys[index] === key) return true;
    return false;
  }

  size(): number {
    return this.map !== null ? this.map.size : this.length;
  }

  /** Members outside the `keep` largest groups. */
  outsideTop(keep: number): number {
    if (this.map !== null) return outsideTop([...this.map.values()], keep);
    return outsideTop(this.counts, keep, this.length);
  }
}
const GROUPS_INLINE = 16;

const scratchShape: WindowShape = {
  networks: 0,
  asns: 0,
  countries: 0,
  networks16: 0,
  outsideTopAsns: 0,
  outsideTopCountries: 0,
};
const scratchAsns = new GroupCounts();
const scratchCountries = new GroupCounts();
const scratchNetworks16 = new GroupCounts();

/** Addresses outside the `keep` largest of the first `length` groups (their sizes taken out one by one: no sorted copy). */
export function outsideTop(groupSizes: number[], keep: number, length = groupSizes.length): number {
  if (length <= keep) return 0;
  let total = 0;
  for (let index = 0; index < length; index++) total += groupSizes[index] as number;
  // The largest `keep` sizes, each found by a pass and then set aside (negated, restored below).
  for (let taken = 0; taken < keep; taken++) {
    let largest = -1;
    for (let index = 0; index < length; index++) {
      const size = groupSizes[index] as number;
      if (size > 0 && (largest < 0 || size > (groupSizes[largest] as number))) largest = index;
    }
    total -= groupSizes[largest] as number;
    groupSizes[largest] = -(groupSizes[largest] as number);
  }
  for (let index = 0; index < length; index++)
    if ((groupSizes[index] as number) < 0) groupSizes[index] = -(groupSizes[index] as number);
  return total;
}
