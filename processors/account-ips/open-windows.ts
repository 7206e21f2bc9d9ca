import { grownColumn, grownRows, nextCapacity } from "./table-capacity.js";

/** Addresses kept inside a window's own fields; a window with more moves them to sets. */
const INLINE = 4;

/**
 * The numbers of one window, at these offsets of its stretch of `OpenWindows`:
 * the hot ones first, so a login touches one or two cache lines per window.
 */
export const WindowField = {
  start: 0,
  end: 1,
  events: 2,
  logins: 3,
  failures: 4,
  firstLogin: 5,
  lastLogin: 6,
  /** Distinct addresses (record ids) of successful logins. */
  addresses: 7,
  /** Distinct networks among them. */
  networks: 8,
  /** Highest alert level already raised. */
  alertedLevel: 9,
  /** 1 while waiting in the dirty list (an address was added since the last collection). */
  queued: 10,
  /** `events` when the window's row was last written (-1: never): a closing window is written again only if it changed. */
  emittedEvents: 11,
  user: 12,
  /** Index of the configured window. */
  spec: 13,
  /** The owner's next older open window of the same configured window (-1: none). */
  next: 14,
} as const;
type Field = (typeof WindowField)[keyof typeof WindowField];
/** How many numbers `WindowField` names (`copyFields` copies them). */
export const WINDOW_FIELDS = 15;
/** Where a window keeps its owner (not a `WindowField`: no reader of a window's numbers needs it). */
const OWNER = 15;
const INLINE_RECORDS = 16;
const INLINE_NETWORKS = INLINE_RECORDS + INLINE;
const STRIDE = 24;

/** The addresses of a window past `INLINE`, in the order first added, with sets for membership. */
type ManyAddresses = {
  records: number[];
  recordSet: Set<number>;
  networks: number[];
  networkSet: Set<number>;
};

/**
 * The open event-time windows, each a stretch of numbers in one typed array
 * (indexed by a slot): owner, configured window, bounds, counts, alert level,
 * and its distinct addresses (record ids) and networks. Most windows hold one
 * to three addresses: those stay inline, no object per window and hour.
 * Closed windows free their slot for the next.
 */
export class OpenWindows {
  /** Slots in use or freed: every live slot is below it. */
  private high = 0;
  private readonly free: number[] = [];
  private data = new Float64Array(0);
  private readonly many: (ManyAddresses | undefined)[] = [];
  /**
   * Per owner (`user * configured windows + spec`): its newest open window (-1: none); each window links
   * to the next older one. An owner has one to a few open windows: a short walk, no Map per owner.
   */
  private heads = new Int32Array(0);
  /**
   * The ends of the open windows, ascending, and each end's slots in the order opened: closing the
   * windows the watermark has passed visits those only, not every owner (tens of thousands of them, every
   * hour of event time, for the few windows whose hour is over).
   */
  private readonly ends: number[] = [];
  private readonly slotsByEnd = new Map<number, number[]>();
  /** Open windows right now: every slot handed out but the freed ones. */
  get openCount(): number {
    return this.high - this.free.length;
  }

  /** The newest open window of an owner, or -1. */
  newest(owner: number): number {
    return owner < this.heads.length ? (this.heads[owner] as number) : -1;
  }

  /** The owner's open window starting at `start`, or -1. Its list is newest first: the walk stops at an older one. */
  find(owner: number, start: number): number {
    let slot = this.newest(owner);
    while (slot >= 0) {
      const slotStart = this.data[slot * STRIDE + WindowField.start] as number;
      if (slotStart === start) return slot;
      if (slotStart < start) return -1;
      slot = this.data[slot * STRIDE + WindowField.next] as number;
    }
    return -1;
  }

  /** An owner's open windows, oldest first (by start). */
  windowsOf(owner: number): number[] {
    const slots: number[] = [];
    for (let slot = this.newest(owner); slot >= 0; slot = this.data[slot * STRIDE + WindowField.next] as number)
      slots.push(slot);
    return slots.reverse();
  }

  /** The window's owner (`user * configured windows + spec`). */
  owner(slot: number): number {
    return this.data[slot * STRIDE + OWNER] as number;
  }

  /** The earliest end of an open window (+Infinity when none is open). */
  earliestEnd(): number {
    return this.ends[0] ?? Number.POSITIVE_INFINITY;
  }

  /** How many open windows end at or before `limit`. */
  countEndingBy(limit: number): number {
    let count = 0;
    for (const end of this.ends) {
      if (end > limit) break;
      count += (this.slotsByEnd.get(end) as number[]).length;
    }
    return count;
  }

