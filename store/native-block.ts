import { endianness } from "node:os";

// 64-bit columns are written as two native 32-bit words; ClickHouse's Native format is little-endian.
if (endianness() !== "LE") throw new Error("the Native encoder assumes a little-endian machine");

/**
 * A `String` column of a ClickHouse Native block: every value as its UTF-8
 * length (LEB128) followed by its bytes. Reused block after block.
 */
export class NativeStringColumn {
  bytes = Buffer.allocUnsafe(64 * 1024);
  used = 0;

  /** Appends a value. */
  appendString(text: string): void {
    // Short ASCII text (names, addresses, networks) is copied here: a native write costs more per call.
    if (text.length < SHORT_TEXT && this.appendAscii(text)) return;
    this.reserve(text.length * 3 + 5);
    const start = this.used;
    // Assume a one-byte length; move the bytes when it takes more.
    const length = this.bytes.write(text, start + 1, "utf8");
    const prefix = lebLength(length);
    if (prefix > 1) this.bytes.copyWithin(start + prefix, start + 1, start + 1 + length);
    writeLeb(this.bytes, start, length);
    this.used = start + prefix + length;
  }

  /** Appends `text` (shorter than SHORT_TEXT) when it is ASCII; false, appending nothing, otherwise. */
  private appendAscii(text: string): boolean {
    const length = text.length;
    this.reserve(length + 1);
    const bytes = this.bytes;
    const start = this.used;
    for (let index = 0; index < length; index++) {
      const code = text.charCodeAt(index);
      if (code >= 128) return false;
      bytes[start + 1 + index] = code;
    }
    bytes[start] = length;
    this.used = start + 1 + length;
    return true;
  }

  /** Appends a value already encoded as a Native string (length and bytes) in `source[start, end)`. */
  appendEncoded(source: Uint8Array, start: number, end: number): void {
    const length = end - start;
    this.reserve(length);
    const bytes = this.bytes;
    let at = this.used;
    // Short values: a loop beats a native copy's call.
    if (length <= 32) for (let index = start; index < end; index++) bytes[at++] = source[index] as number;
    else {
      bytes.set(source.subarray(start, end), at);
      at += length;
    }
    this.used = at;
  }

  reset(): void {
    this.used = 0;
  }

  private reserve(extra: number): void {
    if (this.used + extra <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + extra));
    this.bytes.copy(grown, 0, 0, this.used);
    this.bytes = grown;
  }
}

/**
 * A string column whose values repeat (a host, a source, a format): each row
 * is an index into the block's distinct values, written as a
 * `LowCardinality(String)` column (the values once, one byte per row; a
 * table's `LowCardinality` column takes it as it is, a `String` column
 * converts it), or as a plain `String` column when there are too many.
 */
export class NativeRepeatedColumn {
  private indexes = new Int32Array(4096);
  private rows = 0;
  private readonly values: string[] = [];
  private readonly lookup = new Map<string, number>();
  private last = "";
  private lastIndex = -1;

  append(text: string): void {
    if (text !== this.last || this.lastIndex < 0) this.useValue(text);
    if (this.rows === this.indexes.length) this.growIndexes(this.rows + 1);
    this.indexes[this.rows++] = this.lastIndex;
  }

  /** Appends `text` `count` times. */
  appendTimes(text: string, count: number): void {
    if (count <= 0) return;
    if (text !== this.last || this.lastIndex < 0) this.useValue(text);
    if (this.rows + count > this.indexes.length) this.growIndexes(this.rows + count);
    this.indexes.fill(this.lastIndex, this.rows, this.rows + count);
    this.rows += count;
  }

  /** Makes `text` the value appended next, numbering it when it is new to the block. */
  private useValue(text: string): void {
    let index = this.lookup.get(text);
    if (index === undefined) {
      index = this.values.length;
      this.values.push(text);
      this.lookup.set(text, index);
    }
    this.last = text;
    this.lastIndex = index;
  }

  private growIndexes(rows: number): void {
    const grown = new Int32Array(Math.max(this.indexes.length * 2, rows));
    grown.set(this.indexes);
    this.indexes = grown;
  }

  /** The column of the rows appended since the last reset. */
  column(name: string): NativeColumn {
    const { values, rows, indexes } = this;
    if (values.length < LOW_CARDINALITY_KEYS) return lowCardinalityColumn(name, values, indexes, rows);
    const encoded = values.map(encodeNativeString);
    const strings = new NativeStringColumn();
    for (let row = 0; row < rows; row++) {
      const value = encoded[indexes[row] as number] as Uint8Array;
      strings.appendEncoded(value, 0, value.length);
    }
    return { name, type: "String", data: strings.bytes.subarray(0, strings.used) };
  }

  reset(): void {
    this.rows = 0;
    // Emptied, not replaced: a new array would start as one of small integers, and code V8 optimised for
    // an array of strings would be thrown away at the next block (a "wrong map" deoptimisation).
    this.values.length = 0;
    this.lookup.clear();
    this.lastIndex = -1;
  }
}

