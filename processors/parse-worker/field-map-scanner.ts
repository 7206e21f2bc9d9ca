import { instantiateWasm } from "./wasm-module.js";

/**
 * The parse worker's scan kernel (processors/parse-worker/assembly/field-map-scan.ts,
 * compiled to WebAssembly with SIMD by `npm run build`), the raw-bytes pair
 * table it shares with the TypeScript parser, and the worker's numbering of
 * users, addresses and pairs (one numbering for the lines read by either).
 *
 * For a field-map chunk, `scan` walks the lines in WebAssembly, sixteen bytes
 * at a step: lines without the pattern are counted; a line whose header bytes
 * are those of the line read last, whose two fields are found and whose raw
 * user and address bytes were met before is emitted (`lineStarts`,
 * `entries`, and the second of its header's clock in `seconds`), with no
 * string or object made for it; a header that differs from the last one only
 * in its clock's seconds digits counts as known. A line of a pair spelling
 * never met, whose user is plain printable ASCII and whose address a plain
 * dotted quad, is numbered in the kernel and emitted too (`onFirstSights`
 * hears of it). It stops at any other line, for the parser to read in
 * TypeScript (a new header, other names, too few fields, a line too long or
 * unterminated).
 *
 * The table maps the raw bytes of a user field and an address field to an
 * entry (numbered from 0 in the order added) and each entry to a pair number:
 * the same raw bytes always name the same pair; two spellings of one pair
 * (`Ann` and `ann`) are two entries with one number. It lives in the
 * module's memory and grows with the distinct spellings, like the pairs.
 */
export class FieldMapScanner {
  private readonly kernel = instantiateWasm<KernelExports>("field-map-scan.wasm");
  private memory = Buffer.alloc(0);
  private chunkAt = 0;
  private chunkData: Uint8Array | null = null;
  private pattern = "";
  private userField = 0;
  private ipField = 0;
  /** Per entry: its pair number. */
  private pairs = new Int32Array(1024);
  /** Views of the kernel's output, made again only when its memory grew. */
  private outputs: EmittedLines = {
    lineStarts: new Uint32Array(0),
    entries: new Int32Array(0),
    seconds: new Uint8Array(0),
  };
  /** The addresses of the key being looked up (one array, reused). */
  private readonly key: KeyAddresses = [0, 0, 0, 0];
  /**
   * The last look-up of a key in the loaded chunk (its user start, address start, result): the sink asks
   * for a missed pair's entry twice (`rawEvent`, then `event` before adding it), answered once. Forgotten
   * at every call that reaches the kernel otherwise (a scan's own look-ups move the slot `add` fills).
   */
  private lastFind: { key: KeyAddresses; entry: number } = { key: [-1, -1, -1, -1], entry: -1 };

  /** Where `userNumber` writes a name in the module's memory, and how many bytes fit there. */
  private readonly userKey: { at: number; capacity: number };

  constructor() {
    this.kernel.init();
    this.userKey = { at: this.kernel.userKeyAddress(), capacity: this.kernel.userKeyCapacity() };
  }

  /**
   * Copies a chunk in and sets the field map it is read with; false when the kernel cannot read this
   * pattern (one holding a newline, or longer than its scratch area), and the parser reads every line itself.
   */
  load(data: Uint8Array, pattern: string, userField: number, ipField: number): boolean {
    const kernel = this.kernel;
    if (pattern !== this.pattern || userField !== this.userField || ipField !== this.ipField) {
      const bytes = Buffer.from(pattern);
      if (bytes.length === 0 || bytes.includes(10) || bytes.length > SCRATCH_BYTES) return false;
      this.view().set(bytes, kernel.scratchAddress());
      kernel.configure(bytes.length, userField, ipField);
      this.pattern = pattern;
      this.userField = userField;
      this.ipField = ipField;
    } else kernel.clearHeader();
    this.lastFind.key[0] = -1;
    this.chunkAt = kernel.chunkAddress(data.length);
    this.view().set(data, this.chunkAt);
    this.chunkData = data;
    return true;
  }

  /**
   * The header of the line at chunk offset `lineStart`: its `length` bytes, holding `fields` fields, with
   * the seconds digits of its clock at `clockAt` (-1: none). With a clock, a line whose header differs
   * only in those digits (00 to 59) is taken as well: the caller makes sure that every second of the
   * header's minute is the minute's time plus the seconds.
   */
  setHeader(lineStart: number, length: number, fields: number, clockAt = -1): void {
    this.kernel.setHeader(lineStart, length, fields, clockAt);
  }

