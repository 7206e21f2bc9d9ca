import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createAccountIpsProcessor } from "../../../../processors/account-ips/account-ips-processor.js";
import { decodeAccountState } from "../../../../processors/account-ips/account-state-binary.js";
import type { AsnDatabase } from "../../../../processors/account-ips/asn-database.js";
import { AccountIpsSchema } from "../../../../schemas/config.js";

/** ASN from the first octet; the AS name changes with the second (one ASN, several names and countries). */
const fakeAsns: AsnDatabase = {
  lookup(ip) {
    if (ip.includes(":")) return { asn: 64_500, asName: 'v6 "net" \\ é', country: "NL" };
    const [a, b] = ip.split(".").map(Number);
    const first = Number.isFinite(a) ? (a as number) : 0;
    const second = Number.isFinite(b) ? (b as number) : 0;
    return {
      asn: first,
      asName: second % 3 === 0 ? `AS${first}` : `AS${first} (${second % 3})`,
      country: ["DE", "", "US"][second % 3] ?? "",
    };
  },
};

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 24, 0, 0, 0);
const config = AccountIpsSchema.parse({ allowlist: { cidrs: ["10.9.0.0/16"] } });
const USERS = ["ann", 'bo"b', "c\\y", "dée", "e\nf", "$(rm -rf /)", "\ud83d\ude00", "lone\ud800"];
const ADDRESSES = [
  (n: number) => `20.${n % 4}.${n % 7}.${n}`,
  (n: number) => `198.51.100.${n}`,
  (n: number) => `10.9.1.${n}`,
  (n: number) => `2001:db8:${n % 3}::${n.toString(16)}`,
  (n: number) => `fe80::${n}`,
];

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts.map((part) => Buffer.from(part.buffer, part.byteOffset, part.byteLength)));
}

describe("the aggregation's binary state", () => {
  test("decodes to exactly the snapshot of the state it encoded, and restores it", () => {
    const login = fc.record({
      user: fc.constantFrom(...USERS),
      kind: fc.integer({ min: 0, max: ADDRESSES.length - 1 }),
      n: fc.integer({ min: 1, max: 6 }),
      minutes: fc.integer({ min: 0, max: 3 * 24 * 60 }),
      success: fc.boolean(),
      source: fc.constantFrom("mx1", "mx2"),
      collect: fc.integer({ min: 0, max: 9 }),
    });
    fc.assert(
      fc.property(fc.array(login, { minLength: 0, maxLength: 150 }), (logins) => {
        const processor = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
        logins.forEach((line, offset) => {
          processor.fold({
            user: line.user,
            ip: (ADDRESSES[line.kind] as (n: number) => string)(line.n),
            ts: T0 + line.minutes * 60_000,
            success: line.success,
            sourceId: line.source,
            offset,
          });
          // Collections close windows and move the watermark: states with open, closed and alerted windows.
          if (line.collect === 0) processor.collect();
          if (line.collect === 1) processor.finishSource(line.source);
        });
        const snapshot = processor.snapshot();
        const decoded = decodeAccountState(concat(processor.encodeState().parts));
        expect(decoded).toEqual(snapshot);
        const restored = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
        restored.restore(decoded);
        expect(restored.snapshot()).toEqual(snapshot);
      }),
      { numRuns: 150 },
    );
  });

  test("many addresses in one window, and the parts' byte count", () => {
    const processor = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
    for (let n = 0; n < 300; n++)
      processor.fold({
        user: "mallory",
        ip: `${(n % 200) + 1}.${n % 13}.0.1`,
        ts: T0 + n * 1000,
        success: true,
        sourceId: "s",
        offset: n,
      });
    const encoded = processor.encodeState();
    const bytes = concat(encoded.parts);
    expect(bytes.length).toBe(encoded.bytes);
    expect(decodeAccountState(bytes)).toEqual(processor.snapshot());
    expect(processor.snapshot().users[0]?.win.some((window) => window.ips.length > 100)).toBe(true);
  });

  test("a damaged state is refused, not half read", () => {
    const processor = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
    processor.fold({ user: "ann", ip: "20.1.1.5", ts: T0 + HOUR, success: true, sourceId: "s", offset: 0 });
    const bytes = concat(processor.encodeState().parts);
    expect(() => decodeAccountState(bytes.subarray(0, bytes.length - 8))).toThrow(/cut short/);
    expect(() => decodeAccountState(concat([bytes, new Uint8Array(8)]))).toThrow(/bytes more/);
    expect(() => decodeAccountState(Buffer.from('{"version":1}'))).toThrow(/not an account state/);
    const wrongRecord = Buffer.from(bytes);
    // The last section's value (the window's address) names a record the state does not hold.
    wrongRecord.writeDoubleLE(7, wrongRecord.length - 8);
    expect(() => decodeAccountState(wrongRecord)).toThrow(/no known record/);
  });
});
