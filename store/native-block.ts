import { endianness } from "node:os";
import { sqlString } from "./sql-string.js";

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
    this.reserve(text.length * 3 + 5);
    const start = this.used;
    // Assume a one-byte length; move the bytes when it takes more.
    const length = this.bytes.write(text, start + 1, "utf8");
    const prefix = lebLength(length);
    if (prefix > 1) this.bytes.copyWithin(start + prefix, start + 1, start + 1 + length);
    writeLeb(this.bytes, start, length);
    this.used = start + prefix + length;
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
 * is an index into the block's distinct values, written as an `Enum8` of them
 * (one byte per row; the insert converts it to the table's string type), or
 * as a plain `String` column when there are too many or odd ones.
 */
export class NativeRepeatedColumn {
  private indexes = new Int32Array(4096);
  private rows = 0;
  private values: string[] = [];
  private readonly lookup = new Map<string, number>();
  private last = "";
  private lastIndex = -1;

  append(text: string): void {
    if (text !== this.last || this.lastIndex < 0) {
      let index = this.lookup.get(text);
      if (index === undefined) {
        index = this.values.length;
        this.values.push(text);
        this.lookup.set(text, index);
      }
      this.last = text;
      this.lastIndex = index;
    }
    if (this.rows === this.indexes.length) {
      const grown = new Int32Array(this.indexes.length * 2);
      grown.set(this.indexes);
      this.indexes = grown;
    }
    this.indexes[this.rows++] = this.lastIndex;
  }

  /** Appends `text` `count` times. */
  appendTimes(text: string, count: number): void {
    if (count <= 0) return;
    this.append(text);
    if (this.rows + count - 1 > this.indexes.length) {
      const grown = new Int32Array(Math.max(this.indexes.length * 2, this.rows + count));
      grown.set(this.indexes);
      this.indexes = grown;
    }
    this.indexes.fill(this.lastIndex, this.rows, this.rows + count - 1);
    this.rows += count - 1;
  }

  /** The column of the rows appended since the last reset. */
  column(name: string): NativeColumn {
    const { values, rows, indexes } = this;
    if (values.length <= ENUM8_VALUES && values.every((value) => PRINTABLE.test(value))) {
      const data = new Uint8Array(rows);
      for (let row = 0; row < rows; row++) data[row] = indexes[row] as number;
      return { name, type: enum8Type(values), data };
    }
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
    this.values = [];
    this.lookup.clear();
    this.lastIndex = -1;
  }
}

/**
 * `Enum8('a' = 0, 'b' = 1, ...)` of the values, written with a plain loop: made for every repeated column
 * of every block, where a `map(...).join` kept throwing V8's compiled code away (the arrays' shapes vary).
 */
function enum8Type(values: readonly string[]): string {
  let type = "Enum8(";
  for (let index = 0; index < values.length; index++)
    type += `${index > 0 ? ", " : ""}${sqlString(values[index] as string)} = ${index}`;
  return `${type})`;
}

/** An Enum8 holds values 0 to 127 here (its names must be distinct, which the look-up keeps them). */
const ENUM8_VALUES = 128;
/** Names written into an Enum8 type: printable characters only, whatever a log line held. */
const PRINTABLE = /^[^\u0000-\u001f\u007f]*$/;

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
  for (let index = 0; index < count; index++) {
    const value = Math.round(values[index] as number);
    const high = Math.floor(value / 4294967296);
    words[index * 2] = value - high * 4294967296;
    // A negative high word wraps to its two's complement on assignment.
    words[index * 2 + 1] = high;
  }
  return new Uint8Array(words.buffer);
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
