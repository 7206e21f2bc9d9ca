import {
  int64Column,
  type NativeColumn,
  NativeRepeatedColumn,
  NativeStringColumn,
  nativeBlock,
} from "./native-block.js";

/**
 * How a column is written in a Native block: its ClickHouse type there (the
 * insert converts it to the table's, e.g. a `LowCardinality(String)` of repeated strings to
 * `String`). Numbers are whole numbers below 2^53.
 */
export type NativeRowColumnKind =
  | "string"
  | "repeated-string"
  | "supplied-string"
  | "bool"
  | "uint8"
  | "int16"
  | "int32"
  | "int64"
  | "uint32"
  | "uint64"
  | "datetime"
  | "datetime64-ms";

/** Whole numbers of one column until the block is taken. */
class NumberColumn {
  values = new Float64Array(1024);
  rows = 0;

  append(value: number): void {
    if (this.rows === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.rows++] = value;
  }

  /** Room for `count` more values. */
  reserve(count: number): Float64Array {
    if (this.rows + count > this.values.length) {
      const grown = new Float64Array(Math.max(this.values.length * 2, this.rows + count));
      grown.set(this.values.subarray(0, this.rows));
      this.values = grown;
    }
    return this.values;
  }
}

const NUMBER_TYPES = {
  bool: "Bool",
  uint8: "UInt8",
  int16: "Int16",
  int32: "Int32",
  int64: "Int64",
  uint32: "UInt32",
  uint64: "UInt64",
  datetime: "DateTime('UTC')",
  "datetime64-ms": "DateTime64(3, 'UTC')",
} as const;

/**
 * Rows of one table written column by column into a ClickHouse Native block:
 * the store reads them without parsing text. Values are given in column
 * order, row after row (`text` or `number` per column, then `endRow`).
 */
export class NativeRows {
  private readonly columns: (NativeStringColumn | NativeRepeatedColumn | NumberColumn | null)[];
  private next = 0;
  private rowCount = 0;

  constructor(private readonly layout: readonly { name: string; kind: NativeRowColumnKind }[]) {
    this.columns = layout.map(({ kind }) =>
      kind === "string"
        ? new NativeStringColumn()
        : kind === "repeated-string"
          ? new NativeRepeatedColumn()
          : kind === "supplied-string"
            ? null
            : new NumberColumn(),
    );
  }

  text(value: string): this {
    const column = this.columns[this.next++];
    if (column instanceof NativeStringColumn) column.appendString(value);
    else if (column instanceof NativeRepeatedColumn) column.append(value);
    else throw new TypeError(`column ${this.layout[this.next - 1]?.name} takes numbers`);
    return this;
  }

  /** Passes a `supplied-string` column: its values are given to `take`, encoded already. */
  supplied(): this {
    if (this.columns[this.next++] !== null)
      throw new TypeError(`column ${this.layout[this.next - 1]?.name} is not supplied at take`);
    return this;
  }

  number(value: number): this {
    const column = this.columns[this.next++];
    if (!(column instanceof NumberColumn)) throw new TypeError(`column ${this.layout[this.next - 1]?.name} takes text`);
    column.append(value);
    return this;
  }

  /** The same value `count` times in the next column: a run of rows that share it. */
  repeat(value: number | string, count: number): this {
    const column = this.columns[this.next++];
    if (column instanceof NumberColumn) {
      if (typeof value !== "number") throw new TypeError(`column ${this.layout[this.next - 1]?.name} takes numbers`);
      column.reserve(count).fill(value, column.rows, column.rows + count);
      column.rows += count;
    } else if (typeof value !== "string") throw new TypeError(`column ${this.layout[this.next - 1]?.name} takes text`);
    else if (column instanceof NativeRepeatedColumn) column.appendTimes(value, count);
    else if (column instanceof NativeStringColumn) for (let row = 0; row < count; row++) column.appendString(value);
    else throw new TypeError(`column ${this.layout[this.next - 1]?.name} is supplied at take`);
    return this;
  }

  /** `count` values of the next number column: `base + values[from + k]` for row `k`. */
  numbersEach(values: ArrayLike<number>, from: number, count: number, base: number): this {
    const column = this.columns[this.next++];
    if (!(column instanceof NumberColumn)) throw new TypeError(`column ${this.layout[this.next - 1]?.name} takes text`);
    const target = column.reserve(count);
    let at = column.rows;
    for (let row = from; row < from + count; row++) target[at++] = base + (values[row] as number);
    column.rows = at;
    return this;
  }