  /**
   * Scans the lines of the loaded chunk from `from` to `end`; returns the start of the line it stopped at.
   * The pairs it met first are handed to `onFirstSights` before it returns.
   */
  scan(from: number, end: number): number {
    this.lastFind.key[0] = -1;
    const stop = this.kernel.scan(from, end);
    const count = this.kernel.firstSights();
    if (count > 0) {
      const sights = new Uint32Array(this.view().buffer, this.kernel.firstsAddress(), count * FIRST_SIGHT_FIELDS);
      for (let index = 0; index < count; index++) {
        const at = index * FIRST_SIGHT_FIELDS;
        this.setPair(sights[at + FirstSight.entry] as number, sights[at + FirstSight.pair] as number);
      }
      this.onFirstSights(sights, count, this.chunkData as Uint8Array);
    }
    return stop;
  }

  /**
   * Told, after a scan, of the lines whose pair spelling the kernel met first and numbered itself (a plain
   * ASCII user, a plain dotted-quad address): `count` records of FIRST_SIGHT_FIELDS numbers (`FirstSight`),
   * in line order, and the chunk they are offsets into. Their entries' pairs are set already.
   */
  onFirstSights: (sights: Uint32Array, count: number, chunk: Uint8Array) => void = () => {};

  /** The number of the user whose normalised name is `name`, numbered now when new (`lastWasNew`). */
  userNumber(name: string): number {
    // Three UTF-8 bytes at most per UTF-16 unit: the name's bytes are counted only when that bound is passed.
    const capacity = this.userKey.capacity;
    if (name.length * 3 > capacity && Buffer.byteLength(name) > capacity)
      throw new RangeError("a user name longer than 256 KiB");
    const length = this.view().write(name, this.userKey.at, "utf8");
    return this.kernel.userNumberAt(this.userKey.at, length);
  }

  /** The number of an IPv4 address (its 32-bit value), numbered now when new (`lastWasNew`). */
  ipv4AddressNumber(address: number): number {
    return this.kernel.ipv4AddressNumber(address);
  }

  /** A new number for an address that is not IPv4 (the caller keeps which). */
  otherAddressNumber(): number {
    return this.kernel.otherAddressNumber();
  }

  /** The number of the pair (user number, address number), numbered now when new (`lastWasNew`). */
  pairNumber(user: number, address: number): number {
    return this.kernel.pairNumberOf(user, address);
  }

  /** True when the last `userNumber`, `ipv4AddressNumber` or `pairNumber` met its key first. */
  get lastWasNew(): boolean {
    return this.kernel.lastWasNew() !== 0;
  }

  /** Lines emitted by the last `scan`. */
  get emitted(): number {
    return this.kernel.emittedLines();
  }

  /** Lines without the pattern passed by the last `scan`. */
  get skipped(): number {
    return this.kernel.skippedLines();
  }

  /**
   * The chunk offsets of the lines the last `scan` emitted, their table entries and their headers' seconds,
   * in their first `emitted` places: views of the module's memory, valid until the next call that adds to
   * the table or loads a chunk.
   */
  emittedLines(): EmittedLines {
    const buffer = this.view().buffer;
    if (this.outputs.lineStarts.buffer !== buffer) {
      const capacity = this.kernel.outCapacity();
      this.outputs = {
        lineStarts: new Uint32Array(buffer, this.kernel.outLinesAddress(), capacity),
        entries: new Int32Array(buffer, this.kernel.outEntriesAddress(), capacity),
        seconds: new Uint8Array(buffer, this.kernel.outSecondsAddress(), capacity),
      };
    }
    return this.outputs;
  }

  /** The entry of the user bytes `data[userStart, userEnd)` and address bytes `data[ipStart, ipEnd)`, or -1. */
  find(data: Uint8Array, userStart: number, userEnd: number, ipStart: number, ipEnd: number): number {
    const at = this.keyAt(data, userStart, userEnd, ipStart, ipEnd);
    const last = this.lastFind;
    // Keys in the chunk have addresses of their own (a key copied to the scratch area does not): same place, same key.
    const inChunk = data === this.chunkData;
    const known = last.key;
    if (inChunk && known[0] === at[0] && known[1] === at[1] && known[2] === at[2] && known[3] === at[3])
      return last.entry;
    const entry = this.kernel.find(at[0], at[1], at[2], at[3]);
    known[0] = inChunk ? at[0] : -1;
    known[1] = at[1];
    known[2] = at[2];
    known[3] = at[3];
    last.entry = entry;
    return entry;
  }

