// AssemblyScript, compiled to WebAssembly (with SIMD) by `npm run build`: the
// parse worker's scan of field-map chunks, its raw-bytes pair table, and the
// worker's numbering of users, addresses and pairs. The TypeScript side is
// processors/parse-worker/field-map-scanner.ts; the layout and the rules it
// follows are in docs/performance.md ("The scan kernel").
//
// A chunk is copied into this module's memory. `scan` walks its lines: a line
// without the pattern is counted as skipped; a line with it whose syslog
// header bytes equal the header the caller set last, whose two fields are
// found (awk's field splitting: runs of spaces and tabs) and whose raw user
// and address bytes are in the table is emitted (its start and its table
// entry). A header may carry a clock (`HH:MM:SS`, the caller gives where its
// seconds are): a line whose header differs from the current one only in
// those two seconds digits is taken too, and becomes the current header; every
// emitted line's second is written beside it. A line whose raw pair is not in
// the table is numbered here when its user is plain printable ASCII and its
// address a plain dotted quad (`firstSight`: the caller learns what was new
// from the first sights' list), and emitted. At any other line (a new header,
// a pair of other names, too few fields, a line too long or without its
// newline, or the output full) the scan stops and returns that line's start,
// for the caller to read it in TypeScript.

/** Lines longer than this are left to the caller (mail-line-parser's MAX_LINE_BYTES). */
const MAX_LINE_BYTES: u32 = 64 * 1024;
/** Lines emitted per call at most. */
const OUT_CAPACITY: u32 = 16384;
/** Bytes read past a chunk's end by the 16-byte loads (always allocated, never read as data). */
const PADDING: u32 = 64;
const HEADER_CAPACITY: u32 = 256;
const SCRATCH_CAPACITY: u32 = 128 * 1024;

// A raw-bytes table slot is 64 bytes: hash (u32), entry + 1 (0: empty), key length,
// arena offset (-1: the key is inline), then the key (user bytes, "\n", address
// bytes) when it fits in 48 bytes.
const SLOT_SHIFT: u32 = 6;
const SLOT_BYTES: u32 = 1 << SLOT_SHIFT;
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

/** The raw-bytes table: a pair spelling's slot (see SLOT_BYTES) -> its entry; keys past 48 bytes in `keys`. */
const spellings = new SlotTable(SLOT_SHIFT, 2048);
const keys = new Arena();
let lastHash: u32 = 0;
let emptySlot: u32 = 0;

let emitted: u32 = 0;
/** The batch of lines being looked up (`scan`). */
let batch: usize = 0;
/** What the touched slots held, kept so that the compiler keeps the loads that bring them into the caches. */
let touchedSlots: u32 = 0;
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
  batch = heap.alloc(BATCH * BATCH_ENTRY_BYTES);
  firsts = heap.alloc(OUT_CAPACITY * FIRST_BYTES);
  userKey = heap.alloc(USER_KEY_CAPACITY + PADDING);
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

/**
 * Lines read before their pairs are looked up (see `scan`): enough to keep a dozen of the table's cache
 * misses in flight, few enough that a batch's lines stay in the first-level cache.
 */
const BATCH: u32 = 32;
/**
 * Lines the next batch reads: halved at each line of a batch left to TypeScript (the lines read after it in
 * its batch are read again by the next scan: while many such lines come, batches stay short), doubled after
 * each batch without one, up to BATCH.
 */
let batchLimit: u32 = 1;
/** Per line of a batch: its start, user start and end, address start and end, hash, second, lines skipped before it. */
const BATCH_ENTRY_BYTES: u32 = 32;

/**
 * Walks the lines from chunk offset `from` to `end` (see the top of this file); returns where it stopped.
 *
 * The table is several MiB (a slot per pair spelling), so nearly every look-up misses the caches: a
 * look-up that waits for the one before it costs a memory access. The lines are therefore read in
 * batches: first up to BATCH lines are checked and their keys hashed, then each of their slots is
 * touched (independent loads, whose misses overlap), then they are looked up in order. A look-up that
 * misses numbers the line's pair (`firstSight`) or, when its names are not plain, stops the scan at its
 * line with the state a line-by-line walk would have had there (its header's second, the lines skipped
 * before it).
 */
