import { nextCapacity } from "./table-capacity.js";

const EMPTY = -1;
/** Each slot is [first, second, value, unused]: one probe reads one cache line. */
const STRIDE = 4;

/**
 * A hash table from a pair of 32-bit integers (a user id and an IPv4
 * address, a user id and a network id) to a non-negative integer, with open
 * addressing in one typed array: a look-up touches one or two cache lines and
 * no object, where a Map per user would chase several.
 */
export class PairTable {
  private mask = 0;
  private size = 0;
  private slots = new Int32Array(0);

  constructor() {
    this.resize(1024);
  }

  get count(): number {
    return this.size;
  }

  /** The value stored for (first, second), or -1. */
  get(first: number, second: number): number {
    const slots = this.slots;
    const wanted = second | 0;
    let slot = hashPair(first, wanted) & this.mask;
    for (;;) {
      const at = slot * STRIDE;
      const value = slots[at + 2] as number;
      if (value === EMPTY) return EMPTY;
      // Both keys compared in one expression, no `&&`: a second comparison met only once a first key
      // matched would have no type feedback until late in a run, and V8 would compile the callers again.
      if ((((slots[at] as number) ^ first) | ((slots[at + 1] as number) ^ wanted)) === 0) return value;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Stores a value (non-negative) for a pair not in the table yet. */
  insert(first: number, second: number, value: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.resize(nextCapacity(this.mask + 1, (this.mask + 1) * 2));
    this.place(first, second | 0, value);
    this.size += 1;
  }

  private place(first: number, second: number, value: number): void {
    const slots = this.slots;
    let slot = hashPair(first, second) & this.mask;
    while (slots[slot * STRIDE + 2] !== EMPTY) slot = (slot + 1) & this.mask;
    slots[slot * STRIDE] = first;
    slots[slot * STRIDE + 1] = second;
    slots[slot * STRIDE + 2] = value;
  }

  private resize(capacity: number): void {
    const old = this.slots;
    this.slots = new Int32Array(capacity * STRIDE).fill(EMPTY);
    this.mask = capacity - 1;
    for (let at = 0; at < old.length; at += STRIDE) {
      const value = old[at + 2] as number;
      if (value !== EMPTY) this.place(old[at] as number, old[at + 1] as number, value);
    }
  }
}

function hashPair(first: number, second: number): number {
  let hash = Math.imul(first ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(second, 0x85ebca6b);
  hash ^= hash >>> 15;
  hash = Math.imul(hash, 0x2c1b3c6d);
  return (hash ^ (hash >>> 13)) >>> 0;
}
