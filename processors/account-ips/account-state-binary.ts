import { endianness } from "node:os";
import { z } from "zod";
import type { AccountState } from "./account-state.js";
import { flushSourceWatermark } from "./account-state.js";
import type { AddressLocation } from "./address-records.js";
import { RecordField } from "./address-records.js";
import { networksOf } from "./ip-networks.js";
import { ipv4Number, ipv4Text } from "./ipv4-number.js";
import { NetworkKeys } from "./network-keys.js";
import { WindowField } from "./open-windows.js";
import type { StateSnapshot } from "./state-snapshot.js";

/**
 * The aggregation's state in a binary form (docs/tables.md, "The state file"): the numbers of every
 * record, network sighting and open window straight from the state's typed arrays, the few strings
 * that are not numbers once in a JSON header. It describes exactly what `snapshotState` describes
 * (`decodeAccountState` gives that snapshot back) in a few milliseconds: the JSON snapshot of 20,000
 * accounts took 0.2 s of the main thread at every save, formatting every number.
 *
 * Layout: the 16 bytes `VIGIL-ACCOUNTS-1`, the header's byte length (uint32 LE), 4 zero bytes, the
 * header (UTF-8 JSON, `AccountStateHeader`), zero bytes up to a multiple of 8, then four sections of
 * little-endian float64:
 * - records, `RECORD_NUMBERS` each: user, first seen, last seen, logins, failures, first offset, the
 *   address (an IPv4 address as its 32-bit number; -1-i for the header's `otherIps[i]`), its AS (an
 *   index into `ases`) and its networks (-1: an IPv4 address's /24 and /16, which its address gives,
 *   as `networksOf` writes them; i >= 0: the header's `otherNetworks[i]`);
 * - sightings, `SIGHTING_NUMBERS` each: user, network (>= 0: an IPv4 /24 as its address >> 8; -1-i:
 *   the header's `networkNames[i]`), first seen;
 * - windows, `WINDOW_NUMBERS` each: user, configured window, start, end, logins, failures, first
 *   login, last login, events, alert level, events when last written, addresses; per user and
 *   configured window, oldest first;
 * - the windows' addresses, one after the other (record indexes).
 */
const MAGIC = "VIGIL-ACCOUNTS-1";
const PREFIX_BYTES = 24;
const RECORD_NUMBERS = 9;
const SIGHTING_NUMBERS = 3;
const WINDOW_NUMBERS = 12;
/** A record's networks given by its IPv4 address. */
const IPV4_NETWORKS = -1;

const AccountStateHeaderSchema = z
  .object({
    sources: z.array(z.tuple([z.string(), z.number()])),
    finished: z.array(z.string()),
    lateEvents: z.number(),
    windowNames: z.array(z.string()),
    users: z.array(z.string()),
    /** Addresses that are not IPv4 dotted quads. */
    otherIps: z.array(z.string()),
    /** [asn, AS name, country] */
    ases: z.array(z.tuple([z.number(), z.string(), z.string()])),
    /** [network, network16] of addresses that are not IPv4. */
    otherNetworks: z.array(z.tuple([z.string(), z.string()])),
    /** Sighted networks that are not IPv4 /24s. */
    networkNames: z.array(z.string()),
    records: z.number().int().nonnegative(),
    sightings: z.number().int().nonnegative(),
    windows: z.number().int().nonnegative(),
    windowAddresses: z.number().int().nonnegative(),
  })
  .strict();
type AccountStateHeader = z.infer<typeof AccountStateHeaderSchema>;

/** The encoded state: parts to write one after the other (`bytes` in all). */
export type EncodedAccountState = { parts: Uint8Array[]; bytes: number };