export function scan(from: u32, end: u32): u32 {
  const base = chunk;
  let line = base + from;
  const stop = base + end;
  emitted = 0;
  skipped = 0;
  firstCount = 0;
  while (true) {
    // The batch: lines the table decides on; `ended` when a line (at `line`) stops the scan before that.
    let count: u32 = 0;
    let ended = false;
    while (count < batchLimit) {
      if (line >= stop || emitted + count == OUT_CAPACITY) {
        ended = true;
        break;
      }
      const lineEnd = findLineEnd(line, stop);
      if (lineEnd >= stop) {
        ended = true;
        break;
      }
      if (!hasNeedle(line, lineEnd)) {
        skipped++;
        line = lineEnd + 1;
        continue;
      }
      if (!readLine(line, lineEnd)) {
        ended = true;
        break;
      }
      const at = batch + <usize>(count * BATCH_ENTRY_BYTES);
      store<u32>(at, <u32>line);
      store<u32>(at, <u32>userStart, 4);
      store<u32>(at, <u32>userEnd, 8);
      store<u32>(at, <u32>ipStart, 12);
      store<u32>(at, <u32>ipEnd, 16);
      store<u32>(at, keyHash(userStart, userEnd, ipStart, ipEnd), 20);
      store<u32>(at, second, 24);
      store<u32>(at, skipped, 28);
      count++;
      line = lineEnd + 1;
    }
    let touched: u32 = 0;
    const slots = spellings.slots;
    const mask = spellings.mask;
    for (let index: u32 = 0; index < count; index++) {
      const hash = load<u32>(batch + <usize>(index * BATCH_ENTRY_BYTES), 20);
      touched |= load<u32>(slots + (<usize>(hash & mask) << SLOT_SHIFT), 4);
    }
    touchedSlots |= touched;
    for (let index: u32 = 0; index < count; index++) {
      const at = batch + <usize>(index * BATCH_ENTRY_BYTES);
      const start = <usize>load<u32>(at);
      let entry = findHashed(
        <usize>load<u32>(at, 4),
        <usize>load<u32>(at, 8),
        <usize>load<u32>(at, 12),
        <usize>load<u32>(at, 16),
        load<u32>(at, 20),
      );
      if (entry < 0) entry = firstSight(start, at);
      if (entry < 0) {
        batchLimit = max(batchLimit >> 1, 1);
        if (clockAt >= 0) {
          store<u16>(header + <usize>clockAt, load<u16>(start + <usize>clockAt));
          second = load<u32>(at, 24);
        }
        skipped = load<u32>(at, 28);
        return <u32>(start - base);
      }
      store<u32>(outLines + (<usize>emitted << 2), <u32>(start - base));
      store<i32>(outEntries + (<usize>emitted << 2), entry);
      store<u8>(outSeconds + <usize>emitted, <u8>load<u32>(at, 24));
      emitted++;
    }
    if (ended) break;
    if (batchLimit < BATCH) batchLimit <<= 1;
  }
  return <u32>(line - base);
}

/**
 * Checks a line holding the pattern against the header (taking another second of its minute as the new
 * header) and finds its two fields (userStart..ipEnd); false when the scan must stop at it.
 */
// @ts-ignore: decorator
@inline
function readLine(line: usize, lineEnd: usize): bool {
  const length = <u32>(lineEnd - line);
  if (length > MAX_LINE_BYTES || headerLength == 0 || length <= headerLength) return false;
  if (load<u8>(line + headerLength) != 32) return false;
  if (!sameBytes(line, header, headerLength)) {
    // Another second of the same minute (all else equal): it becomes the current header.
    if (clockAt < 0 || !sameMinute(line)) return false;
    store<u16>(header + <usize>clockAt, load<u16>(line + <usize>clockAt));
    second = secondAt(header + <usize>clockAt);
  }
  const afterHeader = headerFields < firstField;
  return findFields(afterHeader ? line + headerLength : line, lineEnd, afterHeader ? headerFields : 0);
}

/** The entry of a key (user bytes and address bytes, anywhere in memory), or -1; remembered for `add`. */
export function find(uStart: usize, uEnd: usize, aStart: usize, aEnd: usize): i32 {
  return findHashed(uStart, uEnd, aStart, aEnd, keyHash(uStart, uEnd, aStart, aEnd));
}

