import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createAccountIpsProcessor } from "../../../../processors/account-ips/account-ips-processor.js";
import type { AsnDatabase } from "../../../../processors/account-ips/asn-database.js";
import { AccountEvidenceSchema, type WindowRow } from "../../../../processors/account-ips/rows.js";
import { AccountIpsSchema } from "../../../../schemas/config.js";

/** A fake ASN table: the first octet is the ASN, the second picks one of a few countries. */
const fakeAsns: AsnDatabase = {
  lookup(ip) {
    const [a, b] = ip.split(".").map(Number);
    return { asn: a ?? 0, asName: `AS${a}`, country: ["DE", "FR", "US", "BR", "CN"][(b ?? 0) % 5] ?? "" };
  },
};

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 24, 0, 0, 0);
const config = AccountIpsSchema.parse({});

function login(user: string, ip: string, ts: number, offset: number, success = true) {
  return { user, ip, ts, success, sourceId: "s1", offset };
}

describe("account-ips processor", () => {
  test("a late line from another source that shows a network is older rewrites the windows that counted it as new", () => {
    const lines = [
      { ...login("ann", "20.1.1.5", T0 + 2 * HOUR, 10), sourceId: "mx3" },
      // Five minutes earlier, within the lateness: it still counts in its window.
      { ...login("ann", "20.1.1.9", T0 + 2 * HOUR - 5 * 60_000, 7), sourceId: "mx1" },
    ];
    const final = (order: typeof lines) => {
      const processor = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
      const rows = new Map<string, number>();
      for (const line of order) {
        processor.fold(line);
        for (const row of processor.collect().windows) rows.set(`${row.window} ${row.window_start}`, row.new_networks);
      }
      for (const row of processor.collect({ flushOpen: true }).windows)
        rows.set(`${row.window} ${row.window_start}`, row.new_networks);
      return rows;
    };
    const inOrder = final([lines[1], lines[0]] as typeof lines);
    const late = final(lines);
    expect(late).toEqual(inOrder);
    // The 02:00 window: 20.1.1.0/24 was first seen at 01:55, so it is not new there.
    expect(late.get(`1h ${T0 + 2 * HOUR}`)).toBe(0);
  });

  test("the row rewritten by a late line wins over the one it corrects: same events, higher version", () => {
    const processor = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
    const twoOClock = (rows: WindowRow[]) =>
      rows.find((row) => row.window === "1h" && row.window_start === T0 + 2 * HOUR);
    processor.fold({ ...login("ann", "20.1.1.5", T0 + 2 * HOUR + 60_000, 10), sourceId: "mx3" });
    const first = twoOClock(processor.collect().windows);
    // Late, from another source, in the hour before: the network was not new at 02:00 after all.
    processor.fold({ ...login("ann", "20.1.1.9", T0 + 2 * HOUR - 5 * 60_000, 7), sourceId: "mx1" });
    const rewritten = twoOClock(processor.collect().windows);
    expect(first?.new_networks).toBe(1);
    expect(rewritten?.new_networks).toBe(0);
    expect(rewritten?.logins).toBe(first?.logins);
    // ReplacingMergeTree keeps the highest version, whichever row reaches the store last.
    expect(rewritten?.version).toBeGreaterThan(first?.version ?? Number.POSITIVE_INFINITY);
  });

  test("a closing-only collection writes a window's last row once, also one re-queued by a late line, and nothing else", () => {
    const processor = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
    processor.fold({ ...login("ann", "20.1.1.5", T0 + 2 * HOUR, 10), sourceId: "mx3" });
    processor.fold({ ...login("bob", "30.1.1.5", T0 + 2 * HOUR, 11), sourceId: "mx3" });
    // Late (from another source): 20.1.1.0/24 is older for ann than her 02:00 windows were told.
    processor.fold({ ...login("ann", "20.1.1.9", T0 + 2 * HOUR - 5 * 60_000, 7), sourceId: "mx1" });
    processor.finishSource("mx1");
    processor.fold({ ...login("bob", "30.1.1.6", T0 + 5 * HOUR, 12), sourceId: "mx3" });
    const closing = processor.collect({ closedOnly: true });
    // Only windows that closed (the 01:00 and 02:00 hours, lateness 15 min); no history, no alerts.
    expect(closing.history).toEqual([]);
    expect(closing.alerts).toEqual([]);
    const rows = closing.windows.map(
      (row) => `${row.user} ${row.window} ${(row.window_start - T0) / HOUR} ${row.new_networks}`,
    );
    expect(rows.sort()).toEqual(["ann 1h 1 1", "ann 1h 2 0", "bob 1h 2 1"]);
    // The next full collection has the records and the open windows, and never the closed ones again.
    const full = processor.collect();
    expect(full.history.map((row) => `${row.user} ${row.ip}`).sort()).toEqual([
      "ann 20.1.1.5",
      "ann 20.1.1.9",
      "bob 30.1.1.5",
      "bob 30.1.1.6",
    ]);
    expect(full.windows.map((row) => `${row.user} ${row.window} ${(row.window_start - T0) / HOUR}`).sort()).toEqual([
      "ann 24h 0",
      "bob 1h 5",
      "bob 24h 0",
    ]);
  });

  test("an account logging in from many networks of many ASNs and countries fires likely-compromise alerts, once per level", () => {
    const processor = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
    for (let i = 0; i < 40; i++)
      processor.fold(login("victim@example.com", `${10 + i}.${i}.${i}.7`, T0 + i * 60_000, i));
    const changes = processor.collect();
    const hourly = changes.alerts.filter((a) => a.window === "1h");
    const daily = changes.alerts.filter((a) => a.window === "24h");
    // 1h threshold 8: crossed at 8, doubled at 16 and 32. 24h threshold 16: crossed at 16, doubled at 32.
    expect(hourly.map((a) => a.level)).toEqual([1, 2, 3]);
    expect(daily.map((a) => a.level)).toEqual([1, 2]);
    expect(daily[1]?.verdict).toBe("likely-compromise");
    // The evidence is the state at the login that crossed the level, and fired_at its time.
    const evidence = AccountEvidenceSchema.parse(JSON.parse(daily[1]?.evidence ?? "{}"));
    expect(evidence.networks).toBe(32);
    expect(evidence.countries).toBe(5);
    expect(daily[1]?.fired_at).toBe(T0 + 31 * 60_000);
    expect(changes.windows.find((w) => w.window === "24h")?.networks).toBe(40);
    expect(changes.history).toHaveLength(40);
  });

  test("a phone roaming over many addresses of one carrier in one country is not flagged", () => {
    const processor = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
    for (let i = 0; i < 120; i++)
      processor.fold(login("phone@example.com", `77.5.${i}.${i % 200}`, T0 + i * 20_000, i));
    const changes = processor.collect();
    expect(changes.alerts).toEqual([]);
    const daily = changes.windows.find((w) => w.window === "24h");
    expect(daily?.verdict).toBe("roaming-phone");
    expect(daily?.networks).toBe(120);
  });

  test("an alert escalates once per doubling and never repeats the same level", () => {
    const processor = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
    let offset = 0;
    const levels: number[] = [];
    for (let i = 0; i < 70; i++) {
      processor.fold(login("x", `${i}.${i}.1.1`, T0 + i * 1000, offset++));
      for (const alert of processor.collect().alerts) if (alert.window === "24h") levels.push(alert.level);
    }
    expect(levels).toEqual([1, 2, 3]);
  });

  test("failures from many networks count as failures, not as networks", () => {
    const processor = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
    for (let i = 0; i < 50; i++) processor.fold(login("sprayed", `${i}.${i}.1.1`, T0 + i * 1000, i, false));
    // A window that gained no address is written when it closes, or at a final flush.
    expect(processor.collect().windows).toEqual([]);
    const changes = processor.collect({ flushOpen: true });
    expect(changes.alerts).toEqual([]);
    expect(changes.windows.find((w) => w.window === "24h")).toMatchObject({ failures: 50, networks: 0 });
  });

  test("allowlisted users and networks never alert", () => {
    const allowing = AccountIpsSchema.parse({ allowlist: { users: ["Boss@Example.com"], cidrs: ["20.0.0.0/8"] } });
    const processor = createAccountIpsProcessor({ config: allowing, asnDatabase: fakeAsns });
    for (let i = 0; i < 40; i++) processor.fold(login("boss@example.com", `${i + 30}.${i}.1.1`, T0 + i * 1000, i));
    for (let i = 0; i < 40; i++) processor.fold(login("other", `20.${i}.${i}.1`, T0 + i * 1000, 100 + i));
    const changes = processor.collect();
    expect(changes.alerts).toEqual([]);
    expect(changes.windows.find((w) => w.user === "boss@example.com" && w.window === "24h")?.verdict).toBe(
      "allowlisted",
    );
    expect(changes.history.filter((h) => h.user === "other")).toHaveLength(40);
  });

  test("the result does not depend on the order of events within the lateness", () => {
    const events = Array.from({ length: 300 }, (_, i) =>
      login(`u${i % 7}`, `${i % 50}.${i % 13}.${i % 3}.1`, T0 + ((i * 7919) % 600) * 1000, i, i % 5 !== 0),
    );
    const run = (list: typeof events) => {
      const processor = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
      for (const event of list) processor.fold(event);
      const changes = processor.collect({ closeAll: true });
      const key = (row: { user: string }) => JSON.stringify(row);
      return {
        history: changes.history.map(key).sort(),
        windows: changes.windows.map(key).sort(),
        alerts: changes.alerts.map((a) => `${a.subject} ${a.window} ${a.level}`).sort(),
      };
    };
    expect(run([...events].reverse())).toEqual(run(events));
  });

  test("an event older than a closed window is counted as late, and still lands in the history", () => {
    const processor = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
    processor.fold(login("a", "1.1.1.1", T0, 0));
    processor.fold(login("a", "1.1.1.1", T0 + 30 * HOUR, 1));
    processor.collect();
    processor.fold(login("a", "2.2.2.2", T0 + 5 * 60_000, 2));
    const changes = processor.collect();
    expect(processor.stats().lateEvents).toBe(2); // its 1h and its 24h window had closed
    expect(changes.history.map((h) => h.ip)).toEqual(["2.2.2.2"]);
  });

  test("a snapshot restores exactly the counts it had", () => {
    const first = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
    const second = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
    const events = Array.from({ length: 200 }, (_, i) =>
      login(`u${i % 3}`, `${i % 40}.${i % 9}.0.1`, T0 + i * 30_000, i),
    );
    for (const event of events.slice(0, 120)) first.fold(event);
    first.collect();
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    for (const event of events.slice(120)) {
      first.fold(event);
      second.fold(event);
    }
    expect(second.collect({ closeAll: true })).toEqual(first.collect({ closeAll: true }));
  });

  test("a window without thresholds is a configuration error naming the key", () => {
    const bad = AccountIpsSchema.parse({ windows: ["1h", "6h"] });
    expect(() => createAccountIpsProcessor({ config: bad, asnDatabase: fakeAsns })).toThrow(
      /accountIps.thresholds.*6h/,
    );
  });
});