  /**
   * The windows that end at or before `limit`, by end, each end's in the order opened, taken out of the
   * index by end: the caller reads each and then closes it (`close`), before opening or closing any other.
   * (A loop in the caller, not a callback: a new callback per collection made V8 compile this again.)
   */
  takeEndingBy(limit: number): number[] {
    let taken = 0;
    const slots: number[] = [];
    for (; taken < this.ends.length; taken++) {
      const end = this.ends[taken] as number;
      if (end > limit) break;
      const ending = this.slotsByEnd.get(end) as number[];
      for (let index = 0; index < ending.length; index++) slots.push(ending[index] as number);
      this.slotsByEnd.delete(end);
    }
    this.ends.splice(0, taken);
    return slots;
  }

  /** Closes a window `takeEndingBy` gave: out of its owner's list, its slot free for the next. */
  close(slot: number): void {
    this.unlink(slot);
    this.release(slot);
  }

  /** Takes a window out of its owner's list (a short walk from the newest: an owner has a few open windows). */
  private unlink(slot: number): void {
    const data = this.data;
    const owner = this.owner(slot);
    const next = data[slot * STRIDE + WindowField.next] as number;
    let previous = -1;
    for (let at = this.heads[owner] as number; at !== slot; at = data[at * STRIDE + WindowField.next] as number)
      previous = at;
    if (previous < 0) this.heads[owner] = next;
    else data[previous * STRIDE + WindowField.next] = next;
  }

  field(slot: number, field: Field): number {
    return this.data[slot * STRIDE + field] as number;
  }

  /**
   * Copies a window's numbers (every `WindowField`, at those offsets) into `target`: a reader of many
   * fields reads them from there, with no call (and no number boxed) per field.
   */
  copyFields(slot: number, target: Float64Array): void {
    const data = this.data;
    const base = slot * STRIDE;
    for (let field = 0; field < WINDOW_FIELDS; field++) target[field] = data[base + field] as number;
  }

  setField(slot: number, field: Field, value: number): void {
    this.data[slot * STRIDE + field] = value;
  }

