import { lebLength, writeLeb } from "../../store/native-block.js";
import { instantiateWasm } from "./wasm-module.js";

/**
 * The names of a chunk's events (user, raw user, address) for its Native block, kept encoded in a
 * WebAssembly module (processors/parse-worker/assembly/event-names.ts, compiled with SIMD by
 * `npm run build`) and gathered there into the block's three `String` columns: one call per chunk
 * instead of a copy per value in JavaScript (the worker's largest cost when it encodes rows).
 *
 * The names of a raw-bytes table entry (a field map's pair as spelled in the log) are stored once
 * (`nameEntry`) and an event names them by its entry; an event of another format stores its own
 * (`addSingle`), dropped by the next `gather`. Memory: the entries' names grow with the distinct
 * spellings, like the table; the rest is reused chunk after chunk.
 */
export class EventNames {
  private readonly module = instantiateWasm<EventNamesExports>("event-names.wasm");
  private view = Buffer.alloc(0);
  /** Per entry: 1 once its names are stored. */
  private named = new Uint8Array(1024);

  /** True when the names of entry `entry` are stored. */
  isNamed(entry: number): boolean {
    return entry < this.named.length && this.named[entry] === 1;
  }

  /** Stores the names of entry `entry` (once). */
  nameEntry(entry: number, user: string, userRaw: string, ip: string): void {
    const [userBytes, rawBytes, ipBytes] = this.write(KEPT, user, userRaw, ip);
    this.module.nameEntry(entry, userBytes, rawBytes, ipBytes);
    if (entry >= this.named.length) {
      const grown = new Uint8Array(Math.max(this.named.length * 2, entry + 1));
      grown.set(this.named);
      this.named = grown;
    }
    this.named[entry] = 1;
  }

  /** Stores one event's names until the next `gather`; returns its slot. */
  addSingle(user: string, userRaw: string, ip: string): number {
    const [userBytes, rawBytes, ipBytes] = this.write(SINGLE, user, userRaw, ip);
    return this.module.addSingle(userBytes, rawBytes, ipBytes);
  }

  /**
   * The names of the events whose slots (an entry, or what `addSingle` returned) are `slots[0, count)`,
   * as the data of three Native `String` columns: user, raw user, address. The arrays are views of the
   * module's memory, valid until the next call.
   */
  gather(slots: Int32Array, count: number): [Uint8Array, Uint8Array, Uint8Array] {
    const module = this.module;
    const at = module.slotsAddress(count);
    new Int32Array(module.memory.buffer, at, count).set(slots.subarray(0, count));
    module.gather(count);
    const buffer = module.memory.buffer;
    const column = (index: number) => new Uint8Array(buffer, module.columnAddress(index), module.columnBytes(index));
    return [column(0), column(1), column(2)];
  }

  /** Writes the three names as Native strings at the end of name set `set`; returns their sizes. */
  private write(set: number, user: string, userRaw: string, ip: string): [number, number, number] {
    const at = this.module.reserve(set, (user.length + userRaw.length + ip.length) * 3 + 15);
    const view = this.memory();
    const userEnd = writeNativeString(view, at, user);
    const rawEnd = writeNativeString(view, userEnd, userRaw);
    const end = writeNativeString(view, rawEnd, ip);
    return [userEnd - at, rawEnd - userEnd, end - rawEnd];
  }

  /** The module's memory as a Buffer (a new view after it grew). */
  private memory(): Buffer {
    const buffer = this.module.memory.buffer;
    if (this.view.buffer !== buffer) this.view = Buffer.from(buffer);
    return this.view;
  }
}

/** Writes `text` as a Native string (LEB128 length, UTF-8 bytes) at `at`, with room for 3 bytes a character and 5 more; returns its end. */
function writeNativeString(view: Buffer, at: number, text: string): number {
  // Assume a one-byte length; move the bytes when it takes more.
  const length = view.write(text, at + 1, "utf8");
  const prefix = lebLength(length);
  if (prefix > 1) view.copyWithin(at + prefix, at + 1, at + 1 + length);
  writeLeb(view, at, length);
  return at + prefix + length;
}

/** The module's name sets: the entries' names, and single events' names. */
const KEPT = 0;
const SINGLE = 1;

type EventNamesExports = {
  memory: { buffer: ArrayBuffer };
  reserve(set: number, bytes: number): number;
  nameEntry(entry: number, userBytes: number, rawBytes: number, ipBytes: number): void;
  addSingle(userBytes: number, rawBytes: number, ipBytes: number): number;
  slotsAddress(count: number): number;
  gather(count: number): void;
  columnAddress(column: number): number;
  columnBytes(column: number): number;
};
