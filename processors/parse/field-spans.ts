/**
 * Where two whitespace fields of a line are, counted exactly as awk's default
 * field splitting counts them: runs of spaces and tabs separate fields,
 * leading blanks are ignored, `$1` is the line's first field. The hot path
 * of every field-map format.
 *
 * Two scanners with one result: `byteFieldSpans` reads a byte at a time;
 * `wordFieldSpans` reads the chunk four bytes at a time (a Uint32Array over
 * it), finds the blanks of a word with a few arithmetic steps and counts the
 * fields starting in it with a multiplication, so a line's first fields cost
 * a step per word, not per byte.
 */

/** Field spans found: user start, user end, address start, address end (reused: read before the next call). */
export type FieldSpans = [number, number, number, number];

/**
 * Byte at a time: the user's and address's spans in the line `data[start, end)`, or null when it has fewer
 * fields. `fieldsBefore` (default none) fields lie before `start`, which is then a blank's position.
 */
export function byteFieldSpans(
  data: Uint8Array,
  start: number,
  end: number,
  userField: number,
  ipField: number,
  spans: FieldSpans,
  fieldsBefore = 0,
): FieldSpans | null {
  const last = Math.max(userField, ipField);
  let field = fieldsBefore;
  let index = start;
  while (index < end && field < last) {
    let byte = data[index] ?? 0;
    while (byte === 32 || byte === 9) byte = data[++index] ?? 0;
    if (index >= end) break;
    const fieldStart = index;
    while (index < end && byte !== 32 && byte !== 9) byte = data[++index] ?? 0;
    field += 1;
    if (field === userField) {
      spans[0] = fieldStart;
      spans[1] = index;
    }
    if (field === ipField) {
      spans[2] = fieldStart;
      spans[3] = index;
    }
  }
  return field < last ? null : spans;
}

/** A view of `data` as little-endian 32-bit words when it allows one (aligned, little-endian machine), else null. */
export function wordsOf(data: Uint8Array): Uint32Array | null {
  if (!LITTLE_ENDIAN || data.byteOffset % 4 !== 0) return null;
  return new Uint32Array(data.buffer, data.byteOffset, data.length >>> 2);
}
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Four bytes at a time (`words` from `wordsOf(data)`): the same result as `byteFieldSpans`. */
export function wordFieldSpans(
  data: Uint8Array,
  words: Uint32Array,
  start: number,
  end: number,
  userField: number,
  ipField: number,
  spans: FieldSpans,
  fieldsBefore = 0,
): FieldSpans | null {
  const last = Math.max(userField, ipField);
  const first = Math.min(userField, ipField);
  let field = fieldsBefore;
  let at = start & ~3;
  // Flag (0x80) of the byte before the word: blank. The byte before `start` counts as one.
  let blankBefore = 0x80;
  while (at < end) {
    let blank = blankFlags(wordAt(data, words, at));
    if (at < start) blank |= beforeStart(start - at);
    if (at + 4 > end) blank |= fromEnd(end - at);
    // A field starts at a byte that is not blank after one that is.
    let starts = ~blank & ((blank << 8) | blankBefore) & 0x80808080;
    blankBefore = (blank >>> 24) & 0x80;
    if (starts !== 0) {
      const count = Math.imul(starts >>> 7, 0x01010101) >>> 24;
      if (field + count < first) field += count;
      else {
        while (starts !== 0) {
          const bit = starts & -starts;
          starts ^= bit;
          field += 1;
          if (field !== userField && field !== ipField) continue;
          const fieldStart = at + ((31 - Math.clz32(bit)) >>> 3);
          const fieldEnd = nextBlank(data, words, at, blank, fieldStart, end);
          if (field === userField) {
            spans[0] = fieldStart;
            spans[1] = fieldEnd;
          }
          if (field === ipField) {
            spans[2] = fieldStart;
            spans[3] = fieldEnd;
          }
          if (field === last) return spans;
        }
      }
    }
    at += 4;
  }
  return null;
}

/**
 * The first blank after `from` (a field's first byte, in the word at `at` whose blank flags, bytes from
 * `end` on included, are `wordBlanks`) and before `end`, or `end`.
 */
function nextBlank(
  data: Uint8Array,
  words: Uint32Array,
  at: number,
  wordBlanks: number,
  from: number,
  end: number,
): number {
  let blank = wordBlanks & after(from - at);
  while (blank === 0) {
    at += 4;
    if (at >= end) return end;
    blank = blankFlags(wordAt(data, words, at));
    if (at + 4 > end) blank |= fromEnd(end - at);
  }
  return Math.min(at + ((31 - Math.clz32(blank & -blank)) >>> 3), end);
}

/** The word at byte `at` (a multiple of 4); past the data's end, blanks. */
function wordAt(data: Uint8Array, words: Uint32Array, at: number): number {
  if (at + 4 <= data.length) return words[at >>> 2] as number;
  let word = 0;
  for (let byte = 3; byte >= 0; byte--)
    word = (word << 8) | (at + byte < data.length ? (data[at + byte] as number) : 32);
  return word;
}

/** 0x80 in every byte of `word` that is a space or a tab (exact: no borrow between bytes). */
function blankFlags(word: number): number {
  const space = word ^ 0x20202020;
  const tab = word ^ 0x09090909;
  return ~((((space & 0x7f7f7f7f) + 0x7f7f7f7f) | space) & (((tab & 0x7f7f7f7f) + 0x7f7f7f7f) | tab)) & 0x80808080;
}

/** How many fields awk counts in `data[start, end)`. */
export function fieldCount(data: Uint8Array, start: number, end: number): number {
  let fields = 0;
  let blankBefore = true;
  for (let index = start; index < end; index++) {
    const blank = data[index] === 32 || data[index] === 9;
    if (!blank && blankBefore) fields += 1;
    blankBefore = blank;
  }
  return fields;
}

/** Flags of a word's first `bytes` bytes (1 to 3): those before the line's start. */
function beforeStart(bytes: number): number {
  return (0x80808080 >>> (32 - 8 * bytes)) & 0x80808080;
}

/** Flags of a word's bytes from byte `bytes` (0 to 3) on: those at or after the line's end. */
function fromEnd(bytes: number): number {
  return 0x80808080 << (8 * bytes);
}

/** Flags of a word's bytes after byte `byte` (0 to 3). */
function after(byte: number): number {
  return (0x80808080 << (8 * byte)) << 8;
}