  /** Remembers the pair of the key `find` just missed; returns its entry. */
  add(data: Uint8Array, userStart: number, userEnd: number, ipStart: number, ipEnd: number, pair: number): number {
    const at = this.keyAt(data, userStart, userEnd, ipStart, ipEnd);
    const entry = this.kernel.add(at[0], at[1], at[2], at[3]);
    this.lastFind.key[0] = -1;
    this.setPair(entry, pair);
    return entry;
  }

  private setPair(entry: number, pair: number): void {
    if (entry >= this.pairs.length) {
      const grown = new Int32Array(Math.max(this.pairs.length * 2, entry + 1));
      grown.set(this.pairs);
      this.pairs = grown;
    }
    this.pairs[entry] = pair;
  }

  /** The pair number of an entry. */
  pairOf(entry: number): number {
    return this.pairs[entry] as number;
  }

  /** Where the key's two fields are in the module's memory: in the loaded chunk, or copied to the scratch area. */
  private keyAt(data: Uint8Array, userStart: number, userEnd: number, ipStart: number, ipEnd: number): KeyAddresses {
    const key = this.key;
    if (data === this.chunkData) {
      key[0] = this.chunkAt + userStart;
      key[1] = this.chunkAt + userEnd;
      key[2] = this.chunkAt + ipStart;
      key[3] = this.chunkAt + ipEnd;
      return key;
    }
    const userLength = userEnd - userStart;
    const ipLength = ipEnd - ipStart;
    if (userLength + ipLength > SCRATCH_BYTES) throw new RangeError("a user and address longer than 128 KiB");
    const scratch = this.kernel.scratchAddress();
    const memory = this.view();
    memory.set(data.subarray(userStart, userEnd), scratch);
    memory.set(data.subarray(ipStart, ipEnd), scratch + userLength);
    key[0] = scratch;
    key[1] = scratch + userLength;
    key[2] = scratch + userLength;
    key[3] = scratch + userLength + ipLength;
    return key;
  }

  /** The module's memory as bytes (a new view after the memory grew). */
  private view(): Buffer {
    const buffer = this.kernel.memory.buffer;
    if (this.memory.buffer !== buffer) {
      this.memory = Buffer.from(buffer);
    }
    return this.memory;
  }
}

/** What a scan emitted, per line: its chunk offset, its table entry, and its header's second (with a clock). */
export type EmittedLines = { lineStarts: Uint32Array; entries: Int32Array; seconds: Uint8Array };

/** The numbers of a first sight taken by the kernel (field-map-scan.ts's `firstSight`), in this order. */
export const FirstSight = {
  lineStart: 0,
  entry: 1,
  pair: 2,
  user: 3,
  address: 4,
  /** FIRST_NEW_USER | FIRST_NEW_ADDRESS | FIRST_NEW_PAIR */
  news: 5,
  userStart: 6,
  userEnd: 7,
  addressStart: 8,
  addressEnd: 9,
} as const;
export const FIRST_SIGHT_FIELDS = 10;
export const FIRST_NEW_ADDRESS = 2;
export const FIRST_NEW_PAIR = 4;

/** User start, user end, address start, address end, in the module's memory. */
type KeyAddresses = [number, number, number, number];

/** The kernel's scratch area (field-map-scan.ts's SCRATCH_CAPACITY). */
const SCRATCH_BYTES = 128 * 1024;

type KernelExports = {
  memory: { buffer: ArrayBuffer };
  init(): void;
  configure(patternLength: number, userField: number, ipField: number): void;
  clearHeader(): void;
  setHeader(at: number, length: number, fields: number, clock: number): void;
  chunkAddress(bytes: number): number;
  scratchAddress(): number;
  outLinesAddress(): number;
  outEntriesAddress(): number;
  outSecondsAddress(): number;
  outCapacity(): number;
  emittedLines(): number;
  skippedLines(): number;
  scan(from: number, end: number): number;
  find(userStart: number, userEnd: number, ipStart: number, ipEnd: number): number;
  add(userStart: number, userEnd: number, ipStart: number, ipEnd: number): number;
  firstSights(): number;
  firstsAddress(): number;
  userKeyAddress(): number;
  userKeyCapacity(): number;
  userNumberAt(at: number, length: number): number;
  ipv4AddressNumber(address: number): number;
  otherAddressNumber(): number;
  pairNumberOf(user: number, address: number): number;
  lastWasNew(): number;
};
