import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { splitIntoRuns } from "../../../ingest/split-records.js";

describe("splitIntoRuns", () => {
  test("cuts at line ends, keeps every byte once and in order, and each run's offset in the source", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ maxLength: 40 }).map((text) => text.replace(/\n/g, " ")),
          { minLength: 1, maxLength: 60 },
        ),
        fc.integer({ min: 1, max: 120 }),
        fc.nat(10_000),
        (lines, maxBytes, start) => {
          const data = Buffer.from(lines.map((line) => `${line}\n`).join(""));
          const runs = splitIntoRuns(data, start, maxBytes);
          expect(Buffer.concat(runs.map((run) => run.data))).toEqual(data);
          let offset = start;
          for (const run of runs) {
            expect(run.offset).toBe(offset);
            expect(run.data.at(-1)).toBe(10);
            // Only a single line longer than the limit may exceed it.
            if (run.data.length > maxBytes) expect(run.lines).toBe(1);
            expect(run.lines).toBe(run.data.toString().split("\n").length - 1);
            offset += run.data.length;
          }
          expect(runs.reduce((sum, run) => sum + run.lines, 0)).toBe(lines.length);
        },
      ),
    );
  });
});
