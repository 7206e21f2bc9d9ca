import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { MailChunkSink } from "../../../../processors/parse/mail-line-parser.js";

// The scan kernel is WebAssembly built by `npm run build` beside the compiled code: this test uses dist/.
const dist = resolve(import.meta.dirname, "..", "..", "..", "..", "dist");
const load = async <Module>(path: string): Promise<Module> => (await import(join(dist, path))) as Module;
const { FieldMapScanner } = await load<typeof import("../../../../processors/parse-worker/field-map-scanner.js")>(
  "processors/parse-worker/field-map-scanner.js",
);
const { ParsedMailChunkBuilder } = await load<
  typeof import("../../../../processors/parse-worker/parsed-mail-chunk-builder.js")
>("processors/parse-worker/parsed-mail-chunk-builder.js");
const { createMailLineParser } = await load<typeof import("../../../../processors/parse/mail-line-parser.js")>(
  "processors/parse/mail-line-parser.js",
);
const { addressLocator } = await load<typeof import("../../../../processors/account-ips/address-locator.js")>(
  "processors/account-ips/address-locator.js",
);
const { loadAsnDatabase } = await load<typeof import("../../../../processors/account-ips/asn-database.js")>(
  "processors/account-ips/asn-database.js",
);
const locate = addressLocator(loadAsnDatabase());

describe("field-map scanner: the raw-bytes table", () => {
  test("finds every key added, by its bytes, with the entry and pair it was given, and nothing else", () => {
    const field = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom("a", "b", "A", "é", "1", ".", ":") }),
      fc.string({ minLength: 30, maxLength: 90, unit: fc.constantFrom("x", "y", "@", "ü") }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(field, field), { minLength: 1, maxLength: 3000, size: "max" }), (keys) => {
        const table = new FieldMapScanner();
        const model = new Map<string, { entry: number; pair: number }>();
        for (const [user, ip] of keys) {
          // The fields sit inside a line, at an odd place, as the parser finds them.
          const line = Buffer.from(` ${user} x ${ip}\n`);
          const userEnd = 1 + Buffer.byteLength(user);
          const ipStart = userEnd + 3;
          const ipEnd = ipStart + Buffer.byteLength(ip);
          const found = table.find(line, 1, userEnd, ipStart, ipEnd);
          const known = model.get(`${user}\n${ip}`);
          if (known === undefined) {
            expect(found).toBe(-1);
            const pair = model.size * 7 + 3;
            const entry = table.add(line, 1, userEnd, ipStart, ipEnd, pair);
            expect(entry).toBe(model.size);
            model.set(`${user}\n${ip}`, { entry, pair });
          } else {
            expect(found).toBe(known.entry);
            expect(table.pairOf(found)).toBe(known.pair);
          }
        }
      }),
      { numRuns: 20 },
    );
  });

  test("numbers users, addresses and pairs from 0 in the order first seen, as maps would, past every growth of its tables", () => {
    const name = fc.oneof(
      fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom("a", "b", "c", "d", "ü", "@") }),
      fc.string({ minLength: 20, maxLength: 60, unit: fc.constantFrom("x", "y") }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, fc.integer({ min: 0, max: 4000 }), fc.boolean()), {
          minLength: 1,
          maxLength: 6000,
          size: "max",
        }),
        (logins) => {
          const numbers = new FieldMapScanner();
          const users = new Map<string, number>();
          const addresses = new Map<string, number>();
          const pairs = new Map<string, number>();
          const others = new Map<number, number>();
          for (const [user, address, ipv4] of logins) {
            const userNumber = numbers.userNumber(user);
            expect(numbers.lastWasNew).toBe(!users.has(user));
            if (!users.has(user)) users.set(user, users.size);
            expect(userNumber).toBe(users.get(user));
            // IPv4 addresses are numbered by the kernel's table; others get a number from its count.
            const key = `${ipv4 ? "v4" : "other"} ${address}`;
            let addressNumber: number;
            if (ipv4) {
              addressNumber = numbers.ipv4AddressNumber((address * 2654435761) >>> 0);
              expect(numbers.lastWasNew).toBe(!addresses.has(key));
            } else {
              addressNumber = others.get(address) ?? numbers.otherAddressNumber();
              others.set(address, addressNumber);
            }
            if (!addresses.has(key)) addresses.set(key, addresses.size);
            expect(addressNumber).toBe(addresses.get(key));
            const pair = numbers.pairNumber(userNumber, addressNumber);
            const pairKey = `${userNumber} ${addressNumber}`;
            expect(numbers.lastWasNew).toBe(!pairs.has(pairKey));
            if (!pairs.has(pairKey)) pairs.set(pairKey, pairs.size);
            expect(pair).toBe(pairs.get(pairKey));
          }
        },
      ),
      { numRuns: 10 },
    );
  });

  test("a key of the loaded chunk asked twice gets one answer, and a new chunk or an addition is looked up afresh", () => {
    const table = new FieldMapScanner();
    const chunk = (text: string) => Buffer.from(text);
    const first = chunk("ann 192.0.2.7\n");
    expect(table.load(first, "ann", 1, 2)).toBe(true);
    expect(table.find(first, 0, 3, 4, 13)).toBe(-1);
    expect(table.find(first, 0, 3, 4, 13)).toBe(-1);
    const entry = table.add(first, 0, 3, 4, 13, 42);
    expect(table.find(first, 0, 3, 4, 13)).toBe(entry);
    // The same places in another chunk hold other bytes: not the key met before.
    const second = chunk("bob 192.0.2.8\n");
    table.load(second, "ann", 1, 2);
    expect(table.find(second, 0, 3, 4, 13)).toBe(-1);
    expect(table.find(second, 0, 2, 4, 13)).toBe(-1);
    expect(table.add(second, 0, 3, 4, 13, 43)).toBe(entry + 1);
    // Back to the first bytes at the same places: found, with its pair.
    const third = chunk("ann 192.0.2.7\n");
    table.load(third, "ann", 1, 2);
    expect(table.pairOf(table.find(third, 0, 3, 4, 13))).toBe(42);
  });

  test("the same bytes split differently between user and address are another key", () => {
    const table = new FieldMapScanner();
    const line = Buffer.from("ab c");
    expect(table.find(line, 0, 1, 1, 2)).toBe(-1);
    table.add(line, 0, 1, 1, 2, 5);
    expect(table.find(line, 0, 2, 3, 4)).toBe(-1);
    expect(table.find(Buffer.from("ba"), 0, 1, 1, 2)).toBe(-1);
    expect(table.pairOf(table.find(Buffer.from("xa b"), 1, 2, 3, 4))).toBe(5);
  });
});

