import { randomUUID } from "node:crypto";
import type { ParsedMailAuth } from "../../schemas/mail-auth-event.js";
import type { AddressLocation } from "../account-ips/address-records.js";
import { ipv4Number } from "../account-ips/ipv4-number.js";
import { encodeUnparsedRow } from "../mail-event-rows.js";
import type { FieldMapConstants, MailChunkSink } from "../parse/mail-line-parser.js";
import { appendLocation, emptyLocationColumns } from "./address-location-columns.js";
import { emptyColumn } from "./empty-column.js";
import {
  FIRST_NEW_ADDRESS,
  FIRST_NEW_PAIR,
  FIRST_SIGHT_FIELDS,
  FieldMapScanner,
  FirstSight,
} from "./field-map-scanner.js";
import { NativeEventRows } from "./native-event-rows.js";
import type { ParsedMailChunk } from "./parsed-mail-chunk.js";

/**
 * Events the columns hold before they first grow: a 4 MiB chunk of mail log lines holds fewer, so they
 * never grow in the middle of an import (growing first late made V8 compile the parsing code again).
 */
const FIRST_CAPACITY = 1 << 15;

/**
 * Collects one chunk's parse results (a MailChunkSink) as a ParsedMailChunk:
 * columns for the aggregation, encoded rows for the store. Reused chunk after
 * chunk; `take` hands the arrays over and starts afresh.
 *
 * A field-map line whose raw user and address bytes were met before (the
 * common case: an account logs in again) takes the fast path, `rawEvent`: its
 * pair number and its encoded user, raw user and address come from the raw
 * bytes, and no string or event object is made for it. Most such lines never
 * reach TypeScript one by one: the scan kernel finds them and `rawEvents`
 * takes them in runs.
 */
export class ParsedMailChunkBuilder implements MailChunkSink {
  private events = 0;
  private skippedLines = 0;
  private unparsedLines = 0;
  private ts = new Float64Array(FIRST_CAPACITY);
  private offsets = new Float64Array(FIRST_CAPACITY);
  private success = new Uint8Array(FIRST_CAPACITY);
  private pairs = new Int32Array(FIRST_CAPACITY);
  /**
   * The scan kernel: its raw-bytes table numbers field-map lines' pair spellings, and its tables number
   * users, addresses and (user, address) pairs (bounded by users × their addresses, like the aggregation's
   * own state), for the lines it reads and for those read here alike.
   */
  readonly fieldMapScanner = new FieldMapScanner();
  private readonly rawPairs = this.fieldMapScanner;
  private readonly numbering = randomUUID();
  private nextPair = 0;
  private firstNewPair = 0;
  /** Addresses other than IPv4 -> their numbers; bounded by the addresses of the pairs. */
  private readonly otherAddressNumbers = new Map<string, number>();
  private addressCount = 0;
  private firstNewAddress = 0;
  /** What the chunk being built met first: its new pairs' names, new addresses and unparsed lines. */
  private firsts = emptyChunkFirsts();

  constructor(private readonly locate: (ip: string) => AddressLocation) {
    this.fieldMapScanner.onFirstSights = (sights, count, chunk) => this.learnFirstSights(sights, count, chunk);
  }
  private readonly rows = new NativeEventRows();
  private source = { sourceId: "", path: "" };
  private encodeRows = true;

  /** Starts a chunk; `encodeRows: false` skips the events' rows (measuring the aggregation alone). */
  begin(sourceId: string, path: string, encodeRows: boolean): void {
    this.source = { sourceId, path };
    this.encodeRows = encodeRows;
  }

  rawEvent(
    data: Buffer,
    spans: readonly number[],
    ts: number,
    host: string,
    offset: number,
    constants: FieldMapConstants,
  ): boolean {
    const entry = this.rawPairs.find(
      data,
      spans[0] as number,
      spans[1] as number,
      spans[2] as number,
      spans[3] as number,
    );
    // Rows wanted but this spelling's names not encoded yet (met while no rows were wanted): the slow path.
    if (entry < 0 || (this.encodeRows && !this.named(entry))) return false;
    const index = this.events;
    if (index === this.ts.length) this.grow();
    this.ts[index] = ts;
    this.offsets[index] = offset;
    this.success[index] = constants.success ? 1 : 0;
    this.pairs[index] = this.rawPairs.pairOf(entry);
    if (this.encodeRows) this.rows.addEncoded(ts, host, constants, entry, this.source.sourceId, offset);
    this.events = index + 1;
    return true;
  }

