import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createAccountIpsProcessor } from "../../../../processors/account-ips/account-ips-processor.js";
import type { AddressLocation } from "../../../../processors/account-ips/address-records.js";
import type { AsnDatabase } from "../../../../processors/account-ips/asn-database.js";
import { groupedByUser } from "../../../../processors/account-ips/fold-parsed-chunks.js";
import { networksOf } from "../../../../processors/account-ips/ip-networks.js";
import { appendLocation, emptyLocationColumns } from "../../../../processors/parse-worker/address-location-columns.js";
import type { ParsedMailChunk } from "../../../../processors/parse-worker/parsed-mail-chunk.js";
import { AccountIpsSchema } from "../../../../schemas/config.js";

/** A fake ASN table: the first octet is the ASN, the second picks one of a few countries. */
const fakeAsns: AsnDatabase = {
  lookup(ip) {
    const [a, b] = ip.split(".").map(Number);
    return { asn: a ?? 0, asName: `AS${a}`, country: ["DE", "FR", "US", "BR", "CN"][(b ?? 0) % 5] ?? "" };
  },
};
const config = AccountIpsSchema.parse({});
const T0 = Date.UTC(2026, 10, 24, 0, 0, 0);

type Login = { user: string; ip: string; ts: number; success: boolean; offset: number };

/** The chunks a parse worker would send for these logins (pairs and addresses numbered in the order first seen). */
function parsedChunks(logins: Login[], sizes: number[]): ParsedMailChunk[] {
  const pairs = new Map<string, number>();
  const addresses = new Map<string, number>();
  const chunks: ParsedMailChunk[] = [];
  let at = 0;
  for (let size = 0; at < logins.length; size++) {
    const part = logins.slice(at, at + Math.max(1, sizes[size % sizes.length] ?? 1));
    const chunk: ParsedMailChunk = {
      sourceId: "s1",
      startOffset: part[0]?.offset ?? 0,
      endOffset: (part[part.length - 1]?.offset ?? 0) + 1,
      lines: part.length,
      events: part.length,
      skipped: 0,
      unparsed: 0,
      numbering: "n1",
      ts: Float64Array.from(part, (login) => login.ts),
      offsets: Float64Array.from(part, (login) => login.offset),
      success: Uint8Array.from(part, (login) => (login.success ? 1 : 0)),
      pairs: new Int32Array(part.length),
      firstNewPair: pairs.size,
      newPairUsers: [],
      newPairAddresses: [],
      firstNewAddress: addresses.size,
      newAddresses: [],
      newAddressLocations: emptyLocationColumns(),
      eventRows: new Uint8Array(0),
      unparsedRows: [],
    };
    part.forEach((login, index) => {
      const key = `${login.user}\n${login.ip}`;
      let pair = pairs.get(key);
      if (pair === undefined) {
        pair = pairs.size;
        pairs.set(key, pair);
        let address = addresses.get(login.ip);
        if (address === undefined) {
          address = addresses.size;
          addresses.set(login.ip, address);
          chunk.newAddresses.push(login.ip);
          const location: AddressLocation = { ...networksOf(login.ip), ...fakeAsns.lookup(login.ip) };
          appendLocation(chunk.newAddressLocations, location);
        }
        chunk.newPairUsers.push(login.user);
        chunk.newPairAddresses.push(address);
      }
      chunk.pairs[index] = pair;
    });
    chunks.push(chunk);
    at += part.length;
  }
  return chunks;
}

/** Logins of a few users from many networks, in time order (some users cross the alert thresholds). */
const loginsArbitrary = fc
  .array(
    fc.record({
      user: fc.constantFrom("ann", "bob", "cy", "dee"),
      a: fc.integer({ min: 1, max: 40 }),
      b: fc.integer({ min: 0, max: 9 }),
      c: fc.integer({ min: 0, max: 30 }),
      minutes: fc.integer({ min: 0, max: 4 }),
      success: fc.boolean(),
    }),
    { minLength: 50, maxLength: 400, size: "max" },
  )
  .map((draws) => {
    let ts = T0;
    return draws.map((draw, offset): Login => {
      ts += draw.minutes * 60_000;
      return {
        user: draw.user,
        ip: `${draw.a}.${draw.b}.${draw.c}.7`,
        ts,
        success: draw.success || draw.a % 3 !== 0,
        offset: offset * 100,
      };
    });
  });