/**
 * A `LowCardinality(String)` column of `rows` rows, row `k` being `values[indexes[k]]`, as ClickHouse
 * writes one in a Native block: the keys' serialization version (1), the index type (UInt8) with the
 * flags "additional keys" and "update dictionary", the keys (the empty string first, ClickHouse's
 * default key, then the values), and one index byte per row (all little-endian 64-bit counts).
 */
function lowCardinalityColumn(
  name: string,
  values: readonly string[],
  indexes: Int32Array,
  rows: number,
): NativeColumn {
  const keys = new NativeStringColumn();
  keys.appendString("");
  const keyOf = new Uint8Array(values.length);
  let keyCount = 1;
  for (let index = 0; index < values.length; index++) {
    const value = values[index] as string;
    if (value === "") continue;
    keyOf[index] = keyCount++;
    keys.appendString(value);
  }
  const data = new Uint8Array(8 + 8 + 8 + keys.used + 8 + rows);
  const view = new DataView(data.buffer);
  view.setUint32(0, KEYS_SERIALIZATION_VERSION, true);
  view.setUint32(8, UINT8_INDEXES | HAS_ADDITIONAL_KEYS | NEED_UPDATE_DICTIONARY, true);
  view.setUint32(16, keyCount, true);
  data.set(keys.bytes.subarray(0, keys.used), 24);
  const at = 24 + keys.used;
  view.setUint32(at, rows, true);
  writeKeyIndexes(data, at + 8, keyOf, indexes, rows);
  return { name, type: "LowCardinality(String)", data };
}

// The loops below are functions of their own, so that V8 optimising one in the middle of its first run
// (on-stack replacement) does not meet code after it that never ran, and throw the optimised code away.

/** Row `k`'s key index at `at + k`. */
function writeKeyIndexes(data: Uint8Array, at: number, keyOf: Uint8Array, indexes: Int32Array, rows: number): void {
  for (let row = 0; row < rows; row++) data[at + row] = keyOf[indexes[row] as number] as number;
}

/** Text shorter than this (its length then takes one LEB128 byte) may be copied character by character. */
const SHORT_TEXT = 128;

/** A `LowCardinality` column's keys, the empty string included, fit UInt8 indexes: up to 255 other values. */
const LOW_CARDINALITY_KEYS = 256;
/** ClickHouse's `KeysSerializationVersion::SharedDictionariesWithAdditionalKeys`. */
const KEYS_SERIALIZATION_VERSION = 1;
const UINT8_INDEXES = 0;
const HAS_ADDITIONAL_KEYS = 1 << 9;
const NEED_UPDATE_DICTIONARY = 1 << 10;

/** Encodes `text` as a Native string (length and UTF-8 bytes). */
export function encodeNativeString(text: string): Uint8Array {
  const utf8 = Buffer.from(text, "utf8");
  const encoded = new Uint8Array(lebLength(utf8.length) + utf8.length);
  encoded.set(utf8, writeLeb(encoded, 0, utf8.length));
  return encoded;
}

/** A column of 64-bit integers (UInt64, Int64, DateTime64's ticks) within ±2^53, from JavaScript numbers (two's complement). */
export function int64Column(values: ArrayLike<number>, count: number): Uint8Array {
  const words = new Uint32Array(count * 2);
  writeInt64Words(words, values, count);
  return new Uint8Array(words.buffer);
}

function writeInt64Words(words: Uint32Array, values: ArrayLike<number>, count: number): void {
  for (let index = 0; index < count; index++) {
    const value = Math.round(values[index] as number);
    const high = Math.floor(value / 4294967296);
    words[index * 2] = value - high * 4294967296;
    // A negative high word wraps to its two's complement on assignment.
    words[index * 2 + 1] = high;
  }
}

export type NativeColumn = { name: string; type: string; data: Uint8Array };

/** One block of ClickHouse's Native format: the counts, then each column's name, type and data. Empty for no rows. */
export function nativeBlock(rows: number, columns: readonly NativeColumn[]): Uint8Array {
  if (rows === 0) return new Uint8Array(0);
  const names = columns.map((column) => encodeNativeString(column.name));
  const types = columns.map((column) => encodeNativeString(column.type));
  let size = lebLength(columns.length) + lebLength(rows);
  columns.forEach((column, index) => {
    size += (names[index] as Uint8Array).length + (types[index] as Uint8Array).length + column.data.length;
  });
  const block = new Uint8Array(size);
  let at = writeLeb(block, 0, columns.length);
  at = writeLeb(block, at, rows);
  columns.forEach((column, index) => {
    for (const part of [names[index] as Uint8Array, types[index] as Uint8Array, column.data]) {
      block.set(part, at);
      at += part.length;
    }
  });
  return block;
}

/** Bytes of `value` as LEB128. */
export function lebLength(value: number): number {
  let length = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    length += 1;
  }
  return length;
}

/** Writes `value` as LEB128 at `at`; returns where the next byte goes. */
export function writeLeb(bytes: Uint8Array, at: number, value: number): number {
  while (value >= 128) {
    bytes[at++] = (value % 128) | 128;
    value = Math.floor(value / 128);
  }
  bytes[at++] = value;
  return at;
}
