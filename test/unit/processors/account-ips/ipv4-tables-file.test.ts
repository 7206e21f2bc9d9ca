import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { asnPackageDirs, readIpv4TablesCsv } from "../../../../processors/account-ips/asn-database.js";
import { type Ipv4Tables, indexBySlash16 } from "../../../../processors/account-ips/ipv4-range-table.js";
import {
  ipv4TablesStamp,
  readIpv4TablesFile,
  writeIpv4TablesFile,
} from "../../../../processors/account-ips/ipv4-tables-file.js";

describe("the packed IPv4 tables file (written by the build, read at start)", () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-ipv4-tables-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const { asnDir, countryDir } = asnPackageDirs();
  const fromCsv = readIpv4TablesCsv(asnDir, countryDir);
  const stamp = ipv4TablesStamp(asnDir, countryDir);
  const path = join(dir, "tables.bin");
  writeIpv4TablesFile(path, fromCsv, stamp);

  /** Every row's numbers and ASN text, as the database reads them. */
  const rowsOf = (tables: Ipv4Tables) => {
    const { asn, country } = tables;
    return {
      asn: Array.from({ length: asn.count }, (_, row) => [
        asn.starts[row],
        asn.ends[row],
        asn.values[row],
        tables.asnText.toString("utf8", asn.valueStart[row], asn.valueEnd[row]),
      ]),
      country: Array.from({ length: country.count }, (_, row) => [
        country.starts[row],
        country.ends[row],
        country.values[row],
      ]),
    };
  };

  test("holds every row of both CSV files: ranges, ASN, its name's text and country", () => {
    const packed = readIpv4TablesFile(path, stamp);
    expect(packed).not.toBeNull();
    expect(fromCsv.asn.count).toBeGreaterThan(100_000);
    expect(rowsOf(packed as Ipv4Tables)).toEqual(rowsOf(fromCsv));
  });

  test("holds each table's /16 index, as indexBySlash16 computes it from the rows", () => {
    const packed = readIpv4TablesFile(path, stamp) as Ipv4Tables;
    const fresh = readIpv4TablesCsv(asnDir, countryDir);
    indexBySlash16(fresh.asn);
    indexBySlash16(fresh.country);
    for (const name of ["asn", "country"] as const) {
      expect(Array.from(packed[name].rowsBefore16 ?? [])).toEqual(Array.from(fresh[name].rowsBefore16 ?? [1]));
      expect(Array.from(packed[name].overlapping16 ?? [])).toEqual(Array.from(fresh[name].overlapping16 ?? [1]));
    }
    // Some /16s do overlap in the ASN table (the index leaves them to the plain search).
    expect(packed.asn.overlapping16?.some((flag) => flag === 1)).toBe(true);
  });

  test("is ignored (null: the CSV files are parsed) when missing, from other packages, or damaged", () => {
    expect(readIpv4TablesFile(join(dir, "missing.bin"), stamp)).toBeNull();
    expect(readIpv4TablesFile(path, `${stamp} (another version)`)).toBeNull();
    const bytes = readFileSync(path);
    writeFileSync(join(dir, "truncated.bin"), bytes.subarray(0, bytes.length - 1));
    expect(readIpv4TablesFile(join(dir, "truncated.bin"), stamp)).toBeNull();
    const otherMagic = Buffer.from(bytes);
    otherMagic.write("NOTTABLE", 0, "latin1");
    writeFileSync(join(dir, "other.bin"), otherMagic);
    expect(readIpv4TablesFile(join(dir, "other.bin"), stamp)).toBeNull();
  });
});
