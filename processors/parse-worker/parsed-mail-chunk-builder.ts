import { randomUUID } from "node:crypto";
import type { ParsedMailAuth } from "../../schemas/mail-auth-event.js";
import type { AddressLocation } from "../account-ips/address-records.js";
import { encodeEventRow, encodeUnparsedRow } from "../mail-rows.js";
import type { MailChunkSink } from "../parse/mail-line-parser.js";
import type { ParsedMailChunk } from "./parsed-mail-chunk.js";
import { RawPairCache } from "./raw-pair-cache.js";

/** Bytes appended to a buffer that doubles when full. */
class GrowingBytes {
  bytes: Buffer;
  used = 0;

  constructor(capacity: number) {
    this.bytes = Buffer.allocUnsafe(capacity);
  }

  /** Appends a string as UTF-8. */
  write(text: string): void {
    // Room for the worst case (3 bytes per UTF-16 unit) keeps this one write.
    if (this.used + text.length * 3 > this.bytes.length) this.grow(this.used + text.length * 3);
    this.used += this.bytes.write(text, this.used, "utf8");
  }

  /** The bytes written, in a buffer of their own (transferable). */
  take(): Uint8Array {
    const taken = new Uint8Array(this.used);
    taken.set(this.bytes.subarray(0, this.used));
    return taken;
  }

  private grow(needed: number): void {
    const grown = Buffer.allocUnsafe(Math.max(needed, this.bytes.length * 2));
    this.bytes.copy(grown, 0, 0, this.used);
    this.bytes = grown;
  }
}

/**
 * Collects one chunk's parse results (a MailChunkSink) as a ParsedMailChunk:
 * columns for the aggregation, encoded rows for the store. Reused chunk after
 * chunk; `take` hands the arrays over and starts afresh.
 */
export class ParsedMailChunkBuilder implements MailChunkSink {
  private events = 0;
  private skippedLines = 0;
  private unparsedLines = 0;
  private ts = new Float64Array(4096);
  private offsets = new Float64Array(4096);
  private success = new Uint8Array(4096);
  private pairs = new Int32Array(4096);
  /** user -> address -> pair number; bounded by users × their addresses, like the aggregation's own state. */
  private readonly pairNumbers = new Map<string, number>();
  private readonly rawPairs = new RawPairCache();
  private readonly numbering = randomUUID();
  private nextPair = 0;
  private firstNewPair = 0;
  private newPairUsers: string[] = [];
  private newPairAddresses: number[] = [];
  /** address -> its number; bounded by the addresses of the records above. */
  private readonly addressNumbers = new Map<string, number>();
  private firstNewAddress = 0;
  private newAddresses: string[] = [];
  private newAddressLocations: AddressLocation[] = [];

  constructor(private readonly locate: (ip: string) => AddressLocation) {}
  private unparsedRows: string[] = [];
  private readonly rows = new GrowingBytes(4 * 1024 * 1024);
  private source = { sourceId: "", path: "" };
  private encodeRows = true;

  /** Starts a chunk; `encodeRows: false` skips the events' rows (measuring the aggregation alone). */
  begin(sourceId: string, path: string, encodeRows: boolean): void {
    this.source = { sourceId, path };
    this.encodeRows = encodeRows;
  }

  event(event: ParsedMailAuth, offset: number, data?: Buffer, spans?: readonly number[]): void {
    const index = this.events;
    if (index === this.ts.length) this.grow();
    this.ts[index] = event.ts;
    this.offsets[index] = offset;
    this.success[index] = event.success ? 1 : 0;
    // A field-map line's raw fields find a pair met before without a string look-up.
    const raw = data !== undefined && spans !== undefined;
    let pair = raw ? this.rawPairs.find(data, spans[0] ?? 0, spans[1] ?? 0, spans[2] ?? 0, spans[3] ?? 0) : -1;
    if (pair < 0) {
      pair = this.pairNumber(event);
      if (raw) this.rawPairs.add(data, spans[0] ?? 0, spans[1] ?? 0, spans[2] ?? 0, spans[3] ?? 0, pair);
    }
    this.pairs[index] = pair;
    if (this.encodeRows) this.rows.write(`${encodeEventRow(event, this.source.sourceId, offset)}\n`);
    this.events = index + 1;
  }

  /** The number of the event's (user, address) pair, numbering it when new. */
  private pairNumber(event: ParsedMailAuth): number {
    const key = `${event.user}\n${event.ip}`;
    let pair = this.pairNumbers.get(key);
    if (pair === undefined) {
      pair = this.nextPair++;
      this.pairNumbers.set(key, pair);
      this.newPairUsers.push(event.user);
      this.newPairAddresses.push(this.addressNumber(event.ip));
    }
    return pair;
  }

  private addressNumber(ip: string): number {
    let number = this.addressNumbers.get(ip);
    if (number === undefined) {
      number = this.addressNumbers.size;
      this.addressNumbers.set(ip, number);
      this.newAddresses.push(ip);
      this.newAddressLocations.push(this.locate(ip));
    }
    return number;
  }

  unparsed(line: Buffer, offset: number, reason: string): void {
    this.unparsedRows.push(encodeUnparsedRow(line, offset, reason, this.source));
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
      newPairUsers: this.newPairUsers,
      newPairAddresses: this.newPairAddresses,
      firstNewAddress: this.firstNewAddress,
      newAddresses: this.newAddresses,
      newAddressLocations: this.newAddressLocations,
      eventRows: this.rows.take(),
      unparsedRows: this.unparsedRows,
    };
    this.events = 0;
    this.skippedLines = 0;
    this.unparsedLines = 0;
    this.firstNewPair = this.nextPair;
    this.newPairUsers = [];
    this.newPairAddresses = [];
    this.firstNewAddress = this.addressNumbers.size;
    this.newAddresses = [];
    this.newAddressLocations = [];
    this.unparsedRows = [];
    this.rows.used = 0;
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