// Every part of a line that the kernel must read exactly as the TypeScript parser does: blanks of every
// kind, headers that repeat or not (or are no header), the pattern anywhere or nowhere, too few fields,
// hostile and long user names, addresses in every spelling and none.
const blank = fc.constantFrom(" ", " ", " ", "\t", "  ", " \t ");
// Headers of one minute, of the next one, of minutes in which the time does not follow the clock (the
// year RFC 3164 infers changes at Dec 2 00:00:01 with the reference time below; Berlin's clocks move on
// Mar 29 and Oct 25, 2026), with fractions of a second, and none.
const header = fc.constantFrom(
  "Nov 24 00:00:01 mx1 vpopmail[2231]:",
  "Nov 24 00:00:01 mx1 vpopmail[2231]:",
  "Nov 24 00:00:02 mx1 vpopmail[2231]:",
  "Nov 24 00:00:59 mx1 vpopmail[2231]:",
  "Nov 24 00:01:00 mx1 vpopmail[2231]:",
  "Nov 24 00:00:02 mail-relay-number-two.example.com vchkpw:",
  "Nov  4 23:59:59 mx2 x:",
  "Dec  2 00:00:00 mx1 vpopmail[2231]:",
  "Dec  2 00:00:30 mx1 vpopmail[2231]:",
  "Mar 29 01:59:30 mx1 vpopmail[2231]:",
  "Mar 29 02:00:30 mx1 vpopmail[2231]:",
  "Mar 29 03:00:30 mx1 vpopmail[2231]:",
  "Oct 25 02:30:00 mx1 vpopmail[2231]:",
  "2026-11-24T00:00:03.123456+01:00 mx1 vpopmail[7]:",
  "2026-11-24T00:00:04.123456+01:00 mx1 vpopmail[7]:",
  "not a syslog header",
);
/** A line's own second, replacing its header's (60 and 61 are no second: such a line is not read as one). */
const tick = fc.option(fc.integer({ min: 0, max: 61 }), { freq: 2 });
// Users the kernel numbers itself (plain printable ASCII) and users it leaves to TypeScript (in `<...>`, with a
// control character or beyond ASCII); addresses likewise (plain dotted quads, and all else).
const user = fc.constantFrom(
  "ann@example.com",
  "Ann@Example.com",
  "ANN@EXAMPLE.COM",
  "bob",
  "x;$(id)`q`'\"",
  "ü@ß.de",
  "a".repeat(70),
  "<Ann@Example.com>",
  "<bob",
  "bob>",
  "bob\r",
  "\u000bbob",
);
const ip = fc.constantFrom(
  "192.0.2.7",
  "::ffff:192.0.2.7",
  "[2001:db8::1]",
  "198.51.100.77",
  "not-an-ip",
  "10.0.0.1",
  "192.0.2.07",
  "192.0.2.256",
  "1.2.3",
  "0.0.0.0",
  "255.255.255.255",
);
const word = fc.constantFrom("proto=POP3", "LOGIN,", "LOGIN", "x", "session=s1", "L", "ab", "LOGIN,LOGIN,", "é");

