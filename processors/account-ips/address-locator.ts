import type { AddressLocation } from "./address-records.js";
import type { AsnDatabase } from "./asn-database.js";
import { networksOf } from "./ip-networks.js";

const CACHE_LIMIT = 100_000;

/** Where an address is (networks, ASN, country), remembered for the most recent addresses. */
export function addressLocator(asnDatabase: AsnDatabase): (ip: string) => AddressLocation {
  const cache = new Map<string, AddressLocation>();
  return (ip) => {
    let located = cache.get(ip);
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
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(ip, located);
    }
    return located;
  };
}
