import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { escapeTsv } from "../../../store/tsv.js";
import { TsvBytes } from "../../../store/tsv-bytes.js";

type Value = string | number;

/** What the rows must read as: each value as `String` or escaped text, tabs between, a newline after each row. */
const asText = (rows: Value[][]) =>
  rows
    .map((row) => `${row.map((value) => (typeof value === "number" ? String(value) : escapeTsv(value))).join("\t")}\n`)
    .join("");

describe("TsvBytes", () => {
  test("writes exactly the TabSeparated text of its rows, escapes and all numbers included", () => {
    const value = fc.oneof(
      fc.string({ unit: "binary" }),
      fc.constantFrom("", "a\tb", "back\\slash", "new\nline", "nul\0", "ユーザー", "x;$(touch f)`q`'\""),
      fc.integer(),
      fc.maxSafeInteger(),
      fc.constantFrom(0, -1, 1795478400123, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0.5, 1e21, -0),
    );
    fc.assert(
      fc.property(fc.array(fc.array(value, { minLength: 1, maxLength: 14 }), { maxLength: 40 }), (rows) => {
        const writer = new TsvBytes();
        for (const row of rows) {
          for (const item of row) {
            if (typeof item === "number") writer.number(item);
            else writer.text(item);
          }
          writer.endRow();
        }
        const taken = writer.take();
        expect(taken.rows).toBe(rows.length);
        expect(Buffer.from(taken.bytes).toString("utf8")).toBe(Buffer.from(asText(rows), "utf8").toString("utf8"));
        // Taken means emptied: the next rows start afresh.
        expect(writer.take().bytes.length).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  test("grows past its first buffer", () => {
    const writer = new TsvBytes();
    const long = "x".repeat(100_000);
    for (let row = 0; row < 10; row++) writer.text(long).number(row).endRow();
    const taken = writer.take();
    expect(taken.rows).toBe(10);
    expect(Buffer.from(taken.bytes).toString("utf8")).toBe(asText(Array.from({ length: 10 }, (_, row) => [long, row])));
  });
});
