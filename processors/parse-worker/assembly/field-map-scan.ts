// AssemblyScript, compiled to WebAssembly (with SIMD) by `npm run build`: the
// parse worker's scan of field-map chunks and its raw-bytes pair table. The
// TypeScript side is processors/parse-worker/field-map-scanner.ts; the layout
// and the rules it follows are in docs/performance.md ("The scan kernel").
//
// A chunk is copied into this module's memory. `scan` walks its lines: a line
// without the pattern is counted as skipped; a line with it whose syslog
// header bytes equal the header the caller set last, whose two fields are
// found (awk's field splitting: runs of spaces and tabs) and whose raw user
// and address bytes are in the table is emitted (its start and its table
// entry). A header may carry a clock (`HH:MM:SS`, the caller gives where its
// seconds are): a line whose header differs from the current one only in
// those two seconds digits is taken too, and becomes the current header; every
// emitted line's second is written beside it. At any other line (a new header, a pair never met, too few fields,
// a line too long or without its newline, or the output full) the scan stops
// and returns that line's start, for the caller to read it in TypeScript.

/** Lines longer than this are left to the caller (mail-line-parser's MAX_LINE_BYTES). */
const MAX_LINE_BYTES: u32 = 64 * 1024;
/** Lines emitted per call at most. */
const OUT_CAPACITY: u32 = 16384;
/** Bytes read past a chunk's end by the 16-byte loads (always allocated, never read as data). */
const PADDING: u32 = 64;
const HEADER_CAPACITY: u32 = 256;
const SCRATCH_CAPACITY: u32 = 128 * 1024;

// A table slot is 64 bytes: hash (u32), entry + 1 (0: empty), key length, arena
// offset (-1: the key is inline), then the key (user bytes, "\n", address bytes)
// when it fits in 48 bytes.
const SLOT_BYTES: u32 = 64;
const KEY_AT: u32 = 16;
const INLINE_KEY_BYTES: u32 = SLOT_BYTES - KEY_AT;

let chunk: usize = 0;
let chunkCapacity: u32 = 0;
let scratch: usize = 0;
let outLines: usize = 0;
let outEntries: usize = 0;
let needle: usize = 0;
let needleLength: u32 = 0;
let header: usize = 0;
let headerLength: u32 = 0;
let headerFields: u32 = 0;
/** Where the header's seconds digits are (-1: no clock), and the current header's second. */
let clockAt: i32 = -1;
let second: u32 = 0;
let outSeconds: usize = 0;
let firstField: u32 = 0;
let lastField: u32 = 0;
let userFirst: bool = true;

let slots: usize = 0;
let mask: u32 = 0;
let entries: u32 = 0;
let arena: usize = 0;
let arenaCapacity: u32 = 0;
let arenaUsed: u32 = 0;
let lastHash: u32 = 0;
let emptySlot: u32 = 0;

let emitted: u32 = 0;
let skipped: u32 = 0;
let userStart: usize = 0;
let userEnd: usize = 0;
let ipStart: usize = 0;
let ipEnd: usize = 0;

/** Allocates the fixed areas and an empty table; called once, before anything else. */
export function init(): void {
  scratch = heap.alloc(SCRATCH_CAPACITY + PADDING);
  outLines = heap.alloc(OUT_CAPACITY * 4);
  outEntries = heap.alloc(OUT_CAPACITY * 4);
  outSeconds = heap.alloc(OUT_CAPACITY);
  header = heap.alloc(HEADER_CAPACITY + PADDING);
  needle = heap.alloc(SCRATCH_CAPACITY);
  resize(2048);
}

/** Sets the pattern (its bytes at `scratchAddress()`) and the two field numbers; forgets the header. */
export function configure(patternLength: u32, userField: u32, ipField: u32): void {
  memory.copy(needle, scratch, patternLength);
  needleLength = patternLength;
  userFirst = userField <= ipField;
  firstField = userFirst ? userField : ipField;
  lastField = userFirst ? ipField : userField;
  headerLength = 0;
  clockAt = -1;
}

export function scratchAddress(): usize {
  return scratch;
}
export function outLinesAddress(): usize {
  return outLines;
}
export function outEntriesAddress(): usize {
  return outEntries;
}
export function outSecondsAddress(): usize {
  return outSeconds;
}
export function outCapacity(): u32 {
  return OUT_CAPACITY;
}
export function emittedLines(): u32 {
  return emitted;
}
export function skippedLines(): u32 {
  return skipped;
}

