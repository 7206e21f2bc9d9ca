import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { asnPackageDirs, readIpv4TablesCsv } from "../../../../processors/account-ips/asn-database.js";
import {
  type Ipv4Ranges,
  indexBySlash16,
  searchIpv4Ranges,
} from "../../../../processors/account-ips/ipv4-range-table.js";

describe("IPv4 range search indexed by /16", () => {
  const { asnDir, countryDir } = asnPackageDirs();
  const tables = readIpv4TablesCsv(asnDir, countryDir);
  const plain = (table: Ipv4Ranges): Ipv4Ranges => ({
    count: table.count,
    starts: table.starts,
    ends: table.ends,
    values: table.values,
  });
  const indexed = (table: Ipv4Ranges): Ipv4Ranges => {
    const copy = { ...table };
    indexBySlash16(copy);
    return copy;
  };

  test("finds the same row as the plain binary search, at every range's edges and at random addresses", () => {
    for (const table of [tables.asn, tables.country]) {
      const withIndex = indexed(table);
      const without = plain(table);
      const probes: number[] = [0, 0xffffffff];
      for (let row = 0; row < table.count; row += 7) {
        const start = table.starts[row] as number;
        const end = table.ends[row] as number;
        probes.push(start, end, Math.max(start - 1, 0), Math.min(end + 1, 0xffffffff));
      }
      // Every 256th address of the /16s where ranges overlap (the answer there depends on the search's path).
      const overlapping = withIndex.overlapping16 as Uint8Array;
      for (let slash16 = 0; slash16 < 65536; slash16++)
        if (overlapping[slash16] === 1) for (let low = 0; low < 65536; low += 256) probes.push(slash16 * 65536 + low);
      for (const value of probes) expect(searchIpv4Ranges(withIndex, value)).toBe(searchIpv4Ranges(without, value));
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
          expect(searchIpv4Ranges(withIndex, value)).toBe(searchIpv4Ranges(without, value));
        }),
        { numRuns: 50_000 },
      );
    }
  });

  test("where ranges overlap, the answer is the plain search's, whichever row holds the address", () => {
    // Row 1 lies inside row 0 (the plain search meets row 1 first for these addresses), row 2 after both.
    const table: Ipv4Ranges = {
      count: 3,
      starts: Uint32Array.from([0x0a000000, 0x0a050000, 0x0b000000]),
      ends: Uint32Array.from([0x0affffff, 0x0a0500ff, 0x0b0000ff]),
      values: Uint32Array.from([1, 2, 3]),
    };
    const withIndex = indexed(table);
    for (const value of [0x0a000001, 0x0a050000, 0x0a050080, 0x0a0500ff, 0x0a050100, 0x0a7f0000, 0x0b000010])
      expect(searchIpv4Ranges(withIndex, value)).toBe(searchIpv4Ranges(plain(table), value));
    expect(searchIpv4Ranges(withIndex, 0x0a050080)).toBe(1);
  });

  test("a range spanning many /16s is found from each of them", () => {
    const table: Ipv4Ranges = {
      count: 3,
      starts: Uint32Array.from([0x0a000000, 0x0b000000, 0x0b050000]),
      ends: Uint32Array.from([0x0affffff, 0x0b04ffff, 0x0b0500ff]),
      values: Uint32Array.from([1, 2, 3]),
    };
    indexBySlash16(table);
    expect(searchIpv4Ranges(table, 0x0a7f0001)).toBe(0);
    expect(searchIpv4Ranges(table, 0x0b030000)).toBe(1);
    expect(searchIpv4Ranges(table, 0x0b050010)).toBe(2);
    expect(searchIpv4Ranges(table, 0x0b050100)).toBe(-1);
    expect(searchIpv4Ranges(table, 0x09ffffff)).toBe(-1);
  });
});