describe("roaming phones with a home", () => {
  test("a phone's few home and office addresses outside its carrier do not turn roaming into a compromise", () => {
    const processor = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
    // 60 carrier addresses (ASN 77, one country) and 3 home addresses in three other ASNs.
    for (let i = 0; i < 60; i++) processor.fold(login("phone", `77.5.${i}.1`, T0 + i * 60_000, i));
    for (let i = 0; i < 3; i++) processor.fold(login("phone", `${90 + i}.5.9.1`, T0 + i * 60_000 + 30_000, 100 + i));
    let changes = processor.collect();
    expect(changes.alerts).toEqual([]);
    expect(changes.windows.find((w) => w.window === "24h")?.verdict).toBe("roaming-phone");
    // A fourth address elsewhere is one too many: the spread now reads as a compromise.
    processor.fold(login("phone", "93.6.9.1", T0 + 3_600_000 * 2, 200));
    processor.fold(login("phone", "94.7.9.1", T0 + 3_600_000 * 2 + 1, 201));
    changes = processor.collect();
    expect(changes.alerts.map((a) => `${a.window} ${a.verdict}`)).toContain("24h likely-compromise");
  });
});

describe("new networks of a window", () => {
  test("every window's last row counts the networks its user first saw inside it, however often it was described", () => {
    // Few users and addresses (networks repeat, windows hold one to a dozen addresses: inline and beyond),
    // two sources read in turns, collections at random moments (rows described again and again).
    const line = fc.record({
      user: fc.constantFrom("ann", "bob", "cy"),
      net: fc.integer({ min: 0, max: 11 }),
      host: fc.integer({ min: 1, max: 3 }),
      minutes: fc.integer({ min: 0, max: 40 }),
      success: fc.boolean(),
      collect: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 120 }), (lines) => {
        const processor = createAccountIpsProcessor({ config, asnDatabase: fakeAsns });
        const last = new Map<string, WindowRow>();
        const keep = (rows: WindowRow[]) => {
          for (const row of rows) {
            const key = `${row.user} ${row.window} ${row.window_start}`;
            if ((last.get(key)?.version ?? -1) <= row.version) last.set(key, row);
          }
        };
        // Each source's lines in time order; the sources interleave.
        const clock = [T0, T0];
        const folded = lines.map((item, index) => {
          const source = index % 2;
          clock[source] = (clock[source] as number) + item.minutes * 60_000;
          const ip = `${20 + item.net}.${item.net}.1.${item.host}`;
          const fact = {
            ...login(item.user, ip, clock[source] as number, index, item.success),
            sourceId: `mx${source}`,
          };
          processor.fold(fact);
          if (item.collect) keep(processor.collect().windows);
          return { ...fact, net: item.net };
        });
        keep(processor.collect({ flushOpen: true }).windows);
        // The model: a network's first sighting is its user's earliest login there, failed or not; a window
        // counts the networks of its successful logins.
        const firstSeen = new Map<string, number>();
        for (const fact of folded) {
          const key = `${fact.user} ${fact.net}`;
          firstSeen.set(key, Math.min(firstSeen.get(key) ?? Number.POSITIVE_INFINITY, fact.ts));
        }
        const expected = new Map<string, { networks: Set<number>; start: number; end: number; user: string }>();
        for (const fact of folded) {
          if (!fact.success) continue;
          for (const [name, size] of [
            ["1h", HOUR],
            ["24h", 24 * HOUR],
          ] as const) {
            const start = Math.floor(fact.ts / size) * size;
            const key = `${fact.user} ${name} ${start}`;
            const window = expected.get(key) ?? {
              networks: new Set<number>(),
              start,
              end: start + size,
              user: fact.user,
            };
            window.networks.add(fact.net);
            expected.set(key, window);
          }
        }
        for (const [key, window] of expected) {
          const row = last.get(key);
          expect(row?.networks, key).toBe(window.networks.size);
          const seenInside = [...window.networks].filter((net) => {
            const seen = firstSeen.get(`${window.user} ${net}`) as number;
            return seen >= window.start && seen < window.end;
          });
          expect(row?.new_networks, key).toBe(seenInside.length);
        }
      }),
      { numRuns: 200 },
    );
  });
});
