import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  decodeEvent,
  EVENTS_PER_RECORD,
  packEvents,
  unpackEvents,
} from "../../../../processors/kafka/mail-auth-records.js";
import { encodeEventRow } from "../../../../processors/mail-event-rows.js";

describe("packed mail auth records", () => {
  test("an event survives the trip through its line exactly, whatever its strings hold", () => {
    const text = fc.string({ unit: "binary", maxLength: 30 });
    fc.assert(
      fc.property(
        fc.record({
          ts: fc.integer({ min: 0, max: 2 ** 42 }),
          host: text,
          service: text,
          user: text,
          user_raw: text,
          ip: text,
          success: fc.boolean(),
          format: fc.constantFrom("postfix", "dovecot", "awk-login"),
          reason: text,
        }),
        fc.nat(2 ** 40),
        (event, offset) => {
          const line = encodeEventRow(event, "0123456789abcdef", offset);
          expect(line).not.toContain("\n");
          expect(decodeEvent(line)).toEqual({ ...event, source_id: "0123456789abcdef", offset });
        },
      ),
    );
  });

  test("a line that is not an event says why", () => {
    expect(decodeEvent("{not an event")).toMatch(/expected 11 tab-separated fields/);
    expect(
      decodeEvent(["soon", "h", "imap", "u", "u", "1.2.3.4", "1", "dovecot", "", "0123456789abcdef", "1"].join("\t")),
    ).toMatch(/^ts: /);
  });

  test("each partition's events travel in order, in records of bounded size, to that partition", () => {
    const byPartition = [
      Array.from({ length: EVENTS_PER_RECORD + 5 }, (_, i) => JSON.stringify({ n: i })),
      [],
      ['{"n":"x"}'],
    ];
    const messages = packEvents(byPartition);
    expect(messages.map((message) => message.partition)).toEqual([0, 0, 2]);
    const back = messages
      .filter((message) => message.partition === 0)
      .flatMap((message) => unpackEvents(Buffer.from(message.value as string)));
    expect(back).toEqual(byPartition[0]);
    expect(messages[0]?.headers?.events).toBe(String(EVENTS_PER_RECORD));
  });
});
