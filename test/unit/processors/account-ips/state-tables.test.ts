import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ipv4Number, ipv4Text } from "../../../../processors/account-ips/ipv4-number.js";
import { OpenWindows, WindowField } from "../../../../processors/account-ips/open-windows.js";
import { PairTable } from "../../../../processors/account-ips/pair-table.js";

describe("ipv4Number", () => {
  test("every canonical dotted quad maps to its 32-bit value", () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const expected = ip.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
        expect(ipv4Number(ip)).toBe(expected);
        // And back: the binary state keeps an IPv4 address as its number.
        expect(ipv4Text(expected)).toBe(ip);
      }),
    );
  });

  test("anything else is -1, so it never collides with a real address", () => {
    for (const other of ["", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.256", "1..2.3", "1.2.3.4 ", "::1", "a.b.c.d"])
      expect(ipv4Number(other), other).toBe(-1);
  });
});

describe("PairTable", () => {
  test("behaves like a Map keyed by both numbers, through growth and negative second halves", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(5000), fc.oneof(fc.nat(50), fc.constant(0xffffffff), fc.constant(0x80000001))), {
          maxLength: 4000,
        }),
        (pairs) => {
          const table = new PairTable();
          const model = new Map<string, number>();
          for (const [first, second] of pairs) {
            const key = `${first} ${second}`;
            expect(table.get(first, second)).toBe(model.get(key) ?? -1);
            if (!model.has(key)) {
              table.insert(first, second, model.size);
              model.set(key, model.size);
            }
          }
          expect(table.count).toBe(model.size);
          for (const [key, value] of model) {
            const [first, second] = key.split(" ").map(Number);
            expect(table.get(first as number, second as number)).toBe(value);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe("OpenWindows", () => {
  test("keeps each window's distinct addresses in the order added and counts distinct networks, inline or past it", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(3), fc.nat(40)), { maxLength: 300 }), (logins) => {
        const windows = new OpenWindows();
        const slots = [0, 1, 2, 3].map((user) => windows.open(user, user, 0, 0, 10));
        const model = slots.map(() => ({ records: [] as number[], networks: [] as number[] }));
        for (const [window, record] of logins) {
          const slot = slots[window] as number;
          const expected = model[window] as { records: number[]; networks: number[] };
          const network = record % 7;
          const added = windows.addAddress(slot, record, network);
          expect(added).toBe(!expected.records.includes(record));
          if (added) expected.records.push(record);
          if (added && !expected.networks.includes(network)) expected.networks.push(network);
        }
        model.forEach((expected, window) => {
          const slot = slots[window] as number;
          const count = windows.field(slot, WindowField.addresses);
          expect(Array.from({ length: count }, (_, index) => windows.addressAt(slot, index))).toEqual(expected.records);
          expect(windows.networkIds(slot)).toEqual(expected.networks);
          expect(windows.field(slot, WindowField.networks)).toBe(expected.networks.length);
          expect(
            Array.from({ length: expected.networks.length }, (_, index) => windows.distinctNetworkAt(slot, index)),
          ).toEqual(expected.networks);
        });
        // Closing by end visits the windows ending by then, in the order opened; a freed slot comes back empty.
        const visited: number[] = [];
        for (const slot of windows.takeEndingBy(10)) {
          visited.push(slot);
          windows.close(slot);
        }
        expect(visited).toEqual(slots);
        expect(windows.earliestEnd()).toBe(Number.POSITIVE_INFINITY);
        for (const window of [0, 1, 2, 3]) {
          expect(windows.newest(window)).toBe(-1);
          const reopened = windows.open(window, 9, 1, 20, 30);
          expect(windows.field(reopened, WindowField.addresses)).toBe(0);
          expect(windows.networkIds(reopened)).toEqual([]);
          expect(windows.field(reopened, WindowField.user)).toBe(9);
          expect(windows.find(window, 20)).toBe(reopened);
        }
        expect(windows.earliestEnd()).toBe(30);
      }),
      { numRuns: 100 },
    );
  });

  test("closes exactly the windows that end by a limit, in the order opened, and keeps every owner's others in order", () => {
    fc.assert(
      fc.property(
        // (owner, start hour, 1 h or 24 h) per window opened, then closing limits in hours
        fc.array(fc.tuple(fc.nat(5), fc.nat(30), fc.boolean()), { maxLength: 60 }),
        fc.array(fc.nat(60), { maxLength: 5 }),
        (opens, limits) => {
          const windows = new OpenWindows();
          const open: { slot: number; owner: number; start: number; end: number }[] = [];
          for (const [owner, hour, daily] of opens) {
            const start = daily ? Math.floor(hour / 24) * 24 : hour;
            if (windows.find(owner, start) >= 0) continue;
            const end = start + (daily ? 24 : 1);
            open.push({ slot: windows.open(owner, owner, daily ? 1 : 0, start, end), owner, start, end });
          }
          for (const limit of limits) {
            const visited: number[] = [];
            for (const slot of windows.takeEndingBy(limit)) {
              visited.push(slot);
              windows.close(slot);
            }
            const closing = open.filter((window) => window.end <= limit);
            const byEnd = [...closing].sort((a, b) => a.end - b.end);
            expect(visited).toEqual(byEnd.map((window) => window.slot));
            open.splice(0, open.length, ...open.filter((window) => window.end > limit));
            for (let owner = 0; owner <= 5; owner++) {
              const expected = open
                .filter((window) => window.owner === owner)
                .sort((a, b) => a.start - b.start)
                .map((window) => window.slot);
              expect(windows.windowsOf(owner)).toEqual(expected);
            }
            expect(windows.earliestEnd()).toBe(Math.min(...open.map((window) => window.end)));
            expect(windows.openCount).toBe(open.length);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