/** Room for a chunk of `bytes`; returns where to copy it. */
export function chunkAddress(bytes: u32): usize {
  if (bytes > chunkCapacity) {
    if (chunk != 0) heap.free(chunk);
    chunkCapacity = max(bytes, chunkCapacity * 2);
    chunk = heap.alloc(chunkCapacity + PADDING);
  }
  memory.fill(chunk + bytes, 0, PADDING);
  return chunk;
}

/**
 * The header the next lines are compared with: `length` bytes at chunk offset `at`, holding `fields`
 * fields, with its seconds digits at `clock` (-1: no clock; the caller checked that every second of
 * the header's minute is that minute's time plus the seconds).
 */
export function setHeader(at: u32, length: u32, fields: u32, clock: i32): void {
  clockAt = -1;
  second = 0;
  if (length > HEADER_CAPACITY) {
    headerLength = 0;
    return;
  }
  memory.copy(header, chunk + at, length);
  headerLength = length;
  headerFields = fields;
  if (clock >= 0 && <u32>clock + 2 <= length && isSecond(header + <usize>clock)) {
    clockAt = clock;
    second = secondAt(header + <usize>clock);
  }
}

export function clearHeader(): void {
  headerLength = 0;
  clockAt = -1;
}

/** Walks the lines from chunk offset `from` to `end` (see the top of this file); returns where it stopped. */
export function scan(from: u32, end: u32): u32 {
  const base = chunk;
  let line = base + from;
  const stop = base + end;
  emitted = 0;
  skipped = 0;
  while (line < stop) {
    if (emitted == OUT_CAPACITY) break;
    const lineEnd = findLineEnd(line, stop);
    if (lineEnd >= stop) break;
    if (!hasNeedle(line, lineEnd)) {
      skipped++;
      line = lineEnd + 1;
      continue;
    }
    const length = <u32>(lineEnd - line);
    if (length > MAX_LINE_BYTES || headerLength == 0 || length <= headerLength) break;
    if (load<u8>(line + headerLength) != 32) break;
    if (!sameBytes(line, header, headerLength)) {
      // Another second of the same minute (all else equal): it becomes the current header.
      if (clockAt < 0 || !sameMinute(line)) break;
      store<u16>(header + <usize>clockAt, load<u16>(line + <usize>clockAt));
      second = secondAt(header + <usize>clockAt);
    }
    const afterHeader = headerFields < firstField;
    if (!findFields(afterHeader ? line + headerLength : line, lineEnd, afterHeader ? headerFields : 0)) break;
    const entry = find(userStart, userEnd, ipStart, ipEnd);
    if (entry < 0) break;
    store<u32>(outLines + (<usize>emitted << 2), <u32>(line - base));
    store<i32>(outEntries + (<usize>emitted << 2), entry);
    store<u8>(outSeconds + <usize>emitted, <u8>second);
    emitted++;
    line = lineEnd + 1;
  }
  return <u32>(line - base);
}

/** The entry of a key (user bytes and address bytes, anywhere in memory), or -1; remembered for `add`. */
export function find(uStart: usize, uEnd: usize, aStart: usize, aEnd: usize): i32 {
  const userLength = <u32>(uEnd - uStart);
  const ipLength = <u32>(aEnd - aStart);
  const length = userLength + 1 + ipLength;
  const hash = finish(hashBytes(aStart, aEnd, hashBytes(uStart, uEnd, 0x811c9dc5)));
  lastHash = hash;
  let slot = hash & mask;
  while (true) {
    const at = slots + (<usize>slot << 6);
    const stored = load<u32>(at, 4);
    if (stored == 0) {
      emptySlot = slot;
      return -1;
    }
    if (load<u32>(at) == hash && load<u32>(at, 8) == length) {
      const arenaAt = load<i32>(at, 12);
      const key = arenaAt < 0 ? at + KEY_AT : arena + <usize>arenaAt;
      if (
        load<u8>(key + userLength) == 10 &&
        sameBytes(key, uStart, userLength) &&
        sameBytes(key + userLength + 1, aStart, ipLength)
      )
        return <i32>stored - 1;
    }
    slot = (slot + 1) & mask;
  }
}

