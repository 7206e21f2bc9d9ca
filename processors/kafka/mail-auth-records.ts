import type { Message } from "kafkajs";

/** Events per record on the events topic (a record stays far below the broker's size limit). */
export const EVENTS_PER_RECORD = 2_000;

/**
 * Records for `vigil.events.mail-auth`: each holds the events of one
 * partition, one JSON object per line (schemas/mail-auth-event.ts), in the
 * order they were parsed, with an explicit partition: the one a record keyed
 * by the event's user would get. Per-message costs (encoding, checksums,
 * hashing) are paid per record, not per event.
 */
export function packEvents(byPartition: readonly string[][]): Message[] {
  const messages: Message[] = [];
  byPartition.forEach((lines, partition) => {
    for (let start = 0; start < lines.length; start += EVENTS_PER_RECORD) {
      const slice = lines.slice(start, start + EVENTS_PER_RECORD);
      messages.push({
        partition,
        key: null,
        value: slice.join("\n"),
        headers: { encoding: "ndjson", events: String(slice.length) },
      });
    }
  });
  return messages;
}

/** The event texts of one record (one JSON object per line). */
export function unpackEvents(value: Buffer): string[] {
  return value
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "");
}
