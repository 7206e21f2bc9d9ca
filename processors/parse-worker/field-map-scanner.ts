import { instantiateWasm } from "./wasm-module.js";

/**
 * The parse worker's scan kernel (processors/parse-worker/assembly/field-map-scan.ts,
 * compiled to WebAssembly with SIMD by `npm run build`) and the raw-bytes pair
 * table it shares with the TypeScript parser.
 *
 * For a field-map chunk, `scan` walks the lines in WebAssembly, sixteen bytes
 * at a step: lines without the pattern are counted; a line whose header bytes
 * are those of the line read last, whose two fields are found and whose raw
 * user and address bytes were met before is emitted (`lineStarts`,
 * `entries`, and the second of its header's clock in `seconds`), with no
 * string or object made for it; a header that differs from the last one only
 * in its clock's seconds digits counts as known. It stops at any other
 * line, for the parser to read in TypeScript (a new header or pair, too few
 * fields, a line too long or unterminated).
 *
 * The table maps the raw bytes of a user field and an address field to an
 * entry (numbered from 0 in the order added) and each entry to a pair number:
 * the same raw bytes always name the same pair; two spellings of one pair
 * (`Ann` and `ann`) are two entries with one number. It lives in the
 * module's memory and grows with the distinct spellings, like the pairs.
 */
export class FieldMapScanner {
  private readonly kernel = instantiateWasm<KernelExports>("field-map-scan.wasm");
  private memory = new Uint8Array(0);
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

  constructor() {
    this.kernel.init();
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

  /** Scans the lines of the loaded chunk from `from` to `end`; returns the start of the line it stopped at. */
  scan(from: number, end: number): number {
    this.lastFind.key[0] = -1;
    return this.kernel.scan(from, end);
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
    if (entry >= this.pairs.length) {
      const grown = new Int32Array(this.pairs.length * 2);
      grown.set(this.pairs);
      this.pairs = grown;
    }
    this.pairs[entry] = pair;
    return entry;
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
  private view(): Uint8Array {
    const buffer = this.kernel.memory.buffer;
    if (this.memory.buffer !== buffer) {
      this.memory = new Uint8Array(buffer);
    }
    return this.memory;
  }
}

/** What a scan emitted, per line: its chunk offset, its table entry, and its header's second (with a clock). */
export type EmittedLines = { lineStarts: Uint32Array; entries: Int32Array; seconds: Uint8Array };

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
};