/** Adds the key `find` just missed; returns its entry (numbered from 0 in the order added). */
export function add(uStart: usize, uEnd: usize, aStart: usize, aEnd: usize): i32 {
  const entry = entries;
  const userLength = <u32>(uEnd - uStart);
  const length = userLength + 1 + <u32>(aEnd - aStart);
  const at = slots + (<usize>emptySlot << 6);
  let key = at + KEY_AT;
  let arenaAt: i32 = -1;
  if (length > INLINE_KEY_BYTES) {
    if (arenaUsed + length > arenaCapacity) {
      const capacity = max(max(arenaCapacity * 2, arenaUsed + length), <u32>65536);
      const grown = heap.alloc(capacity);
      if (arena != 0) {
        memory.copy(grown, arena, arenaUsed);
        heap.free(arena);
      }
      arena = grown;
      arenaCapacity = capacity;
    }
    arenaAt = <i32>arenaUsed;
    key = arena + arenaUsed;
    arenaUsed += length;
  }
  memory.copy(key, uStart, userLength);
  store<u8>(key + userLength, 10);
  memory.copy(key + userLength + 1, aStart, <usize>(aEnd - aStart));
  store<u32>(at, lastHash);
  store<u32>(at, entry + 1, 4);
  store<u32>(at, length, 8);
  store<i32>(at, arenaAt, 12);
  entries = entry + 1;
  if (entries * 2 > mask + 1) resize((mask + 1) * 2);
  return <i32>entry;
}

function resize(capacity: u32): void {
  const before = slots;
  const beforeCount: u32 = before == 0 ? 0 : mask + 1;
  slots = heap.alloc(<usize>capacity * SLOT_BYTES);
  memory.fill(slots, 0, <usize>capacity * SLOT_BYTES);
  mask = capacity - 1;
  for (let index: u32 = 0; index < beforeCount; index++) {
    const from = before + (<usize>index << 6);
    if (load<u32>(from, 4) == 0) continue;
    let slot = load<u32>(from) & mask;
    while (load<u32>(slots + (<usize>slot << 6), 4) != 0) slot = (slot + 1) & mask;
    memory.copy(slots + (<usize>slot << 6), from, SLOT_BYTES);
  }
  if (before != 0) heap.free(before);
}

// @ts-ignore: decorator
@inline
function hashBytes(start: usize, end: usize, hash: u32): u32 {
  let index = start;
  for (; index + 4 <= end; index += 4) {
    hash = (hash ^ load<u32>(index)) * 0x9e3779b1;
    hash ^= hash >> 15;
  }
  for (; index < end; index++) hash = (hash ^ load<u8>(index)) * 0x01000193;
  hash = (hash ^ 10) * 0x85ebca6b;
  return hash ^ (hash >> 13);
}

// @ts-ignore: decorator
@inline
function finish(hash: u32): u32 {
  hash ^= hash >> 16;
  return hash * 0x7feb352d;
}

// @ts-ignore: decorator
@inline
function sameBytes(a: usize, b: usize, length: u32): bool {
  let index: usize = 0;
  const n = <usize>length;
  for (; index + 8 <= n; index += 8) if (load<u64>(a + index) != load<u64>(b + index)) return false;
  for (; index < n; index++) if (load<u8>(a + index) != load<u8>(b + index)) return false;
  return true;
}

/** True when the line's header is the current one but for its seconds digits, which are 00 to 59. */
// @ts-ignore: decorator
@inline
function sameMinute(line: usize): bool {
  const at = <usize>clockAt;
  return (
    isSecond(line + at) &&
    sameBytes(line, header, <u32>at) &&
    sameBytes(line + at + 2, header + at + 2, headerLength - <u32>at - 2)
  );
}

// @ts-ignore: decorator
@inline
function isSecond(at: usize): bool {
  const tens = load<u8>(at);
  const units = load<u8>(at, 1);
  return tens >= 48 && tens <= 53 && units >= 48 && units <= 57;
}

// @ts-ignore: decorator
@inline
function secondAt(at: usize): u32 {
  return (<u32>load<u8>(at) - 48) * 10 + <u32>load<u8>(at, 1) - 48;
}

