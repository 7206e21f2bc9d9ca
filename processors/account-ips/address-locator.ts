import type { AddressLocation } from "./address-records.js";
import type { AsnDatabase } from "./asn-database.js";
import { networksOf } from "./ip-networks.js";

const CACHE_LIMIT = 100_000;

/**
 * Where an address is (networks, ASN, country), remembered for the most recent addresses;
 * `cacheLimit: 0` remembers none, for a caller that locates each address once.
 */
export function addressLocator(
  asnDatabase: AsnDatabase,
  options: { cacheLimit?: number } = {},
): (ip: string) => AddressLocation {
  const cacheLimit = options.cacheLimit ?? CACHE_LIMIT;
  const cache = new Map<string, AddressLocation>();
  return (ip) => {
    let located = cacheLimit === 0 ? undefined : cache.get(ip);
    if (located === undefined) {
      const networks = networksOf(ip);
      const asn = asnDatabase.lookup(ip);
      located = {
        network: networks.network,
        network16: networks.network16,
        asn: asn.asn,
        asName: asn.asName,
        country: asn.country,
      };
      if (cacheLimit === 0) return located;
      if (cache.size >= cacheLimit) cache.clear();
      cache.set(ip, located);
    }
    return located;
  };
}
