import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  byteFieldSpans,
  type FieldSpans,
  fieldCount,
  wordFieldSpans,
  wordsOf,
} from "../../../../processors/parse/field-spans.js";

describe("field spans", () => {
  test("four bytes at a time finds the same fields as a byte at a time, wherever the line sits and ends", () => {
    const byte = fc.constantFrom(32, 9, 32, 97, 98, 0xc3, 0xa9, 10, 0, 0x80, 0x20 ^ 0x80, 0x09 ^ 0x80, 0x21, 0x1f);
    fc.assert(
      fc.property(
        fc
          .uint8Array({ minLength: 0, maxLength: 90 })
          .chain((prefix) => fc.tuple(fc.constant(prefix), fc.array(byte, { maxLength: 120, size: "max" }))),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 1, max: 14 }),
        fc.integer({ min: 1, max: 14 }),
        fc.integer({ min: 0, max: 5 }),
        fc.nat(),
        ([prefix, line], align, userField, ipField, after, split) => {
          // The line at `start` of an aligned buffer, followed by `after` more bytes (or the buffer's end).
          const buffer = new Uint8Array(new ArrayBuffer(align + prefix.length + line.length + after));
          const start = align + (prefix.length % 8);
          buffer.set(line, start);
          buffer.fill(97, start + line.length);
          const end = start + line.length;
          const words = wordsOf(buffer);
          expect(words).not.toBeNull();
          const expected = byteFieldSpans(buffer, start, end, userField, ipField, [0, 0, 0, 0]);
          const actual = wordFieldSpans(buffer, words as Uint32Array, start, end, userField, ipField, [0, 0, 0, 0]);
          expect(actual).toEqual(expected);
          // Starting after a known header (at a blank, its fields counted) changes nothing.
          const blanks = line.flatMap((value, index) => (value === 32 || value === 9 ? [index] : []));
          const from = start + (blanks.length === 0 ? 0 : (blanks[split % blanks.length] as number));
          const before = from === start ? 0 : fieldCount(buffer, start, from);
          if (before < Math.min(userField, ipField)) {
            const spans: FieldSpans = [0, 0, 0, 0];
            expect(wordFieldSpans(buffer, words as Uint32Array, from, end, userField, ipField, spans, before)).toEqual(
              expected,
            );
            expect(byteFieldSpans(buffer, from, end, userField, ipField, [0, 0, 0, 0], before)).toEqual(expected);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  test("the one-liner's fields 12 and 13 of a real line", () => {
    const line = Buffer.from(
      "Nov 24 00:00:00 mx1 vpopmail[2231]: vchkpw-pop3: LOGIN, proto=POP3 auth=PLAIN tls=yes session=s0 user11474@example.com\t 108.26.79.123\n",
    );
    const data = new Uint8Array(new ArrayBuffer(line.length + 3)).subarray(0, line.length);
    data.set(line);
    const spans = wordFieldSpans(data, wordsOf(data) as Uint32Array, 0, line.length - 1, 12, 13, [0, 0, 0, 0]);
    const [userStart, userEnd, ipStart, ipEnd] = spans as FieldSpans;
    expect(line.toString("latin1", userStart, userEnd)).toBe("user11474@example.com");
    expect(line.toString("latin1", ipStart, ipEnd)).toBe("108.26.79.123");
    expect(wordFieldSpans(data, wordsOf(data) as Uint32Array, 0, line.length - 1, 12, 14, [0, 0, 0, 0])).toBeNull();
  });
});
