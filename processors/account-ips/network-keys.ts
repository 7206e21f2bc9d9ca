import type { AddressLocation } from "./address-records.js";
import { InternedStrings } from "./interned-strings.js";
import { ipv4Number } from "./ipv4-number.js";

/**
 * Networks as numbers, so that windows count distinct ones without strings:
 * an IPv4 /24 is its address shifted right by 8 bits and a /16 by 16 (no
 * table at all); any other network (IPv6 /48 and /32) is numbered in the
 * order first seen, as a negative number so the two never meet.
 */
export class NetworkKeys {
  private readonly others = new InternedStrings();
  private readonly others16 = new InternedStrings();

  /** The key of an address's /24 (/48) network; `ipv4` is its number, or -1. */
  network(ipv4: number, location: AddressLocation): number {
    return ipv4 >= 0 ? Math.floor(ipv4 / 256) : -(this.others.id(location.network) + 1);
  }

  /** The key of an address's /16 (/32) network. */
  network16(ipv4: number, location: AddressLocation): number {
    return ipv4 >= 0 ? Math.floor(ipv4 / 65536) : -(this.others16.id(location.network16) + 1);
  }

  /** A /24 (/48) network's name, as `networksOf` writes it. */
  networkName(key: number): string {
    if (key < 0) return this.others.name(-key - 1);
    return `${Math.floor(key / 65536)}.${Math.floor(key / 256) % 256}.${key % 256}.0/24`;
  }

  /** The key of a /24 (/48) network named as `networksOf` writes it (from a saved state). */
  networkOfName(name: string): number {
    if (name.endsWith(".0/24")) {
      const ipv4 = ipv4Number(name.slice(0, -3));
      if (ipv4 >= 0) return Math.floor(ipv4 / 256);
    }
    return -(this.others.id(name) + 1);
  }
}
