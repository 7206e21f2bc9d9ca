import { PairTable } from "./pair-table.js";
import { grownColumn, nextCapacity } from "./table-capacity.js";

/** When each user first logged in from each network (event time): what makes a network "new" in a window. */
export class NetworkSightings {
  private readonly index = new PairTable();
  count = 0;
  user = new Int32Array(0);
  network = new Int32Array(0);
  firstSeen = new Float64Array(0);

  /** True when `user` first saw `network` inside [start, end) (a boolean: nothing boxed on the hot path). */
  firstSeenWithin(user: number, network: number, start: number, end: number): boolean {
    return this.entryFirstSeenWithin(this.index.get(user, network), start, end);
  }

  /** `firstSeenWithin` of a sighting known by its entry (-1: none). Entries never move: one may be kept. */
  entryFirstSeenWithin(entry: number, start: number, end: number): boolean {
    if (entry < 0) return false;
    const seen = this.firstSeen[entry] as number;
    return seen >= start && seen < end;
  }

  /** The entry of (user, network), or -1. */
  entryOf(user: number, network: number): number {
    return this.index.get(user, network);
  }

  /** Records a sighting; returns the earlier first sighting it replaced (undefined when first, or when not earlier). */
  note(user: number, network: number, ts: number): { changed: boolean; previous: number | undefined } {
    const entry = this.index.get(user, network);
    if (entry < 0) {
      this.add(user, network, ts);
      return { changed: true, previous: undefined };
    }
    const known = this.firstSeen[entry] as number;
    if (ts >= known) return { changed: false, previous: known };
    this.firstSeen[entry] = ts;
    return { changed: true, previous: known };
  }

  add(user: number, network: number, ts: number): void {
    const entry = this.count;
    if (entry >= this.user.length) {
      const capacity = nextCapacity(this.user.length, entry + 1);
      this.user = grownColumn(this.user, capacity);
      this.network = grownColumn(this.network, capacity);
      this.firstSeen = grownColumn(this.firstSeen, capacity);
    }
    this.count = entry + 1;
    this.user[entry] = user;
    this.network[entry] = network;
    this.firstSeen[entry] = ts;
    this.index.insert(user, network, entry);
  }
}
