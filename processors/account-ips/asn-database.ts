import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { expandIpv6 } from "./ip-networks.js";

/** Who announces an address: autonomous system number (0 unknown), its name, and the country ('' unknown). */
export type AsnInfo = { asn: number; asName: string; country: string };

export interface AsnDatabase {
  lookup(ip: string): AsnInfo;
}

const UNKNOWN: AsnInfo = { asn: 0, asName: "", country: "" };
const CACHE_LIMIT = 200_000;

type RangeTable<T> = { starts: T[]; ends: T[]; values: number[] };

/**
 * An offline IP-to-ASN and country database from the npm packages
 * `@ip-location-db/asn` and `@ip-location-db/asn-country` (no network at run
 * time). Each family's tables are read on first use; lookups are a binary
 * search, cached per address (the cache is cleared when it reaches its bound).
 */
export function loadAsnDatabase(): AsnDatabase {
  const require = createRequire(import.meta.url);
  const asnDir = dirname(require.resolve("@ip-location-db/asn/package.json"));
  const countryDir = dirname(require.resolve("@ip-location-db/asn-country/package.json"));
  const asNames: string[] = [];
  const asNameIndex = new Map<string, number>();
  const countries: string[] = [];
  const countryIndex = new Map<string, number>();
  let v4: { asn: RangeTable<number>; country: RangeTable<number> } | null = null;
  let v6: { asn: RangeTable<bigint>; country: RangeTable<bigint> } | null = null;
  const cache = new Map<string, AsnInfo>();

  const intern = (list: string[], index: Map<string, number>, value: string): number => {
    let id = index.get(value);
    if (id === undefined) {
      id = list.length;
      list.push(value);
      index.set(value, id);
    }
    return id;
  };

  /** An ASN column value `13335,"Cloudflare, Inc."` becomes one interned `asn\0name` key. */
  const internAsn = (rest: string): number => {
    const comma = rest.indexOf(",");
    return intern(asNames, asNameIndex, `${Number(rest.slice(0, comma))}\u0000${unquote(rest.slice(comma + 1))}`);
  };

  const loadV4 = () => {
    v4 = {
      asn: readRanges(join(asnDir, "asn-ipv4-num.csv"), Number, internAsn),
      country: readRanges(join(countryDir, "asn-country-ipv4-num.csv"), Number, (rest) =>
        intern(countries, countryIndex, rest.trim()),
      ),
    };
    return v4;
  };
  const loadV6 = () => {
    v6 = {
      asn: readRanges(join(asnDir, "asn-ipv6-num.csv"), BigInt, internAsn),
      country: readRanges(join(countryDir, "asn-country-ipv6-num.csv"), BigInt, (rest) =>
        intern(countries, countryIndex, rest.trim()),
      ),
    };
    return v6;
  };

  const describe = (asnId: number | undefined, countryId: number | undefined): AsnInfo => {
    const asKey = asnId === undefined ? undefined : asNames[asnId];
    const separator = asKey?.indexOf("\u0000") ?? -1;
    return {
      asn: asKey === undefined ? 0 : Number(asKey.slice(0, separator)),
      asName: asKey === undefined ? "" : asKey.slice(separator + 1),
      country: countryId === undefined ? "" : (countries[countryId] ?? ""),
    };
  };

  return {
    lookup(ip: string): AsnInfo {
      const cached = cache.get(ip);
      if (cached) return cached;
      let info = UNKNOWN;
      if (ip.includes(":")) {
        const value = ipv6ToBigInt(ip);
        if (value !== null) {
          const tables = v6 ?? loadV6();
          info = describe(search(tables.asn, value), search(tables.country, value));
        }
      } else {
        const value = ipv4ToNumber(ip);
        if (value !== null) {
          const tables = v4 ?? loadV4();
          info = describe(search(tables.asn, value), search(tables.country, value));
        }
      }
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(ip, info);
      return info;
    },
  };
}

function readRanges<T extends number | bigint>(
  path: string,
  parse: (text: string) => T,
  value: (rest: string) => number,
): RangeTable<T> {
  const text = readFileSync(path, "latin1");
  const table: RangeTable<T> = { starts: [], ends: [], values: [] };
  let lineStart = 0;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const first = text.indexOf(",", lineStart);
    const second = text.indexOf(",", first + 1);
    if (first > 0 && second > first && second < lineEnd) {
      table.starts.push(parse(text.slice(lineStart, first)));
      table.ends.push(parse(text.slice(first + 1, second)));
      table.values.push(value(text.slice(second + 1, lineEnd)));
    }
    lineStart = lineEnd + 1;
  }
  return table;
}

function search<T extends number | bigint>(table: RangeTable<T>, value: T): number | undefined {
  let low = 0;
  let high = table.starts.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const start = table.starts[middle] as T;
    if (start > value) high = middle - 1;
    else if ((table.ends[middle] as T) < value) low = middle + 1;
    else return table.values[middle];
  }
  return undefined;
}

function unquote(text: string): string {
  const trimmed = text.trim();
  return trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1).replaceAll('""', '"') : trimmed;
}

export function ipv4ToNumber(ip: string): number | null {
  const parts = ip.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    const octet = Number(part);
    if (!Number.isInteger(octet) || octet < 0 || octet > 255 || part === "") return null;
    value = value * 256 + octet;
  }
  return value;
}

function ipv6ToBigInt(ip: string): bigint | null {
  const groups = expandIpv6(ip);
  if (groups === null) return null;
  let value = 0n;
  for (const group of groups) {
    const number = Number.parseInt(group, 16);
    if (Number.isNaN(number) || number > 0xffff) return null;
    value = (value << 16n) | BigInt(number);
  }
  return value;
}