// @ts-ignore: decorator
@inline
function findLineEnd(at: usize, stop: usize): usize {
  const newline = i8x16.splat(10);
  while (at + 16 <= stop) {
    const found = i8x16.bitmask(i8x16.eq(v128.load(at), newline));
    if (found != 0) return at + ctz(found);
    at += 16;
  }
  while (at < stop && load<u8>(at) != 10) at++;
  return at;
}

/** True when the pattern starts in [line, lineEnd) (it never holds a newline: the caller checks). */
// @ts-ignore: decorator
@inline
function hasNeedle(line: usize, lineEnd: usize): bool {
  const length = <usize>needleLength;
  if (<usize>(lineEnd - line) < length) return false;
  const last = length - 1;
  const first = i8x16.splat(load<u8>(needle));
  const final = i8x16.splat(load<u8>(needle + last));
  const lastStart = lineEnd - length;
  let at = line;
  while (at + 16 <= lastStart + 1) {
    let candidates = i8x16.bitmask(i8x16.eq(v128.load(at), first)) & i8x16.bitmask(i8x16.eq(v128.load(at + last), final));
    while (candidates != 0) {
      if (sameBytes(at + ctz(candidates), needle, <u32>length)) return true;
      candidates &= candidates - 1;
    }
    at += 16;
  }
  for (; at <= lastStart; at++) if (sameBytes(at, needle, <u32>length)) return true;
  return false;
}

/**
 * Finds fields `firstField` and `lastField` of the line part [from, lineEnd), `before` fields being counted
 * before `from` (which is then a blank); sets userStart..ipEnd. False with too few fields.
 *
 * Sixteen bytes at a step: `blanks` has a bit per space or tab, a field starts at a non-blank after a
 * blank (the byte before the line counts as blank, as in awk) and ends at a blank after a non-blank.
 */
function findFields(from: usize, lineEnd: usize, before: u32): bool {
  const space = i8x16.splat(32);
  const tab = i8x16.splat(9);
  const wanted: u32 = firstField == lastField ? 1 : 2;
  let fields = before;
  let found: u32 = 0;
  let open = false;
  let previousBlank: u32 = 1;
  let at = from;
  while (at < lineEnd) {
    const bytes = v128.load(at);
    let blanks = <u32>i8x16.bitmask(v128.or(i8x16.eq(bytes, space), i8x16.eq(bytes, tab)));
    const left = <usize>(lineEnd - at);
    if (left < 16) blanks |= (<u32>0xffff << <u32>left) & 0xffff;
    const shifted = ((blanks << 1) | previousBlank) & 0xffff;
    let starts = ~blanks & shifted & 0xffff;
    const ends = blanks & ~shifted & 0xffff;
    if (open && ends != 0) {
      setEnd(found, at + ctz(ends));
      open = false;
      found++;
      if (found == wanted) break;
    }
    if (!open) {
      let count = popcnt(starts);
      while (found < wanted) {
        const target = found == 0 ? firstField : lastField;
        if (fields + count < target) break;
        for (let skip = fields + 1; skip < target; skip++) starts &= starts - 1;
        const bit = ctz(starts);
        starts &= starts - 1;
        count = popcnt(starts);
        fields = target;
        setStart(found, at + bit);
        const after = ends & ~((<u32>2 << bit) - 1);
        if (after == 0) {
          open = true;
          break;
        }
        setEnd(found, at + ctz(after));
        found++;
      }
      if (found == wanted) break;
      fields += count;
    }
    previousBlank = blanks >> 15;
    at += 16;
  }
  if (open) {
    setEnd(found, lineEnd);
    found++;
  }
  if (found < wanted) return false;
  if (wanted == 1) {
    setStart(1, firstStart);
    setEnd(1, firstEnd);
  }
  if (userFirst) {
    userStart = firstStart;
    userEnd = firstEnd;
    ipStart = lastStart;
    ipEnd = lastEnd;
  } else {
    userStart = lastStart;
    userEnd = lastEnd;
    ipStart = firstStart;
    ipEnd = firstEnd;
  }
  return true;
}

let firstStart: usize = 0;
let firstEnd: usize = 0;
let lastStart: usize = 0;
let lastEnd: usize = 0;

// @ts-ignore: decorator
@inline
function setStart(which: u32, at: usize): void {
  if (which == 0) firstStart = at;
  else lastStart = at;
}

// @ts-ignore: decorator
@inline
function setEnd(which: u32, at: usize): void {
  if (which == 0) firstEnd = at;
  else lastEnd = at;
}
