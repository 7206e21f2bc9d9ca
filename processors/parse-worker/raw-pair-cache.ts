/**
 * Pair numbers by the raw bytes of a line's user and address fields: a hash
 * table over the bytes, kept in one arena, so a pair already met is found
 * without making or hashing a string. The same raw bytes always name the
 * same pair; two spellings of one pair (`Ann` and `ann`) are two entries with
 * one number. Memory follows the distinct spellings, like the pairs.
 *
 * Laid out for few cache misses: a slot is its hash and entry side by side,
 * an entry its key's place, length and pair side by side.
 */
export class RawPairCache {
  private mask = 0;
  private size = 0;
  /** Per slot: the key's hash, and its entry + 1 (0: empty). */
  private slots = new Int32Array(0);
  /** Per entry: where its key is in the arena, its length, its pair number. */
  private entries = new Int32Array(3 * 1024);
  private arena = Buffer.allocUnsafe(256 * 1024);
  private used = 0;
  /** The last key looked up, kept for `add`. */
  private hash = 0;

  constructor() {
    this.resize(2048);
  }

  /** The entry of the user bytes `data[userStart, userEnd)` and address bytes `data[ipStart, ipEnd)`, or -1. */
  find(data: Uint8Array, userStart: number, userEnd: number, ipStart: number, ipEnd: number): number {
    const hash = hashBytes(data, ipStart, ipEnd, hashBytes(data, userStart, userEnd, 0x811c9dc5));
    this.hash = hash;
    const userLength = userEnd - userStart;
    const length = userLength + 1 + ipEnd - ipStart;
    const { arena, slots, entries, mask } = this;
    let slot = hash & mask;
    for (;;) {
      const stored = slots[slot * 2 + 1] as number;
      if (stored === 0) return -1;
      if (slots[slot * 2] === hash) {
        const entry = stored - 1;
        const at = entries[entry * 3] as number;
        if (
          entries[entry * 3 + 1] === length &&
          equalBytes(arena, at, data, userStart, userLength) &&
          arena[at + userLength] === 10 &&
          equalBytes(arena, at + userLength + 1, data, ipStart, ipEnd - ipStart)
        )
          return entry;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** The pair number of an entry `find` or `add` gave. */
  pairOf(entry: number): number {
    return this.entries[entry * 3 + 2] as number;
  }

  /** Remembers the pair of the key `find` just missed; returns its entry (numbered from 0 in the order added). */
  add(data: Uint8Array, userStart: number, userEnd: number, ipStart: number, ipEnd: number, pair: number): number {
    const length = userEnd - userStart + 1 + ipEnd - ipStart;
    if (this.used + length > this.arena.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.used + length));
      this.arena.copy(grown, 0, 0, this.used);
      this.arena = grown;
    }
    const start = this.used;
    this.arena.set(data.subarray(userStart, userEnd), start);
    this.arena[start + userEnd - userStart] = 10;
    this.arena.set(data.subarray(ipStart, ipEnd), start + userEnd - userStart + 1);
    this.used += length;
    const entry = this.size;
    if (entry * 3 + 3 > this.entries.length) {
      const grown = new Int32Array(this.entries.length * 2);
      grown.set(this.entries);
      this.entries = grown;
    }
    this.entries[entry * 3] = start;
    this.entries[entry * 3 + 1] = length;
    this.entries[entry * 3 + 2] = pair;
    if ((entry + 1) * 2 > this.mask + 1) this.resize((this.mask + 1) * 2);
    this.place(entry, this.hash);
    this.size = entry + 1;
    return entry;
  }

  private place(entry: number, hash: number): void {
    let slot = hash & this.mask;
    while (this.slots[slot * 2 + 1] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot * 2] = hash;
    this.slots[slot * 2 + 1] = entry + 1;
  }

  private resize(capacity: number): void {
    const before = this.slots;
    this.slots = new Int32Array(capacity * 2);
    this.mask = capacity - 1;
    for (let slot = 0; slot < before.length / 2; slot++) {
      const stored = before[slot * 2 + 1] as number;
      if (stored !== 0) this.place(stored - 1, before[slot * 2] as number);
    }
  }
}

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
