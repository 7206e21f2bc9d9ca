import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { RawPairCache } from "../../../../processors/parse-worker/raw-pair-cache.js";

describe("raw pair cache", () => {
  test("finds every key added, by its bytes, with the entry and pair it was given, and nothing else", () => {
    const field = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom("a", "b", "A", "é", "1", ".", ":") }),
      fc.string({ minLength: 30, maxLength: 90, unit: fc.constantFrom("x", "y", "@", "ü") }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(field, field), { minLength: 1, maxLength: 3000, size: "max" }), (keys) => {
        const cache = new RawPairCache();
        const model = new Map<string, { entry: number; pair: number }>();
        for (const [user, ip] of keys) {
          // The fields sit inside a line, at an odd place, as the parser finds them.
          const line = Buffer.from(` ${user} x ${ip}\n`);
          const userEnd = 1 + Buffer.byteLength(user);
          const ipStart = userEnd + 3;
          const ipEnd = ipStart + Buffer.byteLength(ip);
          const found = cache.find(line, 1, userEnd, ipStart, ipEnd);
          const known = model.get(`${user}\n${ip}`);
          if (known === undefined) {
            expect(found).toBe(-1);
            const pair = model.size * 7 + 3;
            const entry = cache.add(line, 1, userEnd, ipStart, ipEnd, pair);
            expect(entry).toBe(model.size);
            model.set(`${user}\n${ip}`, { entry, pair });
          } else {
            expect(found).toBe(known.entry);
            expect(cache.pairOf(found)).toBe(known.pair);
          }
        }
      }),
      { numRuns: 20 },
    );
  });

  test("the same bytes split differently between user and address are another key", () => {
    const cache = new RawPairCache();
    const line = Buffer.from("ab c");
    expect(cache.find(line, 0, 1, 1, 2)).toBe(-1);
    cache.add(line, 0, 1, 1, 2, 5);
    expect(cache.find(line, 0, 2, 3, 4)).toBe(-1);
    expect(cache.find(Buffer.from("ba"), 0, 1, 1, 2)).toBe(-1);
    expect(cache.pairOf(cache.find(Buffer.from("xa b"), 1, 2, 3, 4))).toBe(5);
  });
});
