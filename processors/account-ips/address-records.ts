import type { AsnInfo } from "./asn-database.js";
import type { AddressNetworks } from "./ip-networks.js";
import { grownRows } from "./table-capacity.js";

/** Where an address is: its networks, ASN and country (shared by every record of that address). */
export type AddressLocation = AddressNetworks & AsnInfo;

/** The interned id of the empty country (unknown): the first one interned. */
export const NO_COUNTRY = 0;

/** A location's strings as interned ids. */
export type LocationIds = { network: number; network16: number; country: number };

/** The numbers of one record, at these offsets of its stretch of `AddressRecords` (104 bytes). */
export const RecordField = {
  firstSeen: 0,
  lastSeen: 1,
  logins: 2,
  failures: 3,
  firstOffset: 4,
  /** Interned id of the /24 (/48) network: windows count distinct networks by id. */
  network: 5,
  /** 1 while waiting in the dirty list. */
  dirty: 6,
  user: 7,
  /** Interned id of the /16 (/32) network. */
  network16: 8,
  /** Interned id of the country. */
  country: 9,
  asn: 10,
  /** 1 when the address lies in an allowlisted network: it never counts towards a window. */
  allowlisted: 11,
  /**
   * The entry of the (user, network) sighting in `NetworkSightings` (-1 until looked up): a window's
   * description reads when a network was first seen from here, not through a hash table.
   */
  sighting: 12,
} as const;
type Field = (typeof RecordField)[keyof typeof RecordField];
const STRIDE = 13;

/**
 * Every (user, address) record, each a stretch of numbers in one typed array
 * indexed by a record id: first and last seen, logins, failures, first
 * offset, network ids, ASN. Records live as long as the processor (memory
 * follows users × their addresses, not lines); a login touches one record's
 * stretch instead of an object graph.
 */
export class AddressRecords {
  count = 0;
  private data = new Float64Array(0);
  readonly ip: string[] = [];
  readonly location: AddressLocation[] = [];

  field(record: number, field: Field): number {
    return this.data[record * STRIDE + field] as number;
  }

  /**
   * The record's /24 (/48) network id as a small integer, as every other id is passed: read from the
   * Float64Array as a double, it made V8 throw away code compiled for small integers and compile it again.
   */
  network(record: number): number {
    return (this.data[record * STRIDE + RecordField.network] as number) | 0;
  }

  setField(record: number, field: Field, value: number): void {
    this.data[record * STRIDE + field] = value;
  }

  add(
    user: number,
    ip: string,
    location: AddressLocation,
    ids: LocationIds,
    allowlisted: boolean,
    ts: number,
    offset: number,
  ): number {
    const record = this.count;
    this.data = grownRows(this.data, STRIDE, record + 1);
    this.count = record + 1;
    const base = record * STRIDE;
    const data = this.data;
    data[base + RecordField.firstSeen] = ts;
    data[base + RecordField.lastSeen] = ts;
    data[base + RecordField.logins] = 0;
    data[base + RecordField.failures] = 0;
    data[base + RecordField.firstOffset] = offset;
    data[base + RecordField.network] = ids.network;
    data[base + RecordField.dirty] = 0;
    data[base + RecordField.user] = user;
    data[base + RecordField.network16] = ids.network16;
    data[base + RecordField.country] = ids.country;
    data[base + RecordField.asn] = location.asn;
    data[base + RecordField.allowlisted] = allowlisted ? 1 : 0;
    data[base + RecordField.sighting] = -1;
    this.ip.push(ip);
    this.location.push(location);
    return record;
  }

  /** Counts one login (hot path): first and last seen, first offset, logins or failures. True when it lowered the first sighting. */
  countLogin(record: number, ts: number, success: boolean, offset: number): boolean {
    const data = this.data;
    const base = record * STRIDE;
    let earlier = false;
    if (ts < (data[base + RecordField.firstSeen] as number)) {
      data[base + RecordField.firstSeen] = ts;
      earlier = true;
    }
    if (ts > (data[base + RecordField.lastSeen] as number)) data[base + RecordField.lastSeen] = ts;
    if (offset < (data[base + RecordField.firstOffset] as number)) data[base + RecordField.firstOffset] = offset;
    if (success) data[base + RecordField.logins] = (data[base + RecordField.logins] as number) + 1;
    else data[base + RecordField.failures] = (data[base + RecordField.failures] as number) + 1;
    return earlier;
  }
}
