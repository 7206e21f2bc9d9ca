import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Ipv4Ranges, type Ipv4RangesWithText, type Ipv4Tables, indexBySlash16 } from "./ipv4-range-table.js";

/**
 * The IPv4 ASN and country tables as one binary file, written by `npm run build` beside the compiled
 * asn-database.js: parsing the two CSV files (550,000 rows) takes about 0.1 s at every start, reading
 * this file a few milliseconds, and the parse worker waits for it before its first chunk.
 *
 * Layout (little-endian): `VIGILV4T`, format version (u32), the stamp's length (u32) and bytes padded
 * to 4, the ASN table's row count, the country table's row count and the ASN text's length (u32 each);
 * then the columns as u32 arrays (ASN: starts, ends, values, value text starts, value text ends;
 * country: starts, ends, values), each table's /16 index (`indexBySlash16`: the ASN table's rows before
 * each /16 as 65,537 u32, the country table's, then the ASN table's 65,536 overlap bytes, the country
 * table's; computing it took the parse worker about 14 ms at every start) and the ASN value texts, each
 * distinct text once.
 *
 * The stamp names the packages' versions and the CSV files' sizes: a file written from other CSV files
 * is not read (the CSV files are parsed instead), so a database update never meets stale tables.
 */
export const IPV4_TABLES_FILE = new URL("./asn-ipv4-tables.bin", import.meta.url);

const MAGIC = "VIGILV4T";
const FORMAT_VERSION = 2;
const SLASH16S = 65536;

/** What the tables were made from: both packages' versions and their IPv4 CSV files' sizes. */
export function ipv4TablesStamp(asnDir: string, countryDir: string): string {
  const versionOf = (dir: string) =>
    (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
  return [
    `asn ${versionOf(asnDir)} ${statSync(join(asnDir, "asn-ipv4-num.csv")).size}`,
    `asn-country ${versionOf(countryDir)} ${statSync(join(countryDir, "asn-country-ipv4-num.csv")).size}`,
  ].join("; ");
}

/** Writes the tables to `path` with `stamp`. */
export function writeIpv4TablesFile(path: string | URL, tables: Ipv4Tables, stamp: string): void {
  // Each distinct value text once (a large network announces thousands of ranges).
  const texts = new Map<string, { start: number; end: number }>();
  const textParts: Buffer[] = [];
  let textBytes = 0;
  const { asn, country } = tables;
  const valueStart = new Uint32Array(asn.count);
  const valueEnd = new Uint32Array(asn.count);
  for (let row = 0; row < asn.count; row++) {
    const text = tables.asnText.toString("latin1", asn.valueStart[row], asn.valueEnd[row]);
    let place = texts.get(text);
    if (place === undefined) {
      const bytes = Buffer.from(text, "latin1");
      place = { start: textBytes, end: textBytes + bytes.length };
      texts.set(text, place);
      textParts.push(bytes);
      textBytes += bytes.length;
    }
    valueStart[row] = place.start;
    valueEnd[row] = place.end;
  }
  const stampBytes = Buffer.from(stamp, "utf8");
  const header = Buffer.alloc(8 + 4 + 4 + padded(stampBytes.length) + 12);
  header.write(MAGIC, 0, "latin1");
  let at = header.writeUInt32LE(FORMAT_VERSION, 8);
  at = header.writeUInt32LE(stampBytes.length, at);
  stampBytes.copy(header, at);
  at += padded(stampBytes.length);
  at = header.writeUInt32LE(asn.count, at);
  at = header.writeUInt32LE(country.count, at);
  header.writeUInt32LE(textBytes, at);
  const column = (values: Uint32Array, count: number) => {
    const bytes = Buffer.alloc(count * 4);
    for (let row = 0; row < count; row++) bytes.writeUInt32LE(values[row] ?? 0, row * 4);
    return bytes;
  };
  const index = (table: Ipv4Ranges) => {
    if (table.rowsBefore16 === undefined || table.overlapping16 === undefined) indexBySlash16(table);
    return { rowsBefore: table.rowsBefore16 as Uint32Array, overlapping: table.overlapping16 as Uint8Array };
  };
  const asnIndex = index(asn);
  const countryIndex = index(country);
  writeFileSync(
    path,
    Buffer.concat([
      header,
      column(asn.starts, asn.count),
      column(asn.ends, asn.count),
      column(asn.values, asn.count),
      column(valueStart, asn.count),
      column(valueEnd, asn.count),
      column(country.starts, country.count),
      column(country.ends, country.count),
      column(country.values, country.count),
      column(asnIndex.rowsBefore, SLASH16S + 1),
      column(countryIndex.rowsBefore, SLASH16S + 1),
      Buffer.from(asnIndex.overlapping),
      Buffer.from(countryIndex.overlapping),
      ...textParts,
    ]),
  );
}

/** The tables in `path` when it exists and was written with `stamp` (on a little-endian machine); otherwise null. */
export function readIpv4TablesFile(path: string | URL, stamp: string): Ipv4Tables | null {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) return null;
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch {
    return null;
  }
  if (file.length < 16 || file.toString("latin1", 0, 8) !== MAGIC || file.readUInt32LE(8) !== FORMAT_VERSION)
    return null;
  const stampLength = file.readUInt32LE(12);
  let at = 16;
  if (file.length < at + padded(stampLength) + 12 || file.toString("utf8", at, at + stampLength) !== stamp) return null;
  at += padded(stampLength);
  const asnCount = file.readUInt32LE(at);
  const countryCount = file.readUInt32LE(at + 4);
  const textBytes = file.readUInt32LE(at + 8);
  at += 12;
  if (file.length !== at + (asnCount * 5 + countryCount * 3 + (SLASH16S + 1) * 2) * 4 + SLASH16S * 2 + textBytes)
    return null;
  // Typed views need their offset aligned to 4: a file read into a pooled buffer is copied once.
  const bytes = file.byteOffset % 4 === 0 ? file : Buffer.from(file);
  const column = (count: number): Uint32Array => {
    const view = new Uint32Array(bytes.buffer, bytes.byteOffset + at, count);
    at += count * 4;
    return view;
  };
  const asn: Ipv4RangesWithText = {
    count: asnCount,
    starts: column(asnCount),
    ends: column(asnCount),
    values: column(asnCount),
    valueStart: column(asnCount),
    valueEnd: column(asnCount),
  };
  const country: Ipv4Ranges = {
    count: countryCount,
    starts: column(countryCount),
    ends: column(countryCount),
    values: column(countryCount),
  };
  asn.rowsBefore16 = column(SLASH16S + 1);
  country.rowsBefore16 = column(SLASH16S + 1);
  asn.overlapping16 = new Uint8Array(bytes.buffer, bytes.byteOffset + at, SLASH16S);
  country.overlapping16 = new Uint8Array(bytes.buffer, bytes.byteOffset + at + SLASH16S, SLASH16S);
  at += SLASH16S * 2;
  return { asn, country, asnText: bytes.subarray(at, at + textBytes) };
}

function padded(length: number): number {
  return Math.ceil(length / 4) * 4;
}
