import type { IpRecord } from "./account-state.js";

const SMALL = 8;

/**
 * The distinct addresses of a window, and the number of distinct networks
 * among them. Most windows hold one to three addresses: those live in a small
 * array (no Set allocated per window and hour); past eight, Sets take over.
 */
export class AddressSet implements Iterable<IpRecord> {
  private readonly list: IpRecord[] = [];
  private records: Set<IpRecord> | null = null;
  private networkSet: Set<string> | null = null;
  private distinctNetworks = 0;

  get size(): number {
    return this.records === null ? this.list.length : this.records.size;
  }

  get networkCount(): number {
    return this.distinctNetworks;
  }

  /** Adds an address; true when it was not there yet. */
  add(record: IpRecord): boolean {
    if (this.records !== null) {
      if (this.records.has(record)) return false;
      this.records.add(record);
      const networks = this.networkSet as Set<string>;
      if (!networks.has(record.network)) {
        networks.add(record.network);
        this.distinctNetworks += 1;
      }
      return true;
    }
    let newNetwork = true;
    for (const known of this.list) {
      if (known === record) return false;
      if (known.network === record.network) newNetwork = false;
    }
    this.list.push(record);
    if (newNetwork) this.distinctNetworks += 1;
    if (this.list.length > SMALL) {
      this.records = new Set(this.list);
      this.networkSet = new Set(this.list.map((known) => known.network));
    }
    return true;
  }

  /** The distinct networks, in the order first added. */
  networks(): string[] {
    if (this.networkSet !== null) return [...this.networkSet];
    return [...new Set(this.list.map((record) => record.network))];
  }

  [Symbol.iterator](): Iterator<IpRecord> {
    return (this.records ?? this.list)[Symbol.iterator]();
  }
}
