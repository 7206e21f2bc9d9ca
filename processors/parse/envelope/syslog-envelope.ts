import { MONTH_INDEX } from "../month-names.js";
/**
 * The envelope of a log line: when, which host, which program. Recognised
 * layouts (chosen by the line's first characters):
 *
 * - RFC 3164: `Nov 25 02:00:01 host prog[pid]: msg` (`Nov  5` too; no year,
 *   no zone: the year is inferred, the zone is the configured one);
 * - RFC 5424: `<34>1 2026-11-25T02:00:01.123Z host app procid msgid [sd] msg`
 *   (also without `<PRI>`, and `-` for nil values);
 * - ISO-8601 high precision, as rsyslog writes it:
 *   `2026-11-25T02:00:01.123456+01:00 host prog[pid]: msg`;
 * - journald short-iso: `2026-11-25T02:00:01+0100 host prog[pid]: msg`;
 * - exim's own log, no host: `2026-11-25 02:00:01 msg` (configured zone).
 *
 * An RFC 3164 line may start with a `<PRI>` too.
 */
export type Envelope = {
  ts: number;
  host: string;
  program: string;
  pid: string;
  /** Index in the line where the message starts. */
  messageStart: number;
  /** Index just after the time and host: lines sharing the text before it share `ts` and `host`. */
  headerEnd: number;
};

export type EnvelopeContext = {
  /** UTC epoch ms of a wall-clock time in the configured zone (given as if it were UTC). */
  toUtc: (wallClockAsUtc: number) => number;
  /** RFC 3164 year inference: the year of this time, minus one if the date would be more than 7 days after it. */
  referenceTime: number;
};

const WEEK = 7 * 86_400_000;
const ALMOST_A_YEAR = 350 * 86_400_000;

export function parseEnvelope(line: string, context: EnvelopeContext): Envelope | null {
  let start = 0;
  if (line.charCodeAt(0) === 60 /* < */) {
    const close = line.indexOf(">");
    if (close < 2 || close > 4) return null;
    start = close + 1;
    if (line.startsWith("1 ", start)) return parseRfc5424(line, start + 2);
  }
  const first = line.charCodeAt(start);
  if (first >= 48 && first <= 57) {
    if (line.startsWith("1 ", start) && line.charCodeAt(start + 2) >= 48) return parseRfc5424(line, start + 2);
    return parseIsoEnvelope(line, start, context);
  }
  return parseRfc3164(line, start, context);
}

function parseRfc3164(line: string, start: number, context: EnvelopeContext): Envelope | null {
  const month = MONTH_INDEX[line.slice(start, start + 3)];
  if (month === undefined || line.charCodeAt(start + 3) !== 32) return null;
  let index = start + 4;
  if (line.charCodeAt(index) === 32) index += 1;
  const day = readInt(line, index, 2);
  if (day.value < 1 || day.value > 31) return null;
  index = day.end;
  if (line.charCodeAt(index) !== 32) return null;
  const time = readClock(line, index + 1);
  if (time === null) return null;
  const ts = inferYear(month, day.value, time.ms, context);
  return readHostAndTag(line, time.end, ts);
}

const yearOf = new Map<number, number>();

function inferYear(month: number, day: number, msOfDay: number, context: EnvelopeContext): number {
  let year = yearOf.get(context.referenceTime);
  if (year === undefined) {
    year = new Date(context.referenceTime).getUTCFullYear();
    if (yearOf.size > 1000) yearOf.clear();
    yearOf.set(context.referenceTime, year);
  }
  let ts = context.toUtc(Date.UTC(year, month, day) + msOfDay);
  if (ts > context.referenceTime + WEEK) ts = context.toUtc(Date.UTC(year - 1, month, day) + msOfDay);
  else if (ts < context.referenceTime - ALMOST_A_YEAR) ts = context.toUtc(Date.UTC(year + 1, month, day) + msOfDay);
  return ts;
}

function parseIsoEnvelope(line: string, start: number, context: EnvelopeContext): Envelope | null {
  const stamp = parseIsoTimestamp(line, start);
  if (stamp === null) return null;
  if (stamp.zoned) return readHostAndTag(line, stamp.end, stamp.ms);
  // A date and time with no zone: exim's own log, in the configured zone, no host.
  if (line.charCodeAt(stamp.end) !== 32) return null;
  return {
    ts: context.toUtc(stamp.ms),
    host: "",
    program: "exim",
    pid: "",
    messageStart: stamp.end + 1,
    headerEnd: stamp.end,
  };
}

