import type { ParsedMailAuth } from "../schemas/mail-auth-event.js";
import { datetime64Text, escapeTsv } from "../store/tsv.js";

/**
 * How the parse side encodes its rows: `mail_auth_events` (Native columns on the parse worker,
 * TabSeparated elsewhere) and `unparsed_lines`. Apart from the store's client (mail-rows.ts), so the
 * parse worker loads neither the client nor the metrics.
 */

/** `mail_auth_events` as the parse worker writes it, in Native columns. */
export const EVENT_LAYOUT = [
  { name: "ts", kind: "datetime64-ms" },
  { name: "host", kind: "repeated-string" },
  { name: "service", kind: "repeated-string" },
  { name: "user", kind: "string" },
  { name: "user_raw", kind: "string" },
  { name: "ip", kind: "string" },
  { name: "success", kind: "bool" },
  { name: "format", kind: "repeated-string" },
  { name: "reason", kind: "repeated-string" },
  { name: "source_id", kind: "repeated-string" },
  { name: "offset", kind: "uint64" },
] as const;
export const EVENT_COLUMNS = EVENT_LAYOUT.map((column) => column.name);
export const UNPARSED_COLUMNS = [
  "source_id",
  "offset",
  "path",
  "kind",
  "format",
  "reason",
  "line",
  "line_bytes",
  "ingested_at",
];
const UNPARSED_KEEP_BYTES = 64 * 1024;

/** Hot path: one event as a TabSeparated row. Times go in as epoch milliseconds, which DateTime64(3) reads as such. */
export function encodeEventRow(event: ParsedMailAuth, sourceId: string, offset: number): string {
  return `${datetime64Text(event.ts)}\t${escapeTsv(event.host)}\t${escapeTsv(event.service)}\t${escapeTsv(event.user)}\t${escapeTsv(
    event.user_raw,
  )}\t${escapeTsv(event.ip)}\t${event.success ? 1 : 0}\t${event.format}\t${escapeTsv(event.reason)}\t${sourceId}\t${offset}`;
}

export function encodeUnparsedRow(
  line: Buffer,
  offset: number,
  reason: string,
  source: { sourceId: string; path: string },
  format = "",
  kind = "mail",
): string {
  const kept = line.subarray(0, UNPARSED_KEEP_BYTES).toString("utf8");
  return [
    source.sourceId,
    String(offset),
    escapeTsv(source.path),
    kind,
    escapeTsv(format),
    escapeTsv(reason),
    escapeTsv(kept),
    String(line.length),
    String(Date.now()),
  ].join("\t");
}