type Layout = { pattern: string; user: number; ip: number };
const layouts: Layout[] = [
  { pattern: "LOGIN,", user: 12, ip: 13 },
  { pattern: "LOGIN,", user: 13, ip: 12 },
  { pattern: "L", user: 2, ip: 9 },
  { pattern: "[", user: 4, ip: 8 },
  { pattern: "ab", user: 7, ip: 7 },
];

const fieldsOf = (text: string) => text.split(/[ \t]+/).filter((field) => field !== "").length;

/**
 * A run of lines under one header (consecutive lines mostly share it, as in a real log): mostly the pattern
 * first and the user and address at the layout's field numbers, sometimes anywhere, sometimes too few fields.
 */
const run = (layout: Layout) =>
  fc
    .record({
      header,
      lines: fc.array(
        fc.record({
          leading: fc.constantFrom("", "", "", "", "", "", "", " ", "\t"),
          exact: fc.constantFrom(true, true, true, true, false),
          withPattern: fc.constantFrom(true, true, true, true, false),
          words: fc.array(fc.oneof(word, user, ip), { minLength: 0, maxLength: 16 }),
          trailing: fc.array(word, { minLength: 0, maxLength: 3 }),
          user,
          ip,
          blanks: fc.array(blank, { minLength: 40, maxLength: 40 }),
          second: tick,
        }),
        { minLength: 1, maxLength: 30, size: "max" },
      ),
    })
    .map(({ header, lines }) =>
      lines.map(({ leading, exact, withPattern, words, trailing, user, ip, blanks, second }) => {
        const parts = withPattern ? [layout.pattern, ...words] : [...words];
        const first = Math.min(layout.user, layout.ip);
        const last = Math.max(layout.user, layout.ip);
        const before = fieldsOf(header);
        if (exact && last > before) {
          // Fields after the header: fillers, with the wanted values at their numbers.
          const slots = Array.from({ length: last - before }, (_, n) => parts[n] ?? "x");
          // The address wins when both numbers are one field: a user name is no address.
          if (first > before) slots[first - before - 1] = layout.user < layout.ip ? user : ip;
          slots[last - before - 1] = layout.user > layout.ip ? user : ip;
          parts.splice(0, parts.length, ...slots, ...trailing);
        } else parts.splice(Math.min(words.length, 3), 0, user, ip);
        let text =
          leading +
          (second === null ? header : header.replace(/(\d\d:\d\d:)\d\d/, `$1${String(second).padStart(2, "0")}`));
        parts.forEach((part, index) => {
          text += (blanks[index] ?? " ") + part;
        });
        return text;
      }),
    );

type Builder = InstanceType<typeof ParsedMailChunkBuilder>;

/** A sink that hides the scanner from the parser: the builder then reads every line in TypeScript. */
function withoutScanner(builder: Builder): MailChunkSink {
  return {
    event: (event, offset, data, spans) => builder.event(event, offset, data, spans),
    rawEvent: (data, spans, ts, host, offset, constants) => builder.rawEvent(data, spans, ts, host, offset, constants),
    unparsed: (text, offset, reason) => builder.unparsed(text, offset, reason),
    skipped: (count) => builder.skipped(count),
  };
}

/** The parser options of a field map named "scan" in `layout`. */
const scanOptions = (layout: Layout, timezone = "UTC") => ({
  format: "scan",
  fieldMaps: { scan: { ...layout, success: true, service: "pop3" } },
  timezone,
  referenceTime: Date.UTC(2026, 10, 25),
});

/** Two parsers and builders: one pair reads with the kernel, the other in TypeScript only. */
function twoWays(options: Parameters<typeof createMailLineParser>[0]) {
  return {
    parsers: { kernel: createMailLineParser(options), typeScript: createMailLineParser(options) },
    builders: { kernel: new ParsedMailChunkBuilder(locate), typeScript: new ParsedMailChunkBuilder(locate) },
  };
}

/** Parses `data` with the kernel and without it; expects the same chunk from both. */
function expectSameChunk(
  parsers: { kernel: ReturnType<typeof createMailLineParser>; typeScript: ReturnType<typeof createMailLineParser> },
  builders: { kernel: Builder; typeScript: Builder },
  data: Buffer,
  offset: number,
  encodeRows: boolean,
) {
  builders.kernel.begin("source", "/var/log/maillog", encodeRows);
  builders.typeScript.begin("source", "/var/log/maillog", encodeRows);
  parsers.kernel.parseChunk(data, offset, builders.kernel);
  parsers.typeScript.parseChunk(Buffer.from(data), offset, withoutScanner(builders.typeScript));
  const read = builders.kernel.take(offset, offset + data.length);
  const expected = builders.typeScript.take(offset, offset + data.length);
  // The numbering is a random id per builder, an unparsed row ends with the time it was read; all else must match.
  const comparable = (chunk: typeof read) => ({
    ...chunk,
    numbering: "",
    eventRows: createHash("sha256").update(chunk.eventRows).digest("hex"),
    unparsedRows: chunk.unparsedRows.map((row) => row.replace(/\t\d+$/, "")),
  });
  expect(comparable(read)).toEqual(comparable(expected));
  return read;
}

