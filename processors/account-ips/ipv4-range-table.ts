/**
 * IPv4 ranges (start, end, value) sorted by start, as columns of numbers: what the
 * offline ASN and country databases become in memory (asn-database.ts).
 */
export type Ipv4Ranges = {
  count: number;
  starts: Uint32Array;
  ends: Uint32Array;
  values: Uint32Array;
  /** Per /16 `p` (and one past the last): how many rows start before `p << 16` (see `indexBySlash16`). */
  rowsBefore16?: Uint32Array;
};

/** Ranges whose value also has a text (the ASN's `number,name` column): its bytes in the table's text. */
export type Ipv4RangesWithText = Ipv4Ranges & { valueStart: Uint32Array; valueEnd: Uint32Array };

/** Both IPv4 tables: addresses to ASN (with each row's `asn,name` text in `asnText`) and to country. */
export type Ipv4Tables = { asn: Ipv4RangesWithText; asnText: Buffer; country: Ipv4Ranges };

/**
 * IPv4 ranges from a `start,end,value...` CSV, parsed on bytes: a number per row for each column,
 * `readValue` of the value text's first byte, and the value text's offsets in `file`.
 */
export function readIpv4RangesCsv(
  file: Buffer,
  readValue: (file: Buffer, start: number) => number,
): Ipv4RangesWithText {
  let lines = 0;
  for (let index = file.indexOf(10); index >= 0; index = file.indexOf(10, index + 1)) lines += 1;
  const capacity = lines + 1;
  const table: Ipv4RangesWithText = {
    count: 0,
    starts: new Uint32Array(capacity),
    ends: new Uint32Array(capacity),
    valueStart: new Uint32Array(capacity),
    valueEnd: new Uint32Array(capacity),
    values: new Uint32Array(capacity),
  };
  let position = 0;
  while (position < file.length) {
    let start = 0;
    while (position < file.length && file[position] !== 44) start = start * 10 + (file[position++] ?? 48) - 48;
    position += 1;
    let end = 0;
    while (position < file.length && file[position] !== 44) end = end * 10 + (file[position++] ?? 48) - 48;
    position += 1;
    let lineEnd = file.indexOf(10, position);
    if (lineEnd < 0) lineEnd = file.length;
    let valueEnd = lineEnd;
    if (file[valueEnd - 1] === 13) valueEnd -= 1;
    if (valueEnd > position) {
      const row = table.count++;
      table.starts[row] = start;
      table.ends[row] = end;
      table.valueStart[row] = position;
      table.valueEnd[row] = valueEnd;
      table.values[row] = readValue(file, position);
    }
    position = lineEnd + 1;
  }
  return table;
}

/**
 * Indexes the table by /16: a search then starts among the few rows that begin in the address's /16
 * (and the one before), instead of halving 400,000 rows with a cache miss at each step.
 */
export function indexBySlash16(table: Ipv4Ranges): void {
  const rowsBefore = new Uint32Array(65537);
  for (let row = 0; row < table.count; row++) {
    const slash16 = (table.starts[row] as number) >>> 16;
    rowsBefore[slash16 + 1] = (rowsBefore[slash16 + 1] as number) + 1;
  }
  for (let slash16 = 1; slash16 <= 65536; slash16++)
    rowsBefore[slash16] = (rowsBefore[slash16] as number) + (rowsBefore[slash16 - 1] as number);
  table.rowsBefore16 = rowsBefore;
}

/** Row of the range holding `value`, or -1 (ranges sorted by start, not overlapping). */
export function searchIpv4Ranges(table: Ipv4Ranges, value: number): number {
  let low = 0;
  let high = table.count - 1;
  const rowsBefore = table.rowsBefore16;
  if (rowsBefore !== undefined) {
    // The range holding `value` is the last one starting at or before it: one of the rows starting in
    // value's /16, or the last row before them (a range may span many /16s).
    const slash16 = value >>> 16;
    low = Math.max((rowsBefore[slash16] as number) - 1, 0);
    high = (rowsBefore[slash16 + 1] as number) - 1;
  }
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if ((table.starts[middle] ?? 0) > value) high = middle - 1;
    else if ((table.ends[middle] ?? 0) < value) low = middle + 1;
    else return middle;
  }
  return -1;
}

/** The decimal number at `start` of `file` (0 when there is none). */
export function parseLeadingNumber(file: Buffer, start: number): number {
  let value = 0;
  for (let index = start; index < file.length; index++) {
    const byte = file[index] ?? 0;
    if (byte < 48 || byte > 57) break;
    value = value * 10 + byte - 48;
  }
  return value;
}

/** A two-letter country code packed in 16 bits (first letter high), 0 for none. */
export function readCountryCode(file: Buffer, start: number): number {
  return ((file[start] ?? 0) << 8) | (file[start + 1] ?? 0);
}