  /**
   * `count` values of the next number column read from rows of `stride` numbers: `values[first + k * stride]`
   * for row `k`, divided by `divisor` and rounded down when it is not 1 (milliseconds to seconds).
   */
  numbersStrided(values: Float64Array, first: number, stride: number, count: number, divisor = 1): this {
    const column = this.columns[this.next++];
    if (!(column instanceof NumberColumn)) throw new TypeError(`column ${this.layout[this.next - 1]?.name} takes text`);
    const target = column.reserve(count);
    let at = column.rows;
    if (divisor === 1) for (let row = 0; row < count; row++) target[at++] = values[first + row * stride] as number;
    else
      for (let row = 0; row < count; row++)
        target[at++] = Math.floor((values[first + row * stride] as number) / divisor);
    column.rows = at;
    return this;
  }

  /** `count` values of the next number column, `numberOf(k)` for row `k`. */
  numbersOf(count: number, numberOf: (row: number) => number): this {
    const column = this.columns[this.next++];
    if (!(column instanceof NumberColumn)) throw new TypeError(`column ${this.layout[this.next - 1]?.name} takes text`);
    const target = column.reserve(count);
    let at = column.rows;
    for (let row = 0; row < count; row++) target[at++] = numberOf(row);
    column.rows = at;
    return this;
  }

  /** The values of the next text column, one per row. */
  texts(values: readonly string[]): this {
    const column = this.columns[this.next++];
    if (column instanceof NativeStringColumn) for (const value of values) column.appendString(value);
    else if (column instanceof NativeRepeatedColumn) for (const value of values) column.append(value);
    else throw new TypeError(`column ${this.layout[this.next - 1]?.name} takes numbers`);
    return this;
  }

  /** `count` values of the next text column, `textOf(k)` for row `k`. */
  textsOf(count: number, textOf: (row: number) => string): this {
    const column = this.columns[this.next++];
    if (column instanceof NativeStringColumn) for (let row = 0; row < count; row++) column.appendString(textOf(row));
    else if (column instanceof NativeRepeatedColumn) for (let row = 0; row < count; row++) column.append(textOf(row));
    else throw new TypeError(`column ${this.layout[this.next - 1]?.name} takes numbers`);
    return this;
  }

  /** Ends `count` rows written column by column (`repeat`, `supplied`, `numbersEach`, `numbersStrided`, `numbersOf`, `texts`, `textsOf`). */
  endRows(count: number): void {
    if (this.next !== this.columns.length)
      throw new Error(`rows of ${this.next} columns for ${this.columns.length} columns`);
    this.next = 0;
    this.rowCount += count;
  }

  endRow(): void {
    if (this.next !== this.columns.length)
      throw new Error(`a row of ${this.next} values for ${this.columns.length} columns`);
    this.next = 0;
    this.rowCount += 1;
  }

  get rows(): number {
    return this.rowCount;
  }

  /**
   * The rows written as one Native block (empty for none), and a fresh start. `supplied` gives each
   * `supplied-string` column's data: the Native strings of every row, end to end.
   */
  take(supplied: ReadonlyMap<string, Uint8Array> = new Map()): { bytes: Uint8Array; rows: number } {
    const rows = this.rowCount;
    const block = nativeBlock(
      rows,
      this.layout.map(({ name, kind }, index): NativeColumn => {
        const column = this.columns[index];
        if (column === null) {
          const data = supplied.get(name);
          if (data === undefined) throw new Error(`no data supplied for column ${name}`);
          return { name, type: "String", data };
        }
        if (column instanceof NativeStringColumn) {
          const data = column.bytes.subarray(0, column.used);
          column.reset();
          return { name, type: "String", data };
        }
        if (column instanceof NativeRepeatedColumn) {
          const native = column.column(name);
          column.reset();
          return native;
        }
        const numbers = column as NumberColumn;
        const type = NUMBER_TYPES[kind as keyof typeof NUMBER_TYPES];
        const values = numbers.values.subarray(0, rows);
        const data =
          kind === "uint64" || kind === "int64" || kind === "datetime64-ms"
            ? int64Column(numbers.values, rows)
            : kind === "uint8" || kind === "bool"
              ? Uint8Array.from(values)
              : kind === "int16"
                ? new Uint8Array(Int16Array.from(values).buffer)
                : kind === "int32"
                  ? new Uint8Array(Int32Array.from(values).buffer)
                  : new Uint8Array(Uint32Array.from(values).buffer);
        numbers.rows = 0;
        return { name, type, data };
      }),
    );
    this.rowCount = 0;
    return { bytes: block, rows };
  }
}
