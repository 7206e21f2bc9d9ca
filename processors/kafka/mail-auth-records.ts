import type { Message } from "kafkajs";
import { type MailAuthEvent, MailAuthEventSchema } from "../../schemas/mail-auth-event.js";
import { parseDatetime64Text, unescapeTsv } from "../../store/tsv.js";
import { EVENT_COLUMNS } from "../mail-event-rows.js";

/** Events per record on the events topic (a record stays far below the broker's size limit). */
export const EVENTS_PER_RECORD = 2_000;

/**
 * Records for `vigil.events.mail-auth`: each holds the events of one
 * partition, one per line in the layout of the `mail_auth_events` table
 * (TabSeparated, columns `EVENT_COLUMNS`, named in the `columns` header; the
 * parse stage encodes each event once for both), in the order they were
 * parsed, with an explicit partition: the one a record keyed by the event's
 * user would get. Per-message costs (encoding, checksums, hashing) are paid
 * per record, not per event.
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
        headers: { encoding: "tsv", columns: EVENT_COLUMNS.join(","), events: String(slice.length) },
      });
    }
  });
  return messages;
}

/** The event lines of one record. */
export function unpackEvents(value: Buffer): string[] {
  return value
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "");
}

/** One event line back into an event, validated by its schema; a string saying what is wrong otherwise. */
export function decodeEvent(line: string): MailAuthEvent | string {
  const fields = line.split("\t");
  if (fields.length !== EVENT_COLUMNS.length) {
    return `expected ${EVENT_COLUMNS.length} tab-separated fields (${EVENT_COLUMNS.join(", ")}), got ${fields.length}`;
  }
  const [ts, host, service, user, userRaw, ip, success, format, reason, sourceId, offset] = fields as string[];
  const parsed = MailAuthEventSchema.safeParse({
    ts: parseDatetime64Text(ts as string),
    host: unescapeTsv(host as string),
    service: unescapeTsv(service as string),
    user: unescapeTsv(user as string),
    user_raw: unescapeTsv(userRaw as string),
    ip: unescapeTsv(ip as string),
    success: success === "1" ? true : success === "0" ? false : success,
    format: unescapeTsv(format as string),
    reason: unescapeTsv(reason as string),
    source_id: sourceId,
    offset: Number(offset),
  });
  return parsed.success
    ? parsed.data
    : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
}