  rawEvents(
    lineStarts: Uint32Array,
    entries: Int32Array,
    from: number,
    end: number,
    startOffset: number,
    ts: number,
    host: string,
    constants: FieldMapConstants,
  ): number {
    // The run this sink can take: rows wanted but a spelling's names not encoded yet stops it.
    let to = from;
    if (this.encodeRows) while (to < end && this.named(entries[to] as number)) to++;
    else to = end;
    const count = to - from;
    if (count === 0) return 0;
    while (this.events + count > this.ts.length) this.grow();
    const first = this.events;
    this.ts.fill(ts, first, first + count);
    this.success.fill(constants.success ? 1 : 0, first, first + count);
    const pairs = this.rawPairs;
    for (let index = from, at = first; index < to; index++, at++) {
      this.offsets[at] = startOffset + (lineStarts[index] as number);
      this.pairs[at] = pairs.pairOf(entries[index] as number);
    }
    if (this.encodeRows)
      this.rows.addEncodedRun(ts, host, constants, entries, lineStarts, from, count, this.source.sourceId, startOffset);
    this.events = first + count;
    return count;
  }

  event(event: ParsedMailAuth, offset: number, data?: Buffer, spans?: readonly number[]): void {
    const index = this.events;
    if (index === this.ts.length) this.grow();
    this.ts[index] = event.ts;
    this.offsets[index] = offset;
    this.success[index] = event.success ? 1 : 0;
    // A field-map line's raw fields find a pair met before without a string look-up.
    const raw = data !== undefined && spans !== undefined;
    let entry = raw ? this.rawPairs.find(data, spans[0] ?? 0, spans[1] ?? 0, spans[2] ?? 0, spans[3] ?? 0) : -1;
    let pair: number;
    if (entry >= 0) pair = this.rawPairs.pairOf(entry);
    else {
      pair = this.pairNumber(event);
      if (raw) entry = this.rawPairs.add(data, spans[0] ?? 0, spans[1] ?? 0, spans[2] ?? 0, spans[3] ?? 0, pair);
    }
    // The names are encoded once, and only when rows are wanted (measuring the aggregation alone wants none).
    if (entry >= 0 && this.encodeRows && !this.named(entry))
      this.rows.names.nameEntry(entry, event.user, event.user_raw, event.ip);
    this.pairs[index] = pair;
    if (this.encodeRows) {
      // A field map's event is written by its entry, whose names are stored; another format's with its own.
      if (entry >= 0) this.rows.addEncoded(event.ts, event.host, event, entry, this.source.sourceId, offset);
      else this.rows.add(event, this.source.sourceId, offset);
    }
    this.events = index + 1;
  }

  /** True when the raw entry's names are stored (the fast path writes rows by entry). */
  private named(entry: number): boolean {
    return this.rows.names.isNamed(entry);
  }

  /** The number of the event's (user, address) pair, numbering it when new. */
  private pairNumber(event: ParsedMailAuth): number {
    const numbers = this.fieldMapScanner;
    const user = numbers.userNumber(event.user);
    const address = this.addressNumber(event.ip);
    const pair = numbers.pairNumber(user, address);
    if (numbers.lastWasNew) this.newPair(event.user, address);
    return pair;
  }

  private addressNumber(ip: string): number {
    const ipv4 = ipv4Number(ip);
    if (ipv4 >= 0) {
      const number = this.fieldMapScanner.ipv4AddressNumber(ipv4);
      if (this.fieldMapScanner.lastWasNew) this.newAddress(ip);
      return number;
    }
    const known = this.otherAddressNumbers.get(ip);
    if (known !== undefined) return known;
    const number = this.fieldMapScanner.otherAddressNumber();
    this.otherAddressNumbers.set(ip, number);
    this.newAddress(ip);
    return number;
  }

  private newPair(user: string, address: number): void {
    this.nextPair += 1;
    this.firsts.newPairUsers.push(user);
    this.firsts.newPairAddresses.push(address);
  }

  private newAddress(ip: string): void {
    this.addressCount += 1;
    this.firsts.newAddresses.push(ip);
    appendLocation(this.firsts.newAddressLocations, this.locate(ip));
  }

