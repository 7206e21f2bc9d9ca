const EMPTY = -1;

/**
 * Pair numbers by the raw bytes of a line's user and address fields: a hash
 * table over the bytes, kept in one arena, so a pair already met is found
 * without making or hashing a string. The same raw bytes always name the
 * same pair; two spellings of one pair (`Ann` and `ann`) are two entries with
 * one number. Memory follows the distinct spellings, like the pairs.
 */
export class RawPairCache {
  private mask = 0;
  private size = 0;
  /** Per slot: the entry (-1 empty), and its hash to skip most comparisons. */
  private slots = new Int32Array(0);
  private hashes = new Int32Array(0);
  /** Per entry: where its key is in the arena, its length, its pair number. */
  private keyStarts = new Int32Array(1024);
  private keyLengths = new Int32Array(1024);
  private pairs = new Int32Array(1024);
  private arena = Buffer.allocUnsafe(256 * 1024);
  private used = 0;
  /** The last key looked up, kept for `add`. */
  private hash = 0;

  constructor() {
    this.resize(1024);
  }

  /** The entry of the user bytes `data[userStart, userEnd)` and address bytes `data[ipStart, ipEnd)`, or -1. */
  find(data: Uint8Array, userStart: number, userEnd: number, ipStart: number, ipEnd: number): number {
    let hash = 0x811c9dc5;
    for (let index = userStart; index < userEnd; index++) hash = Math.imul(hash ^ (data[index] as number), 0x01000193);
    hash = Math.imul(hash ^ 10, 0x01000193);
    for (let index = ipStart; index < ipEnd; index++) hash = Math.imul(hash ^ (data[index] as number), 0x01000193);
    this.hash = hash;
    const userLength = userEnd - userStart;
    const length = userLength + 1 + ipEnd - ipStart;
    const arena = this.arena;
    let slot = hash & this.mask;
    for (;;) {
      const entry = this.slots[slot] as number;
      if (entry === EMPTY) return EMPTY;
      if (this.hashes[slot] === hash && this.keyLengths[entry] === length) {
        const at = this.keyStarts[entry] as number;
        if (
          equalBytes(arena, at, data, userStart, userLength) &&
          arena[at + userLength] === 10 &&
          equalBytes(arena, at + userLength + 1, data, ipStart, ipEnd - ipStart)
        )
          return entry;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** The pair number of an entry `find` or `add` gave. */
  pairOf(entry: number): number {
    return this.pairs[entry] as number;
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
    if (entry === this.pairs.length) {
      const grow = (column: Int32Array) => {
        const next = new Int32Array(column.length * 2);
        next.set(column);
        return next;
      };
      this.keyStarts = grow(this.keyStarts);
      this.keyLengths = grow(this.keyLengths);
      this.pairs = grow(this.pairs);
    }
    this.keyStarts[entry] = start;
    this.keyLengths[entry] = length;
    this.pairs[entry] = pair;
    if ((entry + 1) * 2 > this.mask + 1) this.resize((this.mask + 1) * 2);
    this.place(entry, this.hash);
    this.size = entry + 1;
    return entry;
  }

  private place(entry: number, hash: number): void {
    let slot = hash & this.mask;
    while (this.slots[slot] !== EMPTY) slot = (slot + 1) & this.mask;
    this.slots[slot] = entry;
    this.hashes[slot] = hash;
  }

  private resize(capacity: number): void {
    const { slots, hashes } = this;
    this.slots = new Int32Array(capacity).fill(EMPTY);
    this.hashes = new Int32Array(capacity);
    this.mask = capacity - 1;
    for (let slot = 0; slot < slots.length; slot++) {
      const entry = slots[slot] as number;
      if (entry !== EMPTY) this.place(entry, hashes[slot] as number);
    }
  }
}

function equalBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, length: number): boolean {
  for (let index = 0; index < length; index++) if (a[aStart + index] !== b[bStart + index]) return false;
  return true;
}