export function encodeAccountState(state: AccountState, finished: Iterable<string>): EncodedAccountState {
  assertLittleEndian();
  flushSourceWatermark(state);
  const { records, windows, networkSightings: sightings } = state;
  const ases = new AsTable();
  const otherIps: string[] = [];
  const otherNetworks: AccountStateHeader["otherNetworks"] = [];
  const recordNumbers = new Float64Array(records.count * RECORD_NUMBERS);
  for (let record = 0, at = 0; record < records.count; record++, at += RECORD_NUMBERS) {
    const location = records.location[record] as AddressLocation;
    const ip = records.ip[record] as string;
    let address = ipv4Number(ip);
    let networks = IPV4_NETWORKS;
    if (address < 0) {
      address = -1 - otherIps.length;
      otherIps.push(ip);
      networks = otherNetworks.length;
      otherNetworks.push([location.network, location.network16]);
    }
    recordNumbers[at] = records.field(record, RecordField.user);
    recordNumbers[at + 1] = records.field(record, RecordField.firstSeen);
    recordNumbers[at + 2] = records.field(record, RecordField.lastSeen);
    recordNumbers[at + 3] = records.field(record, RecordField.logins);
    recordNumbers[at + 4] = records.field(record, RecordField.failures);
    recordNumbers[at + 5] = records.field(record, RecordField.firstOffset);
    recordNumbers[at + 6] = address;
    recordNumbers[at + 7] = ases.index(location);
    recordNumbers[at + 8] = networks;
  }
  const sightingNumbers = new Float64Array(sightings.count * SIGHTING_NUMBERS);
  const networkNames: string[] = [];
  const networkIndex = new Map<number, number>();
  for (let entry = 0, at = 0; entry < sightings.count; entry++, at += SIGHTING_NUMBERS) {
    let network = sightings.network[entry] as number;
    if (network < 0) {
      // Not IPv4: named in the header (the state numbers such networks in the order it met them).
      let index = networkIndex.get(network);
      if (index === undefined) {
        index = networkNames.length;
        networkIndex.set(network, index);
        networkNames.push(state.networkKeys.networkName(network));
      }
      network = -1 - index;
    }
    sightingNumbers[at] = sightings.user[entry] as number;
    sightingNumbers[at + 1] = network;
    sightingNumbers[at + 2] = sightings.firstSeen[entry] as number;
  }
  // Sized by the open windows' count (grown if the lists held more: a save never fails on it).
  let windowNumbers = new Float64Array(windows.openCount * WINDOW_NUMBERS);
  const windowAddresses: number[] = [];
  let at = 0;
  for (let user = 0; user < state.userNames.length; user++) {
    for (let spec = 0; spec < state.windowCount; spec++) {
      for (const slot of windows.windowsOf(user * state.windowCount + spec)) {
        if (at === windowNumbers.length) {
          const grown = new Float64Array(Math.max(windowNumbers.length * 2, 64 * WINDOW_NUMBERS));
          grown.set(windowNumbers);
          windowNumbers = grown;
        }
        const addresses = windows.field(slot, WindowField.addresses);
        windowNumbers[at] = user;
        windowNumbers[at + 1] = spec;
        windowNumbers[at + 2] = windows.field(slot, WindowField.start);
        windowNumbers[at + 3] = windows.field(slot, WindowField.end);
        windowNumbers[at + 4] = windows.field(slot, WindowField.logins);
        windowNumbers[at + 5] = windows.field(slot, WindowField.failures);
        windowNumbers[at + 6] = windows.field(slot, WindowField.firstLogin);
        windowNumbers[at + 7] = windows.field(slot, WindowField.lastLogin);
        windowNumbers[at + 8] = windows.field(slot, WindowField.events);
        windowNumbers[at + 9] = windows.field(slot, WindowField.alertedLevel);
        windowNumbers[at + 10] = windows.field(slot, WindowField.emittedEvents);
        windowNumbers[at + 11] = addresses;
        at += WINDOW_NUMBERS;
        for (let index = 0; index < addresses; index++) windowAddresses.push(windows.addressAt(slot, index));
      }
    }
  }
  const windowCount = at / WINDOW_NUMBERS;
  const header: AccountStateHeader = {
    sources: [...state.sourceWatermarks.entries()],
    finished: [...finished],
    lateEvents: state.lateEvents,
    windowNames: [...state.windowNames],
    users: state.userNames,
    otherIps,
    ases: ases.rows,
    otherNetworks,
    networkNames,
    records: records.count,
    sightings: sightings.count,
    windows: windowCount,
    windowAddresses: windowAddresses.length,
  };
  const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix.write(MAGIC, 0, "latin1");
  prefix.writeUInt32LE(headerBytes.length, MAGIC.length);
  const padding = new Uint8Array((8 - ((PREFIX_BYTES + headerBytes.length) % 8)) % 8);
  const sections = [recordNumbers, sightingNumbers, windowNumbers.subarray(0, at), Float64Array.from(windowAddresses)];
  const parts: Uint8Array[] = [prefix, headerBytes, padding];
  for (const section of sections) parts.push(new Uint8Array(section.buffer, section.byteOffset, section.byteLength));
  return { parts, bytes: parts.reduce((sum, part) => sum + part.byteLength, 0) };
}

/** The distinct (asn, AS name, country) of the records, numbered as first met. */
class AsTable {
  readonly rows: AccountStateHeader["ases"] = [];
  /** asn -> the first row of it; an ASN met with another name or country goes to `others`. */
  private readonly byAsn = new Map<number, number>();
  private readonly others = new Map<string, number>();

  index(location: AddressLocation): number {
    const first = this.byAsn.get(location.asn);
    if (first !== undefined) {
      const row = this.rows[first] as AccountStateHeader["ases"][number];
      if (row[1] === location.asName && row[2] === location.country) return first;
      const key = `${location.asn}\n${location.asName}\n${location.country}`;
      let other = this.others.get(key);
      if (other === undefined) {
        other = this.add(location);
        this.others.set(key, other);
      }
      return other;
    }
    const added = this.add(location);
    this.byAsn.set(location.asn, added);
    return added;
  }

  private add(location: AddressLocation): number {
    this.rows.push([location.asn, location.asName, location.country]);
    return this.rows.length - 1;
  }
}

