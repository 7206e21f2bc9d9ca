import { join, resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { EVENT_LAYOUT } from "../../../../processors/mail-event-rows.js";
import type { ParsedMailAuth } from "../../../../schemas/mail-auth-event.js";
import { NativeRows } from "../../../../store/native-rows.js";

// The events' names are gathered by WebAssembly built by `npm run build` beside the compiled code: from dist/.
const dist = resolve(import.meta.dirname, "..", "..", "..", "..", "dist");
const { NativeEventRows } = (await import(
  join(dist, "processors/parse-worker/native-event-rows.js")
)) as typeof import("../../../../processors/parse-worker/native-event-rows.js");

/** The same rows written value by value in JavaScript (every name made into its column from a string). */
function referenceBlock(rows: readonly { event: ParsedMailAuth; offset: number }[]): Uint8Array {
  const block = new NativeRows(EVENT_LAYOUT);
  for (const { event, offset } of rows) {
    block.number(event.ts).text(event.host).text(event.service).text(event.user).text(event.user_raw).text(event.ip);
    block
      .number(event.success ? 1 : 0)
      .text(event.format)
      .text(event.reason)
      .text("src")
      .number(offset)
      .endRow();
  }
  return block.take().bytes;
}

const name = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 10 },
  { arbitrary: fc.string({ maxLength: 12, unit: "grapheme" }), weight: 10 },
  // Names of 128 bytes and more take two bytes of length (LEB128), 16,384 and more three.
  { arbitrary: fc.string({ minLength: 120, maxLength: 400 }), weight: 4 },
  { arbitrary: fc.constantFrom("", "é".repeat(70)), weight: 4 },
  { arbitrary: fc.constant("x".repeat(16_500)), weight: 1 },
);
/** A row: the event's own names (an event of another format), or the names of an entry (a field map's pair). */
const row = fc.record({
  entry: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }),
  user: name,
  userRaw: name,
  ip: name,
  ts: fc.integer({ min: 0, max: 2 ** 41 }),
  success: fc.boolean(),
  run: fc.integer({ min: 1, max: 4 }),
});

describe("NativeEventRows: names gathered in WebAssembly", () => {
  test("every block is byte for byte the block of the same rows written value by value", () => {
    fc.assert(
      fc.property(fc.array(fc.array(row, { maxLength: 30 }), { minLength: 1, maxLength: 4 }), (chunks) => {
        // One builder across chunks, as in the parse worker: entries stay named, single events' names do not.
        const rows = new NativeEventRows();
        const entryNames = new Map<number, { user: string; userRaw: string; ip: string }>();
        let offset = 0;
        for (const chunk of chunks) {
          const expected: { event: ParsedMailAuth; offset: number }[] = [];
          for (const item of chunk) {
            let names = { user: item.user, userRaw: item.userRaw, ip: item.ip };
            if (item.entry !== null) {
              const known = entryNames.get(item.entry);
              if (known === undefined) {
                entryNames.set(item.entry, names);
                rows.names.nameEntry(item.entry, names.user, names.userRaw, names.ip);
              } else names = known;
            }
            const constants = { service: "imap", success: item.success, format: "awk-login", reason: "" };
            const event: ParsedMailAuth = {
              ts: item.ts,
              host: "mx1",
              ...constants,
              user: names.user,
              user_raw: names.userRaw,
              ip: names.ip,
            };
            if (item.entry === null) rows.add(event, "src", offset);
            else if (item.run === 1) rows.addEncoded(item.ts, "mx1", constants, item.entry, "src", offset);
            else {
              // A run of lines of one pair under one header, as the scan kernel emits them.
              const entries = Int32Array.from({ length: item.run + 2 }, () => item.entry as number);
              const lineStarts = Uint32Array.from({ length: item.run + 2 }, (_, index) => index * 10);
              rows.addEncodedRun(item.ts, "mx1", constants, entries, lineStarts, 1, item.run, "src", offset - 10);
              for (let line = 1; line < item.run; line++) expected.push({ event, offset: offset + (line - 1) * 10 });
              offset += (item.run - 1) * 10;
            }
            expected.push({ event, offset });
            offset += 10;
          }
          const taken = Buffer.from(rows.take());
          const reference = Buffer.from(referenceBlock(expected));
          // Compared as bytes (a deep comparison of blocks of tens of kilobytes is slow), shown as hex when they differ.
          if (!taken.equals(reference)) expect(taken.toString("hex")).toBe(reference.toString("hex"));
        }
      }),
      { numRuns: 100 },
    );
  });

  test("a row's names are checked against the layout: a supplied column takes no text", () => {
    const rows = new NativeRows([{ name: "user", kind: "supplied-string" }]);
    expect(() => rows.text("ann")).toThrow(/takes numbers|supplied/);
    expect(() => new NativeRows([{ name: "user", kind: "supplied-string" }]).supplied().endRow()).not.toThrow();
    const taken = new NativeRows([{ name: "user", kind: "supplied-string" }]);
    taken.supplied().endRow();
    expect(() => taken.take()).toThrow(/no data supplied for column user/);
  });
});