  /** Opens a window for an owner (`user * configured windows + spec`); at most one per start. */
  open(owner: number, user: number, spec: number, start: number, end: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.high++;
      this.data = grownRows(this.data, STRIDE, slot + 1);
    }
    if (owner >= this.heads.length) {
      const before = this.heads.length;
      this.heads = grownColumn(this.heads, nextCapacity(before, owner + 1));
      this.heads.fill(-1, before);
    }
    const base = slot * STRIDE;
    const data = this.data;
    data[base + WindowField.start] = start;
    data[base + WindowField.end] = end;
    data[base + WindowField.events] = 0;
    data[base + WindowField.logins] = 0;
    data[base + WindowField.failures] = 0;
    data[base + WindowField.firstLogin] = Number.POSITIVE_INFINITY;
    data[base + WindowField.lastLogin] = Number.NEGATIVE_INFINITY;
    data[base + WindowField.addresses] = 0;
    data[base + WindowField.networks] = 0;
    data[base + WindowField.alertedLevel] = 0;
    data[base + WindowField.queued] = 0;
    data[base + WindowField.emittedEvents] = -1;
    data[base + WindowField.user] = user;
    data[base + WindowField.spec] = spec;
    data[base + OWNER] = owner;
    this.indexByEnd(slot, end);
    // Into the owner's list by start, newest first (in-order lines always open the newest: the head).
    let previous = -1;
    let after = this.heads[owner] as number;
    while (after >= 0 && (data[after * STRIDE + WindowField.start] as number) > start) {
      previous = after;
      after = data[after * STRIDE + WindowField.next] as number;
    }
    data[base + WindowField.next] = after;
    if (previous < 0) this.heads[owner] = slot;
    else data[previous * STRIDE + WindowField.next] = slot;
    this.many[slot] = undefined;
    return slot;
  }

  private indexByEnd(slot: number, end: number): void {
    const slots = this.slotsByEnd.get(end);
    if (slots !== undefined) {
      slots.push(slot);
      return;
    }
    this.slotsByEnd.set(end, [slot]);
    // Ends arrive mostly in order: the place is found from the back.
    let at = this.ends.length;
    while (at > 0 && (this.ends[at - 1] as number) > end) at--;
    this.ends.splice(at, 0, end);
  }

  private release(slot: number): void {
    this.many[slot] = undefined;
    this.free.push(slot);
  }

  /**
   * Counts one login (hot path): events always; logins, first and last login
   * and the address when it succeeded. True when it added an address the
   * window did not hold yet (the only time its level can change).
   */
  countLogin(slot: number, ts: number, success: boolean, record: number, network: number): boolean {
    const data = this.data;
    const base = slot * STRIDE;
    data[base + WindowField.events] = (data[base + WindowField.events] as number) + 1;
    if (!success) {
      data[base + WindowField.failures] = (data[base + WindowField.failures] as number) + 1;
      return false;
    }
    data[base + WindowField.logins] = (data[base + WindowField.logins] as number) + 1;
    if (ts < (data[base + WindowField.firstLogin] as number)) data[base + WindowField.firstLogin] = ts;
    if (ts > (data[base + WindowField.lastLogin] as number)) data[base + WindowField.lastLogin] = ts;
    return this.addAddress(slot, record, network);
  }

  /** Adds an address (record id, with its network id); true when the window did not hold it yet. */
  addAddress(slot: number, record: number, network: number): boolean {
    const data = this.data;
    const base = slot * STRIDE;
    const count = data[base + WindowField.addresses] as number;
    if (count > INLINE) {
      const many = this.many[slot] as ManyAddresses;
      if (many.recordSet.has(record)) return false;
      many.records.push(record);
      many.recordSet.add(record);
      if (!many.networkSet.has(network)) {
        many.networkSet.add(network);
        many.networks.push(network);
        data[base + WindowField.networks] = (data[base + WindowField.networks] as number) + 1;
      }
      data[base + WindowField.addresses] = count + 1;
      return true;
    }
    let newNetwork = true;
    for (let index = 0; index < count; index++) {
      if (data[base + INLINE_RECORDS + index] === record) return false;
      if (data[base + INLINE_NETWORKS + index] === network) newNetwork = false;
    }
    if (count < INLINE) {
      data[base + INLINE_RECORDS + count] = record;
      data[base + INLINE_NETWORKS + count] = network;
    } else {
      const records = [...data.subarray(base + INLINE_RECORDS, base + INLINE_RECORDS + INLINE), record];
      const networks = this.networkIds(slot);
      if (newNetwork) networks.push(network);
      this.many[slot] = { records, recordSet: new Set(records), networks, networkSet: new Set(networks) };
    }
    if (newNetwork) data[base + WindowField.networks] = (data[base + WindowField.networks] as number) + 1;
    data[base + WindowField.addresses] = count + 1;
    return true;
  }

  /** The `index`-th address (record id) of a window, in the order added. */
  addressAt(slot: number, index: number): number {
    const many = this.many[slot];
    if (many !== undefined) return (many.records[index] as number) | 0;
    return (this.data[slot * STRIDE + INLINE_RECORDS + index] as number) | 0;
  }

  /** True while the window's addresses are held inline (at most `INLINE`: most windows). */
  holdsInline(slot: number): boolean {
    return this.many[slot] === undefined;
  }

  /** For a window held inline: true when the address at `at` is the first of its network in the window. */
  firstOfItsNetwork(slot: number, at: number): boolean {
    const data = this.data;
    const base = slot * STRIDE;
    const network = data[base + INLINE_NETWORKS + at] as number;
    for (let earlier = 0; earlier < at; earlier++) if (data[base + INLINE_NETWORKS + earlier] === network) return false;
    return true;
  }

  /** The `index`-th distinct network id of a window (below its `networks` count), in the order first added. */
  distinctNetworkAt(slot: number, index: number): number {
    const many = this.many[slot];
    if (many !== undefined) return many.networks[index] as number;
    const base = slot * STRIDE;
    const count = this.data[base + WindowField.addresses] as number;
    let distinct = -1;
    for (let at = 0; at < count; at++) {
      const network = this.data[base + INLINE_NETWORKS + at] as number;
      let before = false;
      for (let earlier = 0; earlier < at; earlier++)
        if (this.data[base + INLINE_NETWORKS + earlier] === network) before = true;
      if (!before && ++distinct === index) return network | 0;
    }
    throw new RangeError(`window ${slot} has no network ${index}`);
  }

  /** The distinct network ids of a window's addresses, in the order first added (a fresh array). */
  networkIds(slot: number): number[] {
    const count = this.data[slot * STRIDE + WindowField.networks] as number;
    return Array.from({ length: count }, (_, index) => this.distinctNetworkAt(slot, index));
  }
}