/** The snapshot an encoded state describes (the one `snapshotState` gave at its encoding); throws when damaged. */
export function decodeAccountState(bytes: Uint8Array): StateSnapshot {
  assertLittleEndian();
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data.length < PREFIX_BYTES || data.toString("latin1", 0, MAGIC.length) !== MAGIC)
    throw new Error(`not an account state (it does not start with ${MAGIC})`);
  const headerLength = data.readUInt32LE(MAGIC.length);
  if (PREFIX_BYTES + headerLength > data.length) throw new Error("the account state is cut short inside its header");
  const header = AccountStateHeaderSchema.parse(
    JSON.parse(data.toString("utf8", PREFIX_BYTES, PREFIX_BYTES + headerLength)),
  );
  let at = PREFIX_BYTES + headerLength;
  at += (8 - (at % 8)) % 8;
  const section = (count: number): Float64Array => {
    const byteLength = count * 8;
    if (at + byteLength > data.length) throw new Error("the account state is cut short");
    // Copied: the file's bytes need not be aligned for a Float64Array.
    const numbers = new Float64Array(count);
    new Uint8Array(numbers.buffer).set(data.subarray(at, at + byteLength));
    at += byteLength;
    return numbers;
  };
  const recordNumbers = section(header.records * RECORD_NUMBERS);
  const sightingNumbers = section(header.sightings * SIGHTING_NUMBERS);
  const windowNumbers = section(header.windows * WINDOW_NUMBERS);
  const windowAddresses = section(header.windowAddresses);
  if (at !== data.length) throw new Error(`the account state has ${data.length - at} bytes more than it describes`);

  const users: StateSnapshot["users"] = header.users.map((u) => ({ u, ips: [], nets: [], win: [] }));
  const userAt = (number: number): StateSnapshot["users"][number] => {
    const user = users[number];
    if (user === undefined) throw new Error(`the account state names user ${number} of ${users.length}`);
    return user;
  };
  const recordIps: string[] = [];
  for (let record = 0, base = 0; record < header.records; record++, base += RECORD_NUMBERS) {
    const address = recordNumbers[base + 6] as number;
    const ip = address >= 0 ? ipv4Text(address) : header.otherIps[-1 - address];
    const as = header.ases[recordNumbers[base + 7] as number];
    const networkIndex = recordNumbers[base + 8] as number;
    const networks: readonly [string, string] | undefined =
      networkIndex === IPV4_NETWORKS && ip !== undefined ? ipv4NetworkNames(ip) : header.otherNetworks[networkIndex];
    if (ip === undefined || as === undefined || networks === undefined)
      throw new Error(`record ${record} of the account state names an address, AS or network it does not hold`);
    recordIps.push(ip);
    userAt(recordNumbers[base] as number).ips.push([
      ip,
      recordNumbers[base + 1] as number,
      recordNumbers[base + 2] as number,
      recordNumbers[base + 3] as number,
      recordNumbers[base + 4] as number,
      recordNumbers[base + 5] as number,
      networks[0],
      networks[1],
      as[0],
      as[1],
      as[2],
    ]);
  }
  const ipv4Networks = new NetworkKeys();
  for (let base = 0; base < sightingNumbers.length; base += SIGHTING_NUMBERS) {
    const network = sightingNumbers[base + 1] as number;
    const name = network >= 0 ? ipv4Networks.networkName(network) : header.networkNames[-1 - network];
    if (name === undefined) throw new Error(`a sighting of the account state names no known network`);
    userAt(sightingNumbers[base] as number).nets.push([name, sightingNumbers[base + 2] as number]);
  }
  let address = 0;
  for (let base = 0; base < windowNumbers.length; base += WINDOW_NUMBERS) {
    const count = windowNumbers[base + 11] as number;
    const ips: string[] = [];
    for (let index = 0; index < count; index++, address++) {
      const ip = recordIps[windowAddresses[address] as number];
      if (ip === undefined) throw new Error("a window of the account state names no known record");
      ips.push(ip);
    }
    const first = windowNumbers[base + 6] as number;
    const last = windowNumbers[base + 7] as number;
    userAt(windowNumbers[base] as number).win.push({
      w: header.windowNames[windowNumbers[base + 1] as number] ?? "",
      s: windowNumbers[base + 2] as number,
      e: windowNumbers[base + 3] as number,
      ips,
      logins: windowNumbers[base + 4] as number,
      failures: windowNumbers[base + 5] as number,
      first: Number.isFinite(first) ? first : null,
      last: Number.isFinite(last) ? last : null,
      events: windowNumbers[base + 8] as number,
      alerted: windowNumbers[base + 9] as number,
      emitted: windowNumbers[base + 10] as number,
    });
  }
  if (address !== header.windowAddresses) throw new Error("the account state's windows and their addresses differ");
  return {
    version: 1,
    sources: header.sources,
    finished: header.finished,
    lateEvents: header.lateEvents,
    users,
  };
}

function ipv4NetworkNames(ip: string): readonly [string, string] {
  const networks = networksOf(ip);
  return [networks.network, networks.network16];
}

function assertLittleEndian(): void {
  if (endianness() !== "LE")
    throw new Error("the binary account state is written and read on little-endian machines only");
}
