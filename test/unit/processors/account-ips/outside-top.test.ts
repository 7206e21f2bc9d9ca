import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { outsideTop } from "../../../../processors/account-ips/describe-window.js";

describe("outsideTop", () => {
  test("counts the addresses outside the largest groups, as sorting the sizes would, and leaves the sizes as they were", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        (sizes, keep) => {
          const sorted = [...sizes].sort((a, b) => b - a);
          const expected = sorted.slice(keep).reduce((sum, size) => sum + size, 0);
          const given = [...sizes];
          expect(outsideTop(given, keep)).toBe(expected);
          expect(given).toEqual(sizes);
        },
      ),
      { numRuns: 500 },
    );
  });
});
