/**
 * Pair numbers by the raw bytes of a line's user and address fields: a hash
 * table over the bytes, so a pair already met is found without making or
 * hashing a string. The same raw bytes always name the same pair; two
 * spellings of one pair (`Ann` and `ann`) are two entries with one number.
 * Memory follows the distinct spellings, like the pairs.
 *
 * Laid out for one cache miss per look-up: a slot is 64 bytes holding the
 * key's hash, its entry, its length and the key itself (the user's bytes, a
 * newline, the address's bytes) when it fits in 48 bytes; only longer keys
 * live in a separate arena. Slots are probed linearly and never more than
 * half full.
 */
export class RawPairCache {
  private mask = 0;
  private size = 0;
  /** SLOT_INTS per slot: hash, entry + 1 (0: empty), key length, arena offset (-1: inline), then the inline key. */
  private slots = new Int32Array(0);
  private slotBytes = new Uint8Array(0);
  /** Per entry (in the order added): its pair number. */
  private pairs = new Int32Array(1024);
  /** Keys longer than INLINE_KEY_BYTES. */
  private arena = new Uint8Array(0);
  private arenaUsed = 0;
  /** The last key looked up, and the empty slot its probe ended on, kept for `add`. */
  private hash = 0;
  private emptySlot = -1;

  constructor() {
    this.resize(2048);
  }

  /** The entry of the user bytes `data[userStart, userEnd)` and address bytes `data[ipStart, ipEnd)`, or -1. */
  find(data: Uint8Array, userStart: number, userEnd: number, ipStart: number, ipEnd: number): number {
    const hash = hashBytes(data, ipStart, ipEnd, hashBytes(data, userStart, userEnd, 0x811c9dc5));
    this.hash = hash;
    const userLength = userEnd - userStart;
    const ipLength = ipEnd - ipStart;
    const length = userLength + 1 + ipLength;
    const { slots, mask } = this;
    let slot = hash & mask;
    for (;;) {
      const base = slot * SLOT_INTS;
      const stored = slots[base + ENTRY] as number;
      if (stored === 0) {
        this.emptySlot = slot;
        return -1;
      }
      if (slots[base] === hash && slots[base + LENGTH] === length) {
        const arenaAt = slots[base + ARENA_AT] as number;
        const keys = arenaAt < 0 ? this.slotBytes : this.arena;
        const at = arenaAt < 0 ? base * 4 + KEY_BYTE : arenaAt;
        if (
          keys[at + userLength] === 10 &&
          equalBytes(keys, at, data, userStart, userLength) &&
          equalBytes(keys, at + userLength + 1, data, ipStart, ipLength)
        )
          return stored - 1;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** The pair number of an entry `find` or `add` gave. */
  pairOf(entry: number): number {
    return this.pairs[entry] as number;
  }

  /** Remembers the pair of the key `find` just missed; returns its entry (numbered from 0 in the order added). */
  add(data: Uint8Array, userStart: number, userEnd: number, ipStart: number, ipEnd: number, pair: number): number {
    const entry = this.size;
    if (entry >= this.pairs.length) {
      const grown = new Int32Array(this.pairs.length * 2);
      grown.set(this.pairs);
      this.pairs = grown;
    }
    this.pairs[entry] = pair;
    this.size = entry + 1;
    const userLength = userEnd - userStart;
    const length = userLength + 1 + ipEnd - ipStart;
    let keys = this.slotBytes;
    let at = this.emptySlot * SLOT_INTS * 4 + KEY_BYTE;
    let arenaAt = -1;
    if (length > INLINE_KEY_BYTES) {
      if (this.arenaUsed + length > this.arena.length) {
        const grown = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + length, 64 * 1024));
        grown.set(this.arena.subarray(0, this.arenaUsed));
        this.arena = grown;
      }
      keys = this.arena;
      arenaAt = this.arenaUsed;
      at = arenaAt;
      this.arenaUsed += length;
    }
    keys.set(data.subarray(userStart, userEnd), at);
    keys[at + userLength] = 10;
    keys.set(data.subarray(ipStart, ipEnd), at + userLength + 1);
    const base = this.emptySlot * SLOT_INTS;
    this.slots[base] = this.hash;
    this.slots[base + ENTRY] = entry + 1;
    this.slots[base + LENGTH] = length;
    this.slots[base + ARENA_AT] = arenaAt;
    if (this.size * 2 > this.mask + 1) this.resize((this.mask + 1) * 2);
    return entry;
  }

  /** Moves every slot to a table of `capacity` slots (their keys with them). */
  private resize(capacity: number): void {
    const before = this.slots;
    this.slots = new Int32Array(capacity * SLOT_INTS);
    this.slotBytes = new Uint8Array(this.slots.buffer);
    this.mask = capacity - 1;
    for (let base = 0; base < before.length; base += SLOT_INTS) {
      if (before[base + ENTRY] === 0) continue;
      let slot = (before[base] as number) & this.mask;
      while (this.slots[slot * SLOT_INTS + ENTRY] !== 0) slot = (slot + 1) & this.mask;
      this.slots.set(before.subarray(base, base + SLOT_INTS), slot * SLOT_INTS);
    }
  }
}

/** A slot's Int32 fields: the key's hash (at 0), its entry + 1, its length, its arena offset; the inline key after. */
const ENTRY = 1;
const LENGTH = 2;
const ARENA_AT = 3;
const SLOT_INTS = 16;
const KEY_BYTE = 16;
const INLINE_KEY_BYTES = SLOT_INTS * 4 - KEY_BYTE;

/** Mixes `data[start, end)` into `hash`, four bytes at a step. */
function hashBytes(data: Uint8Array, start: number, end: number, hash: number): number {
  let index = start;
  for (; index + 4 <= end; index += 4) {
    const word =
      (data[index] as number) |
      ((data[index + 1] as number) << 8) |
      ((data[index + 2] as number) << 16) |
      ((data[index + 3] as number) << 24);
    hash = Math.imul(hash ^ word, 0x9e3779b1);
    hash ^= hash >>> 15;
  }
  for (; index < end; index++) hash = Math.imul(hash ^ (data[index] as number), 0x01000193);
  // The separator between user and address, and a final mix.
  hash = Math.imul(hash ^ 10, 0x85ebca6b);
  return hash ^ (hash >>> 13);
}

function equalBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, length: number): boolean {
  for (let index = 0; index < length; index++) if (a[aStart + index] !== b[bStart + index]) return false;
  return true;
}
