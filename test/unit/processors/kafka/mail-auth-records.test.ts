import { describe, expect, test } from "vitest";
import { EVENTS_PER_RECORD, packEvents, unpackEvents } from "../../../../processors/kafka/mail-auth-records.js";

describe("packed mail auth records", () => {
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
