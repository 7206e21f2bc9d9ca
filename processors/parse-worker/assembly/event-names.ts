// AssemblyScript, compiled to WebAssembly (with SIMD) by `npm run build`: the
// parse worker's store of encoded event names and their gathering into the
// `user`, `user_raw` and `ip` columns of a chunk's Native block. The
// TypeScript side is processors/parse-worker/event-names.ts.
//
// A name set holds, per number, three ClickHouse Native strings end to end
// (LEB128 length and UTF-8 bytes each: the user, the raw user, the address).
// Set 0 holds the names of the raw-bytes table's entries (a field map's pairs
// as spelled in the log), kept for the worker's life; set 1 the names of
// single events (other formats), emptied by every `gather`. A chunk's events
// are given as slots (`slot >= 0`: entry `slot` of set 0; `slot < 0`: number
// `-1 - slot` of set 1), and `gather` writes their names column by column into
// one output area: 16 bytes per step, each copy's overshoot overwritten by the
// next value (the areas carry padding for it).

/** Bytes after every area that 16-byte steps may read or write past its end. */
const PADDING: u32 = 32;

class NameSet {
  bytes: usize = 0;
  capacity: u32 = 0;
  used: u32 = 0;
  /** Per number: start, user end, raw user end, end (offsets in `bytes`), as u32. */
  bounds: usize = 0;
  boundsCapacity: u32 = 0;
}

const kept = new NameSet();
const single = new NameSet();
let singles: u32 = 0;

let slots: usize = 0;
let slotsCapacity: u32 = 0;
let out: usize = 0;
let outCapacity: u32 = 0;
const columnStart = new StaticArray<u32>(3);
const columnLength = new StaticArray<u32>(3);

/**
 * Room for `bytes` more bytes of names in set `set`; returns where to write them (valid until the next
 * call). `names` or `addSingle` then takes them.
 */
export function reserve(set: u32, bytes: u32): usize {
  const names = set == 0 ? kept : single;
  if (names.used + bytes > names.capacity) {
    const capacity = max(names.used + bytes, max(names.capacity * 2, 64 * 1024));
    const grown = heap.alloc(<usize>capacity + PADDING);
    if (names.bytes != 0) {
      memory.copy(grown, names.bytes, names.used);
      heap.free(names.bytes);
    }
    names.bytes = grown;
    names.capacity = capacity;
  }
  return names.bytes + <usize>names.used;
}

/** Takes the three names written at `reserve(0, ...)` as the names of entry `entry` of set 0. */
export function nameEntry(entry: u32, userBytes: u32, rawBytes: u32, ipBytes: u32): void {
  growBounds(kept, entry + 1);
  take(kept, entry, userBytes, rawBytes, ipBytes);
}

/** Takes the three names written at `reserve(1, ...)` as one event's; returns its slot (negative). */
export function addSingle(userBytes: u32, rawBytes: u32, ipBytes: u32): i32 {
  growBounds(single, singles + 1);
  take(single, singles, userBytes, rawBytes, ipBytes);
  singles += 1;
  return -(<i32>singles);
}

/** Room for `count` slots; returns where to write them (i32 each). */
export function slotsAddress(count: u32): usize {
  if (count > slotsCapacity) {
    if (slots != 0) heap.free(slots);
    slotsCapacity = max(count, slotsCapacity * 2);
    slots = heap.alloc(<usize>slotsCapacity * 4);
  }
  return slots;
}

/**
 * The names of the `count` slots at `slotsAddress` as three Native `String` columns (user, raw user,
 * address) at `columnAddress(0..2)`, `columnBytes(0..2)` long; empties set 1.
 */
export function gather(count: u32): void {
  for (let column: u32 = 0; column < 3; column++) unchecked((columnLength[column] = 0));
  for (let index: u32 = 0; index < count; index++) {
    const bounds = boundsOf(load<i32>(slots + (<usize>index << 2)));
    const start = load<u32>(bounds);
    const userEnd = load<u32>(bounds, 4);
    const rawEnd = load<u32>(bounds, 8);
    const end = load<u32>(bounds, 12);
    unchecked((columnLength[0] += userEnd - start));
    unchecked((columnLength[1] += rawEnd - userEnd));
    unchecked((columnLength[2] += end - rawEnd));
  }
  const need = unchecked(columnLength[0]) + unchecked(columnLength[1]) + unchecked(columnLength[2]) + 3 * PADDING;
  if (need > outCapacity) {
    if (out != 0) heap.free(out);
    outCapacity = max(need, outCapacity * 2);
    out = heap.alloc(<usize>outCapacity);
  }
  unchecked((columnStart[0] = 0));
  unchecked((columnStart[1] = unchecked(columnLength[0]) + PADDING));
  unchecked((columnStart[2] = unchecked(columnStart[1]) + unchecked(columnLength[1]) + PADDING));
  let user = out + <usize>unchecked(columnStart[0]);
  let raw = out + <usize>unchecked(columnStart[1]);
  let ip = out + <usize>unchecked(columnStart[2]);
  for (let index: u32 = 0; index < count; index++) {
    const slot = load<i32>(slots + (<usize>index << 2));
    const bounds = boundsOf(slot);
    const base = slot >= 0 ? kept.bytes : single.bytes;
    const start = base + <usize>load<u32>(bounds);
    const userEnd = base + <usize>load<u32>(bounds, 4);
    const rawEnd = base + <usize>load<u32>(bounds, 8);
    const end = base + <usize>load<u32>(bounds, 12);
    user = copy(user, start, userEnd);
    raw = copy(raw, userEnd, rawEnd);
    ip = copy(ip, rawEnd, end);
  }
  single.used = 0;
  singles = 0;
}

export function columnAddress(column: u32): usize {
  return out + <usize>unchecked(columnStart[column]);
}
export function columnBytes(column: u32): u32 {
  return unchecked(columnLength[column]);
}

// @ts-ignore: decorator
@inline
function boundsOf(slot: i32): usize {
  return slot >= 0 ? kept.bounds + (<usize>slot << 4) : single.bounds + (<usize>(-1 - slot) << 4);
}

/** Copies `[from, to)` to `at` 16 bytes at a step (writing up to 15 bytes past the copy); returns the copy's end. */
// @ts-ignore: decorator
@inline
function copy(at: usize, from: usize, to: usize): usize {
  const length = to - from;
  for (let index: usize = 0; index < length; index += 16) v128.store(at + index, v128.load(from + index));
  return at + length;
}

function take(names: NameSet, number: u32, userBytes: u32, rawBytes: u32, ipBytes: u32): void {
  const bounds = names.bounds + (<usize>number << 4);
  const start = names.used;
  store<u32>(bounds, start);
  store<u32>(bounds, start + userBytes, 4);
  store<u32>(bounds, start + userBytes + rawBytes, 8);
  store<u32>(bounds, start + userBytes + rawBytes + ipBytes, 12);
  names.used = start + userBytes + rawBytes + ipBytes;
}

function growBounds(names: NameSet, count: u32): void {
  if (count <= names.boundsCapacity) return;
  const capacity = max(count, max(names.boundsCapacity * 2, 1024));
  const grown = heap.alloc(<usize>capacity << 4);
  memory.fill(grown, 0, <usize>capacity << 4);
  if (names.bounds != 0) {
    memory.copy(grown, names.bounds, <usize>names.boundsCapacity << 4);
    heap.free(names.bounds);
  }
  names.bounds = grown;
  names.boundsCapacity = capacity;
}
