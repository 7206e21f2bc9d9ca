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
  /** Per /16: 1 when some of its addresses lie in two ranges (searched as without the index). */
  overlapping16?: Uint8Array;
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
 * (and the one before), instead of halving 400,000 rows with a cache miss at each step. Where ranges
 * overlap (one pair in the ASN table of 2026-06), an address lies in two rows and the answer depends on
 * the search's path: the /16s concerned are searched as without the index, so every answer stays the same.
 */
export function indexBySlash16(table: Ipv4Ranges): void {
  const rowsBefore = new Uint32Array(65537);
  const overlapping = new Uint8Array(65536);
  let furthestEnd = -1;
  for (let row = 0; row < table.count; row++) {
    const start = table.starts[row] as number;
    const end = table.ends[row] as number;
    rowsBefore[(start >>> 16) + 1] = (rowsBefore[(start >>> 16) + 1] as number) + 1;
    if (start <= furthestEnd) {
      const lastShared = Math.min(furthestEnd, end);
      for (let slash16 = start >>> 16; slash16 <= lastShared >>> 16; slash16++) overlapping[slash16] = 1;
    }
    if (end > furthestEnd) furthestEnd = end;
  }
  for (let slash16 = 1; slash16 <= 65536; slash16++)
    rowsBefore[slash16] = (rowsBefore[slash16] as number) + (rowsBefore[slash16 - 1] as number);
  table.rowsBefore16 = rowsBefore;
  table.overlapping16 = overlapping;
}

/** Row of the range holding `value`, or -1 (ranges sorted by start, not overlapping). */
export function searchIpv4Ranges(table: Ipv4Ranges, value: number): number {
  let low = 0;
  let high = table.count - 1;
  const rowsBefore = table.rowsBefore16;
  const slash16 = value >>> 16;
  if (rowsBefore !== undefined && table.overlapping16?.[slash16] === 0) {
    // The range holding `value` is the last one starting at or before it: one of the rows starting in
    // value's /16, or the last row before them (a range may span many /16s).
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