describe("field-map scanner: chunks", () => {
  test("a chunk read by the kernel gives exactly the columns, names and rows of the TypeScript parser", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...layouts).chain((layout) =>
          fc.tuple(
            fc.constant(layout),
            fc.array(fc.array(run(layout), { minLength: 1, maxLength: 8, size: "max" }), {
              minLength: 1,
              maxLength: 4,
            }),
          ),
        ),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom("UTC", "Europe/Berlin"),
        ([layout, runs], encodeRows, unterminated, timezone) => {
          const chunks = runs.map((chunk) => chunk.flat());
          const { parsers, builders } = twoWays(scanOptions(layout, timezone));
          let offset = 0;
          chunks.forEach((lines, index) => {
            const last = index === chunks.length - 1 && unterminated;
            const data = Buffer.from(lines.join("\n") + (last ? "" : "\n"));
            expectSameChunk(parsers, builders, data, offset, encodeRows);
            offset += data.length;
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  test("the kernel takes every line of a known pair, or a new one of plain names, under the header read last or another second of its minute, in every layout", () => {
    const blanks = [" ", "\t", "  ", " \t\t ", "                 "];
    for (const layout of layouts) {
      const { parsers, builders } = twoWays(scanOptions(layout));
      let taken = 0;
      const takeRawEvents = builders.kernel.rawEvents.bind(builders.kernel);
      builders.kernel.rawEvents = (...args) => {
        const count = takeRawEvents(...args);
        taken += count;
        return count;
      };
      const keys = new Set<string>();
      const lines = Array.from({ length: 3000 }, (_, n) => {
        // Every second of one minute, fifty lines each: the kernel follows the clock without a stop.
        const header = `Nov 24 00:00:${String(Math.floor(n / 50)).padStart(2, "0")} mx1 vpopmail[2231]:`;
        const values = new Map<number, string>([
          [layout.ip, ["192.0.2.7", "::ffff:192.0.2.8", "198.51.100.1"][n % 3] as string],
        ]);
        if (layout.user !== layout.ip) values.set(layout.user, `User${n % 4}@example.com`);
        const fields = Array.from({ length: Math.max(layout.user, layout.ip) + (n % 3) - 5 }, (_, index) => {
          const field = index + 6;
          return values.get(field) ?? (index === 0 ? layout.pattern : `w${(n * 7 + index) % 11}`);
        });
        const text = `${header} ${fields.map((field, index) => (index === 0 ? field : `${blanks[(n + index) % blanks.length]}${field}`)).join("")}`;
        keys.add(
          text
            .split(/[ \t]+/)
            .filter((_field, index) => index + 1 === layout.user || index + 1 === layout.ip)
            .join("\n"),
        );
        return text;
      });
      const read = expectSameChunk(parsers, builders, Buffer.from(`${lines.join("\n")}\n`), 0, true);
      expect(read.events).toBe(3000);
      // Only the chunk's first line (no header known yet) and the first line of each spelling of a pair
      // whose address is not a plain dotted quad are read in TypeScript, whatever the second: the kernel
      // numbers the other pairs itself.
      expect(taken).toBe(3000 - 1 - [...keys].filter((key) => key.includes("::ffff:")).length);
    }
  });

  test("a line over 64 KiB, a last line without its newline and more lines than one scan emits", () => {
    const options = { format: "awk-login", fieldMaps: {}, timezone: "UTC", referenceTime: Date.UTC(2026, 10, 25) };
    const login = (n: number) =>
      `Nov 24 00:00:01 mx1 vpopmail[2231]: vchkpw-pop3: LOGIN, proto=POP3 auth=PLAIN tls=yes session=s${n} user${n % 7}@example.com 192.0.2.${n % 5}`;
    const lines = Array.from({ length: 20_000 }, (_, n) => login(n));
    lines.splice(18_000, 0, `${login(1)} ${"x".repeat(70_000)}`);
    const data = Buffer.from(`${lines.join("\n")}\n${login(3)}`);
    for (const encodeRows of [true, false]) {
      const { parsers, builders } = twoWays(options);
      const read = expectSameChunk(parsers, builders, data, 0, encodeRows);
      expect(read.events).toBe(20_001);
      expect(read.unparsed).toBe(1);
    }
  });
});