  /**
   * The pairs the kernel met first in its last scan, in line order (their users plain ASCII, their addresses
   * plain dotted quads: each name is its bytes, the user's in lower case): what is new about them goes
   * into this chunk's lists as the TypeScript path above would put it, and, when rows are wanted, the
   * entry's names are stored.
   */
  private learnFirstSights(sights: Uint32Array, count: number, chunk: Uint8Array): void {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let index = 0; index < count; index++) {
      const at = index * FIRST_SIGHT_FIELDS;
      const news = sights[at + FirstSight.news] as number;
      const ip = (news & FIRST_NEW_ADDRESS) !== 0 || this.encodeRows ? addressOf(bytes, sights, at) : "";
      if ((news & FIRST_NEW_ADDRESS) !== 0) this.newAddress(ip);
      const rawUser = (news & FIRST_NEW_PAIR) !== 0 || this.encodeRows ? rawUserOf(bytes, sights, at) : "";
      const user = rawUser.toLowerCase();
      if ((news & FIRST_NEW_PAIR) !== 0) this.newPair(user, sights[at + FirstSight.address] as number);
      if (this.encodeRows) this.rows.names.nameEntry(sights[at + FirstSight.entry] as number, user, rawUser, ip);
    }
  }

  unparsed(line: Buffer, offset: number, reason: string): void {
    this.firsts.unparsedRows.push(encodeUnparsedRow(line, offset, reason, this.source));
    this.unparsedLines += 1;
  }

  skipped(count: number): void {
    this.skippedLines += count;
  }

  take(startOffset: number, endOffset: number): ParsedMailChunk {
    const events = this.events;
    const chunk: ParsedMailChunk = {
      sourceId: this.source.sourceId,
      startOffset,
      endOffset,
      lines: events + this.skippedLines + this.unparsedLines,
      events,
      skipped: this.skippedLines,
      unparsed: this.unparsedLines,
      numbering: this.numbering,
      ts: this.ts.slice(0, events),
      offsets: this.offsets.slice(0, events),
      success: this.success.slice(0, events),
      pairs: this.pairs.slice(0, events),
      firstNewPair: this.firstNewPair,
      ...this.firsts,
      firstNewAddress: this.firstNewAddress,
      eventRows: this.encodeRows ? this.rows.take() : new Uint8Array(0),
    };
    this.events = 0;
    this.skippedLines = 0;
    this.unparsedLines = 0;
    this.firstNewPair = this.nextPair;
    this.firstNewAddress = this.addressCount;
    this.firsts = emptyChunkFirsts();
    return chunk;
  }

  private grow(): void {
    const capacity = this.ts.length * 2;
    const grown = <Column extends Float64Array | Uint8Array | Int32Array>(column: Column): Column => {
      const next = new (column.constructor as new (length: number) => Column)(capacity);
      next.set(column);
      return next;
    };
    this.ts = grown(this.ts);
    this.offsets = grown(this.offsets);
    this.success = grown(this.success);
    this.pairs = grown(this.pairs);
  }
}

/** The lists of a ParsedMailChunk that grow with what its chunk met first. */
type ChunkFirsts = Pick<
  ParsedMailChunk,
  "newPairUsers" | "newPairAddresses" | "newAddresses" | "newAddressLocations" | "unparsedRows"
>;

/** Fresh lists for the next chunk, each made in the element kind it will hold (`emptyColumn`). */
function emptyChunkFirsts(): ChunkFirsts {
  return {
    newPairUsers: emptyColumn(""),
    newPairAddresses: [],
    newAddresses: emptyColumn(""),
    newAddressLocations: emptyLocationColumns(),
    unparsedRows: emptyColumn(""),
  };
}

/** A first sight's address as written (a plain dotted quad: its canonical form). */
function addressOf(bytes: Buffer, sights: Uint32Array, at: number): string {
  return bytes.toString("latin1", sights[at + FirstSight.addressStart], sights[at + FirstSight.addressEnd]);
}

/** A first sight's user as written (printable ASCII). */
function rawUserOf(bytes: Buffer, sights: Uint32Array, at: number): string {
  return bytes.toString("latin1", sights[at + FirstSight.userStart], sights[at + FirstSight.userEnd]);
}
