import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { datetime64Text, parseDatetime64Text } from "../../../store/tsv.js";

describe("DateTime64(3) as TabSeparated text", () => {
  test("milliseconds when they have 13 digits, a date and time otherwise, read back exactly", () => {
    expect(datetime64Text(1_795_478_400_123)).toBe("1795478400123");
    expect(datetime64Text(946_684_799_999)).toBe("1999-12-31 23:59:59.999");
    expect(datetime64Text(1001)).toBe("1970-01-01 00:00:01.001");
    expect(datetime64Text(-1)).toBe("1969-12-31 23:59:59.999");
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2299, 11, 31, 23, 59, 59, 999) }), (ms) => {
        expect(parseDatetime64Text(datetime64Text(ms))).toBe(ms);
      }),
    );
  });

  test("a time outside the type's range is held at its edge instead of failing the batch", () => {
    expect(datetime64Text(Date.UTC(1800, 0, 1))).toBe("1900-01-01 00:00:00.000");
    expect(datetime64Text(Date.UTC(9999, 0, 1))).toBe("2299-12-31 23:59:59.999");
  });
});