// @ts-ignore: decorator
@inline
function keyHash(uStart: usize, uEnd: usize, aStart: usize, aEnd: usize): u32 {
  return finish(hashBytes(aStart, aEnd, hashBytes(uStart, uEnd, 0x811c9dc5)));
}

function findHashed(uStart: usize, uEnd: usize, aStart: usize, aEnd: usize, hash: u32): i32 {
  const userLength = <u32>(uEnd - uStart);
  const ipLength = <u32>(aEnd - aStart);
  const length = userLength + 1 + ipLength;
  lastHash = hash;
  const slots = spellings.slots;
  const mask = spellings.mask;
  let slot = hash & mask;
  while (true) {
    const at = slots + (<usize>slot << SLOT_SHIFT);
    const stored = load<u32>(at, 4);
    if (stored == 0) {
      emptySlot = slot;
      return -1;
    }
    if (load<u32>(at) == hash && load<u32>(at, 8) == length) {
      const arenaAt = load<i32>(at, 12);
      const key = arenaAt < 0 ? at + KEY_AT : keys.base + <usize>arenaAt;
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
  const entry = spellings.count;
  const userLength = <u32>(uEnd - uStart);
  const length = userLength + 1 + <u32>(aEnd - aStart);
  const at = spellings.slotAt(emptySlot);
  let key = at + KEY_AT;
  let arenaAt: i32 = -1;
  if (length > INLINE_KEY_BYTES) {
    arenaAt = <i32>keys.reserve(length);
    key = keys.base + <usize>arenaAt;
  }
  memory.copy(key, uStart, userLength);
  store<u8>(key + userLength, 10);
  memory.copy(key + userLength + 1, aStart, <usize>(aEnd - aStart));
  store<u32>(at, lastHash);
  store<u32>(at, entry + 1, 4);
  store<u32>(at, length, 8);
  store<i32>(at, arenaAt, 12);
  spellings.added();
  return <i32>entry;
}

/**
 * An open-addressing table (linear probing, at most half full) of slots of `1 << slotShift` bytes that
 * start on a 64-byte boundary (a 64-byte slot never spans two cache lines). Word 0 of a slot holds its
 * key's hash, word 1 its number + 1 (0: empty); the rest is the key, as each table keeps it. Numbers
 * are given from 0 up in the order added (`count`).
 */
class SlotTable {
  slots: usize = 0;
  mask: u32 = 0;
  count: u32 = 0;
  private block: usize = 0;
  private readonly slotShift: u32;

  constructor(slotShift: u32, capacity: u32) {
    this.slotShift = slotShift;
    this.grow(capacity);
  }

  // @ts-ignore: decorator
  @inline
  slotAt(slot: u32): usize {
    return this.slots + (<usize>slot << <usize>this.slotShift);
  }

  /** A slot was filled: the table grows when more than half full. */
  added(): void {
    this.count++;
    if (this.count * 2 > this.mask + 1) this.grow((this.mask + 1) * 2);
  }

  private grow(capacity: u32): void {
    const before = this.slots;
    const beforeBlock = this.block;
    const beforeCount: u32 = before == 0 ? 0 : this.mask + 1;
    const shift = <usize>this.slotShift;
    const bytes = <usize>capacity << shift;
    this.block = heap.alloc(bytes + 64);
    this.slots = (this.block + 63) & ~(<usize>63);
    memory.fill(this.slots, 0, bytes);
    this.mask = capacity - 1;
    for (let index: u32 = 0; index < beforeCount; index++) {
      const from = before + (<usize>index << shift);
      if (load<u32>(from, 4) == 0) continue;
      let slot = load<u32>(from) & this.mask;
      while (load<u32>(this.slotAt(slot), 4) != 0) slot = (slot + 1) & this.mask;
      memory.copy(this.slotAt(slot), from, <usize>1 << shift);
    }
    if (beforeBlock != 0) heap.free(beforeBlock);
  }
}

/** Keys of any length, end to end; grows by doubling. */
class Arena {
  base: usize = 0;
  private capacity: u32 = 0;
  private used: u32 = 0;

  /** Room for `length` more bytes: their offset from `base` (valid until the next `reserve`). */
  reserve(length: u32): u32 {
    if (this.used + length > this.capacity) {
      const capacity = max(max(this.capacity * 2, this.used + length), <u32>65536);
      const grown = heap.alloc(capacity);
      if (this.base != 0) {
        memory.copy(grown, this.base, this.used);
        heap.free(this.base);
      }
      this.base = grown;
      this.capacity = capacity;
    }
    const at = this.used;
    this.used = at + length;
    return at;
  }
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

// ---------------------------------------------------------------------------------------------------
// Numbering. The worker numbers users (by their normalised name), addresses and (user, address) pairs
// from 0 up in the order first seen; these tables are the only numbering, whether a line's first sight
// is taken here or read by TypeScript (which asks through the exports below).

/**
 * Per first sight taken by `scan` (in line order): line start, entry, pair, user, address, what was new
 * (FIRST_NEW_*), user start and end, address start and end (chunk offsets).
 */
const FIRST_BYTES: u32 = 40;
const FIRST_NEW_USER: u32 = 1;
const FIRST_NEW_ADDRESS: u32 = 2;
const FIRST_NEW_PAIR: u32 = 4;
let firsts: usize = 0;
let firstCount: u32 = 0;
let userKey: usize = 0;
/** A normalised name's bytes at most (a name from a line of MAX_LINE_BYTES may grow when its case is lowered). */
const USER_KEY_CAPACITY: u32 = 4 * MAX_LINE_BYTES;
export function userKeyCapacity(): u32 {
  return USER_KEY_CAPACITY;
}
let wasNew: bool = false;
let parsedAddress: u32 = 0;

export function firstsAddress(): usize {
  return firsts;
}
export function firstSights(): u32 {
  return firstCount;
}
/** True when the last numbering call met its key for the first time. */
export function lastWasNew(): bool {
  return wasNew;
}

/**
 * A line whose raw pair the table does not hold, numbered here when its user is plain printable ASCII
 * (no blank, not in `<...>`: `normalizeUser` only lowers its case) and its address a plain dotted quad
 * (canonical as written): the pair's entry, or -1 to leave the line to TypeScript.
 */
function firstSight(line: usize, at: usize): i32 {
  const uStart = <usize>load<u32>(at, 4);
  const uEnd = <usize>load<u32>(at, 8);
  const aStart = <usize>load<u32>(at, 12);
  const aEnd = <usize>load<u32>(at, 16);
  if (!plainIpv4(aStart, aEnd) || !plainUser(uStart, uEnd)) return -1;
  let flags: u32 = 0;
  const user = userNumberAt(userKey, <u32>(uEnd - uStart));
  if (wasNew) flags |= FIRST_NEW_USER;
  const address = ipv4AddressNumber(parsedAddress);
  if (wasNew) flags |= FIRST_NEW_ADDRESS;
  const pair = pairNumberOf(user, address);
  if (wasNew) flags |= FIRST_NEW_PAIR;
  // The raw table missed this key just now (`findHashed` left its slot and hash for `add`).
  const entry = add(uStart, uEnd, aStart, aEnd);
  const out = firsts + <usize>(firstCount * FIRST_BYTES);
  const base = chunk;
  store<u32>(out, <u32>(line - base));
  store<u32>(out, <u32>entry, 4);
  store<u32>(out, <u32>pair, 8);
  store<u32>(out, <u32>user, 12);
  store<u32>(out, <u32>address, 16);
  store<u32>(out, flags, 20);
  store<u32>(out, <u32>(uStart - base), 24);
  store<u32>(out, <u32>(uEnd - base), 28);
  store<u32>(out, <u32>(aStart - base), 32);
  store<u32>(out, <u32>(aEnd - base), 36);
  firstCount++;
  return entry;
}

/** A dotted quad of octets 0-255 without leading zeros (canonical-ip.ts's `isPlainIpv4`); its value in `parsedAddress`. */
function plainIpv4(start: usize, end: usize): bool {
  let dots: u32 = 0;
  let digits: u32 = 0;
  let octet: u32 = 0;
  let value: u32 = 0;
  for (let at = start; at < end; at++) {
    const code = <u32>load<u8>(at);
    if (code == 46) {
      if (digits == 0 || dots == 3) return false;
      value = (value << 8) | octet;
      dots++;
      digits = 0;
      octet = 0;
    } else if (code >= 48 && code <= 57) {
      if (digits > 0 && octet == 0) return false;
      octet = octet * 10 + code - 48;
      digits++;
      if (octet > 255) return false;
    } else return false;
  }
  if (dots != 3 || digits == 0) return false;
  parsedAddress = (value << 8) | octet;
  return true;
}

/** Printable ASCII without blanks, not starting with `<`: written in lower case to `userKey`. */
function plainUser(start: usize, end: usize): bool {
  if (start >= end || load<u8>(start) == 60) return false;
  const length = end - start;
  for (let index: usize = 0; index < length; index++) {
    const code = load<u8>(start + index);
    if (code <= 32 || code >= 127) return false;
    store<u8>(userKey + index, code >= 65 && code <= 90 ? code + 32 : code);
  }
  return true;
}

// Users: word 2 the name's length, word 3 its offset in `userNames`.
const users = new SlotTable(4, 1024);
const userNames = new Arena();
// IPv4 addresses: word 2 the address. Other addresses are numbered by TypeScript, from the same count
// (`otherAddressNumber`).
const addresses = new SlotTable(4, 1024);
let addressCount: u32 = 0;
// Pairs: word 2 the user, word 3 the address.
const pairs = new SlotTable(4, 1024);

/** The number of the user whose normalised name is the `length` bytes at `key`, numbered now when new (`lastWasNew`). */
export function userNumberAt(key: usize, length: u32): i32 {
  const hash = finish(hashBytes(key, key + length, 0x811c9dc5));
  const table = users;
  let slot = hash & table.mask;
  while (true) {
    const at = table.slotAt(slot);
    const stored = load<u32>(at, 4);
    if (stored == 0) break;
    if (load<u32>(at) == hash && load<u32>(at, 8) == length && sameBytes(userNames.base + <usize>load<u32>(at, 12), key, length)) {
      wasNew = false;
      return <i32>stored - 1;
    }
    slot = (slot + 1) & table.mask;
  }
  const offset = userNames.reserve(length);
  memory.copy(userNames.base + <usize>offset, key, length);
  const number = table.count;
  const at = table.slotAt(slot);
  store<u32>(at, hash);
  store<u32>(at, number + 1, 4);
  store<u32>(at, length, 8);
  store<u32>(at, offset, 12);
  table.added();
  wasNew = true;
  return <i32>number;
}

/** The number of an IPv4 address, numbered now when new (`lastWasNew`). */
export function ipv4AddressNumber(address: u32): i32 {
  const hash = finish(address * 0x9e3779b1);
  const table = addresses;
  let slot = hash & table.mask;
  while (true) {
    const at = table.slotAt(slot);
    const stored = load<u32>(at, 4);
    if (stored == 0) break;
    if (load<u32>(at, 8) == address) {
      wasNew = false;
      return <i32>stored - 1;
    }
    slot = (slot + 1) & table.mask;
  }
  const number = otherAddressNumber();
  const at = table.slotAt(slot);
  store<u32>(at, hash);
  store<u32>(at, <u32>number + 1, 4);
  store<u32>(at, address, 8);
  table.added();
  wasNew = true;
  return number;
}

/** A number for an address that is not IPv4 (TypeScript keeps which). */
export function otherAddressNumber(): i32 {
  const number = addressCount;
  addressCount = number + 1;
  return <i32>number;
}

/** The number of the pair (user, address), numbered now when new (`lastWasNew`). */
export function pairNumberOf(user: u32, address: u32): i32 {
  const hash = finish((user * 0x9e3779b1) ^ (address * 0x85ebca6b));
  const table = pairs;
  let slot = hash & table.mask;
  while (true) {
    const at = table.slotAt(slot);
    const stored = load<u32>(at, 4);
    if (stored == 0) break;
    if (load<u32>(at, 8) == user && load<u32>(at, 12) == address) {
      wasNew = false;
      return <i32>stored - 1;
    }
    slot = (slot + 1) & table.mask;
  }
  const number = table.count;
  const at = table.slotAt(slot);
  store<u32>(at, hash);
  store<u32>(at, number + 1, 4);
  store<u32>(at, user, 8);
  store<u32>(at, address, 12);
  table.added();
  wasNew = true;
  return <i32>number;
}

/** Where TypeScript writes a user's normalised name before `userNumberAt` (room for `userKeyCapacity()` bytes). */
export function userKeyAddress(): usize {
  return userKey;
}