describe("folding parsed chunks grouped by user", () => {
  test("gives the rows, the alerts in the order raised, and the state of folding the logins one by one", () => {
    fc.assert(
      fc.property(
        loginsArbitrary,
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 6 }),
        (logins, sizes, chunksPerCollection) => {
          const oneByOne = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
          const batched = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
          const expected: string[] = [];
          const actual: string[] = [];
          const collect = (processor: typeof oneByOne, into: string[], options = {}) => {
            const changes = processor.collect(options);
            for (const kind of ["history", "windows"] as const)
              into.push(...changes[kind].map((row) => `${kind} ${JSON.stringify(row)}`).sort());
            for (const alert of changes.alerts) into.push(`alert ${alert.subject} ${alert.level} ${alert.fired_at}`);
          };
          const chunks = parsedChunks(logins, sizes);
          chunks.forEach((chunk, index) => {
            const first = logins.findIndex((login) => login.offset === chunk.startOffset);
            for (const login of logins.slice(first, first + chunk.events)) oneByOne.fold({ ...login, sourceId: "s1" });
            batched.foldParsed(chunk);
            if ((index + 1) % chunksPerCollection === 0) {
              collect(oneByOne, expected);
              collect(batched, actual);
            }
          });
          collect(oneByOne, expected, { closeAll: true, flushOpen: true });
          collect(batched, actual, { closeAll: true, flushOpen: true });
          expect(actual).toEqual(expected);
          expect(batched.snapshot()).toEqual(oneByOne.snapshot());
        },
      ),
      { numRuns: 150 },
    );
  });

  test("two users' alerts of one batch come out in line order, not grouped by user", () => {
    // ann (numbered first) crosses the 1 h threshold late in the batch; bob early.
    const bob = Array.from({ length: 9 }, (_, index) => ({ user: "bob", ip: `${index + 1}.1.${index}.7` }));
    const ann = Array.from({ length: 9 }, (_, index) => ({ user: "ann", ip: `${index + 50}.2.${index}.7` }));
    const logins: Login[] = [ann[0], ...bob, ...ann.slice(1)].map((login, index) => ({
      ...(login as { user: string; ip: string }),
      ts: T0 + index * 60_000,
      success: true,
      offset: index * 100,
    }));
    const processor = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
    for (const chunk of parsedChunks(logins, [5])) processor.foldParsed(chunk);
    const alerts = processor.collect().alerts.map((alert) => `${alert.subject} ${alert.window}`);
    expect(alerts).toEqual(["bob 1h", "ann 1h"]);
  });

  test("groups events by user, each user's in line order, across the chunks of a batch", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 60 }), { minLength: 1, maxLength: 4 }),
        (chunkUsers) => {
          const users = chunkUsers.flat();
          // An event's columns name it: its place in the batch, in every column.
          const chunks = chunkUsers.map((chunk, number) => {
            const first = chunkUsers.slice(0, number).flat().length;
            const lines = chunk.map((_, event) => first + event);
            return {
              events: chunk.length,
              ts: Float64Array.from(lines, (line) => line * 1000),
              offsets: Float64Array.from(lines, (line) => line * 10),
              success: Uint8Array.from(lines, (line) => line % 2),
              pairs: Int32Array.from(lines, (line) => line + 7),
            };
          });
          const grouped = groupedByUser(chunks, Int32Array.from(users), 10);
          const expected = users.map((user, line) => ({ user, line })).sort((a, b) => a.user - b.user);
          const take = <Column extends ArrayLike<number>>(column: Column) => Array.from(column).slice(0, users.length);
          expect(take(grouped.lines)).toEqual(expected.map((event) => event.line));
          expect(take(grouped.users)).toEqual(expected.map((event) => event.user));
          expect(take(grouped.ts)).toEqual(expected.map((event) => event.line * 1000));
          expect(take(grouped.offsets)).toEqual(expected.map((event) => event.line * 10));
          expect(take(grouped.success)).toEqual(expected.map((event) => event.line % 2));
          expect(take(grouped.pairs)).toEqual(expected.map((event) => event.line + 7));
        },
      ),
    );
  });
});
