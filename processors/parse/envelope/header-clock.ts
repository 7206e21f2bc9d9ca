import { type Envelope, type EnvelopeContext, parseEnvelope } from "./syslog-envelope.js";

/**
 * The clock in a syslog header: where its seconds digits are, and the time of second 00 of its minute.
 * The parse worker's scan kernel takes the lines of a header's minute without a parse: a line whose
 * header differs only in those two digits (00 to 59) is at `base + seconds * 1000`.
 */
export type HeaderClock = { secondsAt: number; base: number };

/**
 * The clock of the header `prefix[0, headerLength)` (the line's first bytes, as they were parsed into
 * `envelope`), or null. It is the first `HH:MM:SS` in the header, and only when the envelope parser
 * itself reads seconds 00 and 59 of that minute as one host and header exactly 59 s apart, with the
 * line's own second in between: no zone change and no year boundary (RFC 3164's inferred year) inside
 * the minute, and no other part of the time (a fraction, a zone offset) that the seconds would move.
 */
export function headerClock(
  prefix: string,
  headerLength: number,
  envelope: Envelope,
  context: EnvelopeContext,
): HeaderClock | null {
  let secondsAt = -1;
  for (let index = 0; index + 8 <= headerLength; index++) {
    if (isClock(prefix, index)) {
      secondsAt = index + 6;
      break;
    }
  }
  if (secondsAt < 0) return null;
  const second = Number(prefix.slice(secondsAt, secondsAt + 2));
  if (second > 59) return null;
  const withSecond = (digits: string) =>
    parseEnvelope(`${prefix.slice(0, secondsAt)}${digits}${prefix.slice(secondsAt + 2)}`, context);
  const first = withSecond("00");
  const last = withSecond("59");
  for (const other of [first, last]) {
    if (other === null || other.host !== envelope.host || other.headerEnd !== envelope.headerEnd) return null;
  }
  if (first === null || last === null) return null;
  if (last.ts - first.ts !== 59_000 || envelope.ts - first.ts !== second * 1000) return null;
  return { secondsAt, base: first.ts };
}

/** `dd:dd:dd` at `index`. */
function isClock(text: string, index: number): boolean {
  for (let offset = 0; offset < 8; offset++) {
    const code = text.charCodeAt(index + offset);
    if (offset === 2 || offset === 5 ? code !== 58 : code < 48 || code > 57) return false;
  }
  return true;
}