function parseRfc5424(line: string, start: number): Envelope | null {
  const stamp = parseIsoTimestamp(line, start);
  if (stamp === null || !stamp.zoned || line.charCodeAt(stamp.end) !== 32) return null;
  const fields: string[] = [];
  let index = stamp.end + 1;
  for (let field = 0; field < 4; field++) {
    const space = line.indexOf(" ", index);
    if (space < 0) return null;
    fields.push(line.slice(index, space));
    index = space + 1;
  }
  // Structured data: `-` or one or more [id k="v" ...] elements (quotes may escape `]`).
  if (line.charCodeAt(index) === 45 /* - */) index += 1;
  else {
    while (line.charCodeAt(index) === 91 /* [ */) {
      let cursor = index + 1;
      while (cursor < line.length && line.charCodeAt(cursor) !== 93) {
        if (line.charCodeAt(cursor) === 34) {
          cursor += 1;
          while (cursor < line.length && line.charCodeAt(cursor) !== 34)
            cursor += line.charCodeAt(cursor) === 92 ? 2 : 1;
        }
        cursor += 1;
      }
      index = cursor + 1;
    }
  }
  if (line.charCodeAt(index) === 32) index += 1;
  const nil = (value: string | undefined) => (value === undefined || value === "-" ? "" : value);
  const headerEnd = stamp.end + 1 + (fields[0]?.length ?? 0);
  return {
    ts: stamp.ms,
    host: nil(fields[0]),
    program: nil(fields[1]),
    pid: nil(fields[2]),
    messageStart: index,
    headerEnd,
  };
}

/** `host prog[pid]: ` after the timestamp (the tag may lack a pid, or be absent: `host msg`). */
function readHostAndTag(line: string, afterTime: number, ts: number): Envelope | null {
  if (line.charCodeAt(afterTime) !== 32) return null;
  const hostStart = afterTime + 1;
  const hostEnd = line.indexOf(" ", hostStart);
  if (hostEnd <= hostStart) return null;
  const host = line.slice(hostStart, hostEnd);
  const tagStart = hostEnd + 1;
  const colon = line.indexOf(": ", tagStart);
  const space = line.indexOf(" ", tagStart);
  if (colon < 0 || (space >= 0 && space < colon) || colon - tagStart > 64) {
    return { ts, host, program: "", pid: "", messageStart: tagStart, headerEnd: hostEnd };
  }
  const tag = line.slice(tagStart, colon);
  const bracket = tag.indexOf("[");
  const program = bracket < 0 ? tag : tag.slice(0, bracket);
  const pid = bracket < 0 ? "" : tag.slice(bracket + 1, tag.endsWith("]") ? -1 : undefined);
  return { ts, host, program, pid, messageStart: colon + 2, headerEnd: hostEnd };
}

/**
 * `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH:MM|±HHMM]`; `ms` is UTC when
 * zoned, else the wall-clock time as if it were UTC.
 */
export function parseIsoTimestamp(line: string, start: number): { ms: number; end: number; zoned: boolean } | null {
  const year = readInt(line, start, 4);
  if (year.end !== start + 4 || line.charCodeAt(start + 4) !== 45) return null;
  const month = readInt(line, start + 5, 2);
  if (month.end !== start + 7 || line.charCodeAt(start + 7) !== 45) return null;
  const day = readInt(line, start + 8, 2);
  if (day.end !== start + 10) return null;
  const separator = line.charCodeAt(start + 10);
  if (separator !== 84 /* T */ && separator !== 32) return null;
  const time = readClock(line, start + 11);
  if (time === null || month.value < 1 || month.value > 12 || day.value < 1 || day.value > 31) return null;
  let ms = Date.UTC(year.value, month.value - 1, day.value) + time.ms;
  let index = time.end;
  const sign = line.charCodeAt(index);
  if (sign === 90 /* Z */) return { ms, end: index + 1, zoned: true };
  if (sign === 43 || sign === 45) {
    const hours = readInt(line, index + 1, 2);
    if (hours.end !== index + 3) return null;
    index = hours.end;
    if (line.charCodeAt(index) === 58) index += 1;
    const minutes = readInt(line, index, 2);
    if (minutes.end !== index + 2) return null;
    const offset = (hours.value * 60 + minutes.value) * 60_000;
    ms += sign === 43 ? -offset : offset;
    return { ms, end: minutes.end, zoned: true };
  }
  return { ms, end: index, zoned: false };
}

/** `HH:MM:SS[.fraction]` -> ms of the day (fraction truncated to ms). */
function readClock(line: string, start: number): { ms: number; end: number } | null {
  const hours = readInt(line, start, 2);
  if (hours.end !== start + 2 || line.charCodeAt(start + 2) !== 58) return null;
  const minutes = readInt(line, start + 3, 2);
  if (minutes.end !== start + 5 || line.charCodeAt(start + 5) !== 58) return null;
  const seconds = readInt(line, start + 6, 2);
  if (seconds.end !== start + 8 || hours.value > 23 || minutes.value > 59 || seconds.value > 60) return null;
  let ms = ((hours.value * 60 + minutes.value) * 60 + seconds.value) * 1000;
  let end = start + 8;
  if (line.charCodeAt(end) === 46 /* . */ || line.charCodeAt(end) === 44 /* , */) {
    const fraction = readInt(line, end + 1, 9);
    const digits = fraction.end - end - 1;
    if (digits === 0) return null;
    ms += Math.floor(fraction.value / 10 ** Math.max(0, digits - 3)) * 10 ** Math.max(0, 3 - digits);
    end = fraction.end;
  }
  return { ms, end };
}

function readInt(line: string, start: number, maxDigits: number): { value: number; end: number } {
  let value = 0;
  let index = start;
  while (index < start + maxDigits) {
    const code = line.charCodeAt(index);
    if (code < 48 || code > 57) break;
    value = value * 10 + code - 48;
    index += 1;
  }
  return { value, end: index };
}
