import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { expandIpv6 } from "./ip-networks.js";
import {
  type Ipv4Tables,
  indexBySlash16,
  parseLeadingNumber,
  readCountryCode,
  readIpv4RangesCsv,
  searchIpv4Ranges,
} from "./ipv4-range-table.js";
import { IPV4_TABLES_FILE, ipv4TablesStamp, readIpv4TablesFile } from "./ipv4-tables-file.js";

/** Who announces an address: autonomous system number (0 unknown), its name, and the country ('' unknown). */
export type AsnInfo = { asn: number; asName: string; country: string };

export interface AsnDatabase {
  lookup(ip: string): AsnInfo;
}

const UNKNOWN: AsnInfo = { asn: 0, asName: "", country: "" };
/** Addresses whose answer is remembered, by default (the cache is cleared when it reaches this bound). */
const CACHE_LIMIT = 200_000;

type RangeTable<T> = { starts: T[]; ends: T[]; values: number[] };

/**
 * An offline IP-to-ASN and country database from the npm packages
 * `@ip-location-db/asn` and `@ip-location-db/asn-country` (no network at run
 * time). Each family's tables are read on first use; lookups are a binary
 * search, cached per address (the cache is cleared when it reaches its bound).
 * `cacheLimit: 0` caches nothing, for a caller that looks each address up once.
 */
export function loadAsnDatabase(options: { cacheLimit?: number } = {}): AsnDatabase {
  const cacheLimit = options.cacheLimit ?? CACHE_LIMIT;
  const { asnDir, countryDir } = asnPackageDirs();
  const asNames: string[] = [];
  const asNameIndex = new Map<string, number>();
  const countries: string[] = [];
  const countryIndex = new Map<string, number>();
  let v4: Ipv4Tables | null = null;
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
    const tables =
      readIpv4TablesFile(IPV4_TABLES_FILE, ipv4TablesStamp(asnDir, countryDir)) ??
      readIpv4TablesCsv(asnDir, countryDir);
    // The packed file holds the /16 index; tables parsed from the CSV files are indexed here.
    if (tables.asn.rowsBefore16 === undefined) indexBySlash16(tables.asn);
    if (tables.country.rowsBefore16 === undefined) indexBySlash16(tables.country);
    v4 = tables;
    return tables;
  };
  const v4Names = new Map<number, string>();
  /** One answer per (ASN, country) pair, shared by every address it describes (answers are never changed). */
  const v4Answers = new Map<number, AsnInfo>();
  const describeV4 = (tables: NonNullable<typeof v4>, value: number): AsnInfo => {
    const asnRow = searchIpv4Ranges(tables.asn, value);
    const countryRow = searchIpv4Ranges(tables.country, value);
    const asn = asnRow < 0 ? 0 : (tables.asn.values[asnRow] ?? 0);
    const code = countryRow < 0 ? 0 : (tables.country.values[countryRow] ?? 0);
    const key = asn * 65536 + code;
    const known = v4Answers.get(key);
    if (known !== undefined) return known;
    let asName = v4Names.get(asn);
    if (asName === undefined) {
      asName =
        asnRow < 0
          ? ""
          : unquote(
              tables.asnText
                .toString("utf8", tables.asn.valueStart[asnRow], tables.asn.valueEnd[asnRow])
                .replace(/^\d+,/, ""),
            );
      v4Names.set(asn, asName);
    }
    const answer = { asn, asName, country: code === 0 ? "" : String.fromCharCode(code >> 8, code & 0xff) };
    v4Answers.set(key, answer);
    return answer;
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
      const cached = cacheLimit === 0 ? undefined : cache.get(ip);
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
          info = describeV4(v4 ?? loadV4(), value);
        }
      }
      if (cacheLimit === 0) return info;
      if (cache.size >= cacheLimit) cache.clear();
      cache.set(ip, info);
      return info;
    },
  };
}

/** Where the two database packages are installed. */
export function asnPackageDirs(): { asnDir: string; countryDir: string } {
  const require = createRequire(import.meta.url);
  return {
    asnDir: dirname(require.resolve("@ip-location-db/asn/package.json")),
    countryDir: dirname(require.resolve("@ip-location-db/asn-country/package.json")),
  };
}

/** The IPv4 tables parsed from the packages' CSV files (when the packed file is missing or stale). */
export function readIpv4TablesCsv(asnDir: string, countryDir: string): Ipv4Tables {
  const asnText = readFileSync(join(asnDir, "asn-ipv4-num.csv"));
  const asn = readIpv4RangesCsv(asnText, parseLeadingNumber);
  const country = readIpv4RangesCsv(readFileSync(join(countryDir, "asn-country-ipv4-num.csv")), readCountryCode);
  return { asn, asnText, country };
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
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let index = 0; index < ip.length; index++) {
    const code = ip.charCodeAt(index);
    if (code === 46) {
      if (digits === 0 || dots === 3) return null;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots += 1;
    } else if (code >= 48 && code <= 57 && digits < 3) {
      octet = octet * 10 + code - 48;
      digits += 1;
      if (octet > 255) return null;
    } else return null;
  }
  if (dots !== 3 || digits === 0) return null;
  return value * 256 + octet;
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
