import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type AsnDatabase, loadAsnDatabase } from "../processors/account-ips/asn-database.js";
import type { Random } from "./seeded-random.js";

/** A range of IPv4 addresses announced by one autonomous system, in one country. */
export type AddressRange = { start: number; end: number; asn: number; country: string };

/** Real mobile carriers (ASN, home country): phones roam through their addresses. */
const CARRIERS: readonly { asn: number; country: string }[] = [
  { asn: 21928, country: "US" }, // T-Mobile US
  { asn: 22394, country: "US" }, // Verizon Wireless
  { asn: 3209, country: "DE" }, // Vodafone Germany
  { asn: 6805, country: "DE" }, // Telefonica Germany
  { asn: 3215, country: "FR" }, // Orange France
  { asn: 25135, country: "GB" }, // Vodafone UK
];
/** Residential and business ISPs per country, for ordinary users' homes and offices. */
const ISPS: Readonly<Record<string, readonly number[]>> = {
  US: [7922, 701, 7018, 20115],
  DE: [3320, 3209, 8881, 6830],
  FR: [3215, 12322, 5410, 15557],
  GB: [2856, 5089, 5607, 13285],
};

export type AddressPools = {
  countries: readonly string[];
  /** One or two carriers of one country. */
  carrierRanges(random: Random): AddressRange[];
  ispRanges(country: string): readonly AddressRange[];
  /** Ranges of many ASNs and countries world-wide: hosting, botnets, VPNs. */
  worldRanges: readonly AddressRange[];
  addressIn(range: AddressRange, random: Random): string;
  asnDatabase: AsnDatabase;
};

/** Reads the offline ASN tables once and sorts their ranges into the pools the demo draws from. */
export function loadAddressPools(): AddressPools {
  const require = createRequire(import.meta.url);
  const folder = dirname(require.resolve("@ip-location-db/asn/package.json"));
  const text = readFileSync(join(folder, "asn-ipv4-num.csv"), "latin1");
  const asnDatabase = loadAsnDatabase();
  const wanted = new Set([...CARRIERS.map((carrier) => carrier.asn), ...Object.values(ISPS).flat()]);
  const byAsn = new Map<number, AddressRange[]>();
  const world: AddressRange[] = [];
  let row = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const [first, last, asnText] = text.slice(start, end).split(",", 3);
    start = end + 1;
    row += 1;
    const asn = Number(asnText);
    const range = { start: Number(first), end: Number(last), asn, country: "" };
    if (!(range.end - range.start >= 255)) continue;
    if (wanted.has(asn)) {
      const list = byAsn.get(asn);
      if (list === undefined) byAsn.set(asn, [range]);
      else list.push(range);
    } else if (row % 97 === 0) world.push(range);
  }
  const located = (ranges: readonly AddressRange[], country?: string) =>
    ranges
      .map((range) => ({ ...range, country: asnDatabase.lookup(numberToIp(range.start + 1)).country }))
      .filter((range) => range.country !== "" && (country === undefined || range.country === country));
  const carriers = CARRIERS.map((carrier) => ({
    ...carrier,
    ranges: located(byAsn.get(carrier.asn) ?? [], carrier.country),
  })).filter((carrier) => carrier.ranges.length > 0);
  const isps = new Map(
    Object.entries(ISPS).map(([country, asns]) => [
      country,
      located(
        asns.flatMap((asn) => byAsn.get(asn) ?? []),
        country,
      ),
    ]),
  );
  const worldRanges = located(world);
  return {
    countries: [...isps.keys()].filter((country) => (isps.get(country)?.length ?? 0) > 0),
    carrierRanges(random) {
      const first = random.pick(carriers);
      const sameCountry = carriers.filter((carrier) => carrier.country === first.country && carrier.asn !== first.asn);
      const second = sameCountry.length > 0 && random.chance(0.3) ? random.pick(sameCountry) : null;
      return [...first.ranges, ...(second?.ranges ?? [])];
    },
    ispRanges: (country) => isps.get(country) ?? [],
    worldRanges,
    addressIn(range, random) {
      const size = range.end - range.start - 1;
      return numberToIp(range.start + 1 + Math.floor(random.next() * Math.max(1, size)));
    },
    asnDatabase,
  };
}

export function numberToIp(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}
