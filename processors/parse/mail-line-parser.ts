import { ConfigError } from "../../runtime/errors.js";
import type { FieldMap } from "../../schemas/config.js";
import type { ParsedMailAuth } from "../../schemas/mail-auth-event.js";
import type { FieldMapScanner } from "../parse-worker/field-map-scanner.js";
import { canonicalIp } from "./canonical-ip.js";
import type { MailParserDefinition } from "./define-mail-parser.js";
import { type HeaderClock, headerClock } from "./envelope/header-clock.js";
import { type Envelope, parseEnvelope } from "./envelope/syslog-envelope.js";
import { zoneConverter } from "./envelope/zone-offset.js";
import { BUILT_IN_FIELD_MAPS, type FieldMapParser, fieldMapParser } from "./field-map.js";
import { fieldCount, wordsOf } from "./field-spans.js";
import { normalizeUser } from "./normalize-user.js";

/** What every event of one field map shares. */
export type FieldMapConstants = { service: string; success: boolean; format: string; reason: string };

import { MAIL_PARSERS } from "./registry.js";

export type MailParseResult =
  | { kind: "event"; event: ParsedMailAuth }
  | { kind: "skipped" }
  | { kind: "unparsed"; reason: string };

export type MailChunkSink = {
  /**
   * A parsed event. For field-map lines, also where its raw user and address fields are in `data`
   * (`spans`: user start, user end, address start, address end; read it before returning, it is reused):
   * the same raw bytes always give the same user and address.
   */
  event(event: ParsedMailAuth, offset: number, data?: Buffer, spans?: readonly number[]): void;
  /**
   * Optional fast path for field-map lines, offered before any string is made: the event whose raw user
   * and address fields are at `spans` of `data`, with its envelope's time and host and the field map's
   * constants. Returns true when the sink took it from the raw bytes alone (a spelling it met before);
   * false asks for the parsed event (`event` follows, or `unparsed` when the fields do not parse).
   */
  rawEvent?(
    data: Buffer,
    spans: readonly number[],
    ts: number,
    host: string,
    offset: number,
    constants: FieldMapConstants,
  ): boolean;
  /**
   * Optional, with `rawEvent`: the parse worker's scan kernel, which reads a field-map chunk's lines in
   * WebAssembly and stops at the lines it leaves to this parser; it shares the sink's raw-bytes table.
   */
  fieldMapScanner?: FieldMapScanner;
  /**
   * With `fieldMapScanner`: the lines the scanner emitted (chunk offsets and table entries) from index
   * `from` to `to` (exclusive), every one with the current envelope's time and host. Returns how many it took, in order; it stops
   * at a line it cannot take from the raw bytes alone, which the parser then reads itself.
   */
  rawEvents?(
    lineStarts: Uint32Array,
    entries: Int32Array,
    from: number,
    to: number,
    startOffset: number,
    ts: number,
    host: string,
    constants: FieldMapConstants,
  ): number;
  unparsed(line: Buffer, offset: number, reason: string): void;
  /** Called once per chunk with the lines that are not authentication events. */
  skipped(count: number): void;
};

export type MailLineParser = {
  parseLine(line: string): MailParseResult;
  /** Hot path: every complete line of `data` (each ends with "\n"), the first at byte `startOffset` of its source. */
  parseChunk(data: Buffer, startOffset: number, sink: MailChunkSink): void;
};

export type MailLineParserOptions = {
  /** `auto`, a parser id, `awk-login`, or a name from `fieldMaps`. */
  format: string;
  fieldMaps: Readonly<Record<string, FieldMap>>;
  timezone: string;
  /** For RFC 3164 year inference: the file's modification time, or now when tailing. */
  referenceTime: number;
  /** Host for lines whose envelope names none. */
  defaultHost?: string;
};

/** Lines longer than this are never matched by a regular expression. */
export const MAX_LINE_BYTES = 64 * 1024;
const SKIPPED: MailParseResult = { kind: "skipped" };

export function createMailLineParser(options: MailLineParserOptions): MailLineParser {
  const formats = resolveFormats(options);
  const fieldMap = formats.length === 1 && "fieldSpans" in (formats[0] ?? {}) ? (formats[0] as FieldMapParser) : null;
  const wholeLine = fieldMap !== null;
  const needles = [...new Set(formats.flatMap((format) => format.needles))];
  const needleBuffers = needles.map((needle) => Buffer.from(needle));
  const context = { toUtc: zoneConverter(options.timezone), referenceTime: options.referenceTime };
  const defaultHost = options.defaultHost ?? "";

  const parseLine = (line: string): MailParseResult => {
    if (line.length > MAX_LINE_BYTES) {
      return needles.some((needle) => line.includes(needle)) ? { kind: "unparsed", reason: "line too long" } : SKIPPED;
    }
    const candidates =
      formats.length === 1
        ? formats[0]?.needles.some((needle) => line.includes(needle))
          ? formats
          : []
        : formats.filter((format) => format.needles.some((needle) => line.includes(needle)));
    if (candidates.length === 0) return SKIPPED;
    const envelope = parseEnvelope(line, context);
    if (envelope === null) return { kind: "unparsed", reason: "no syslog timestamp and host recognised" };
    const message = wholeLine ? line : line.slice(envelope.messageStart);
    let unparsed: string | null = null;
    for (const format of candidates) {
      const outcome = format.parse(message, envelope);
      if (outcome === null) continue;
      if ("unparsed" in outcome) {
        unparsed ??= outcome.unparsed;
        continue;
      }
      const ip = canonicalIp(outcome.ip);
      if (ip === null) return { kind: "unparsed", reason: `${format.id}: not an address: ${outcome.ip.slice(0, 64)}` };
      return {
        kind: "event",
        event: {
          ts: envelope.ts,
          host: envelope.host === "" ? defaultHost : envelope.host,
          service: outcome.service,
          user: normalizeUser(outcome.user),
          user_raw: outcome.user,
          ip,
          success: outcome.success,
          format: format.id,
          reason: outcome.reason,
        },
      };
    }
    return unparsed === null ? SKIPPED : { kind: "unparsed", reason: unparsed };
  };

  /**
   * The lines the scan kernel takes from `lineStart` on, handed to the sink in runs of one second, and the
   * lines of its output the sink could not take read in TypeScript; returns where the kernel stopped (the
   * lines it skipped stay in `scanner.skipped` until its next scan). A function of its own: V8 compiles it
   * apart from the line loop.
   */
  const takeKernelLines = (
    data: Buffer,
    startOffset: number,
    sink: MailChunkSink,
    scanner: FieldMapScanner,
    fieldMap: FieldMapParser,
    words: Uint32Array | null,
    lineStart: number,
  ): number => {
    // The kernel reads the lines it can; this loop reads the line it stopped at.
    const stop = scanner.scan(lineStart, data.length);
    const emitted = scanner.emitted;
    // The emitted lines are under the header set before the scan, or another second of its minute.
    const envelope = lastEnvelope;
    const clock = lastClock;
    const host = envelope === null || envelope.host === "" ? defaultHost : envelope.host;
    const fields = constants as FieldMapConstants;
    let index = 0;
    while (envelope !== null && index < emitted) {
      const { lineStarts, entries, seconds } = scanner.emittedLines();
      // A run of lines of one second (of the whole output without a clock), at that second's time.
      let runEnd = emitted;
      let ts = envelope.ts;
      if (clock !== null) {
        const second = seconds[index] as number;
        runEnd = index + 1;
        while (runEnd < emitted && seconds[runEnd] === second) runEnd++;
        ts = clock.base + second * 1000;
      }
      index += sink.rawEvents?.(lineStarts, entries, index, runEnd, startOffset, ts, host, fields) ?? 0;
      if (index === runEnd) continue;
      // Read in TypeScript (it may grow the module's memory: the views are taken again above).
      const at = lineStarts[index] as number;
      readFieldMapLine(fieldMap, data, words, at, data.indexOf(10, at), startOffset, sink, scanner);
      index += 1;
    }
    return stop;
  };

  const parseChunk = (data: Buffer, startOffset: number, sink: MailChunkSink): void => {
    // Where each needle next occurs: one forward scan per needle over the chunk. (The offset is given:
    // Node's search coerces a missing one to NaN, which threw its compiled code away once per run.)
    const next = needleBuffers.map((needle) => data.indexOf(needle, 0));
    const words = fieldMap === null ? null : wordsOf(data);
    const scanner =
      fieldMap !== null &&
      sink.fieldMapScanner?.load(data, fieldMap.map.pattern, fieldMap.map.user, fieldMap.map.ip) === true
        ? sink.fieldMapScanner
        : undefined;
    sink.skipped(parseLines(data, startOffset, sink, next, words, scanner));
  };

  /**
   * The chunk's lines, one after the other; returns how many were skipped. A function of its own: V8
   * optimises its loop in the middle of a chunk, and code after the loop that had not run then made it
   * throw that code away at the end of every chunk.
   */
  const parseLines = (
    data: Buffer,
    startOffset: number,
    sink: MailChunkSink,
    next: number[],
    words: Uint32Array | null,
    scanner: FieldMapScanner | undefined,
  ): number => {
    let skipped = 0;
    let lineStart = 0;
    while (lineStart < data.length) {
      if (scanner !== undefined && fieldMap !== null) {
        lineStart = takeKernelLines(data, startOffset, sink, scanner, fieldMap, words, lineStart);
        skipped += scanner.skipped;
        if (lineStart >= data.length) break;
      }
      let lineEnd = data.indexOf(10, lineStart);
      if (lineEnd < 0) lineEnd = data.length;
      let candidate = false;
      for (let index = 0; index < next.length; index++) {
        let at = next[index] ?? -1;
        if (at >= 0 && at < lineStart) {
          at = data.indexOf(needleBuffers[index] as Buffer, lineStart);
          next[index] = at;
        }
        if (at >= 0 && at < lineEnd) candidate = true;
      }
      if (!candidate) skipped += 1;
      else if (lineEnd - lineStart > MAX_LINE_BYTES) {
        sink.unparsed(data.subarray(lineStart, lineEnd), startOffset + lineStart, "line too long");
      } else if (fieldMap !== null) {
        readFieldMapLine(fieldMap, data, words, lineStart, lineEnd, startOffset, sink, scanner);
      } else {
        const result = parseLine(data.toString("utf8", lineStart, lineEnd));
        if (result.kind === "event") sink.event(result.event, startOffset + lineStart);
        else if (result.kind === "unparsed")
          sink.unparsed(data.subarray(lineStart, lineEnd), startOffset + lineStart, result.reason);
        else skipped += 1;
      }
      lineStart = lineEnd + 1;
    }
    return skipped;
  };

  /** A field-map line (it holds the pattern and is not too long), read in TypeScript; the scanner learns its header. */
  const readFieldMapLine = (
    parser: FieldMapParser,
    data: Buffer,
    words: Uint32Array | null,
    lineStart: number,
    lineEnd: number,
    startOffset: number,
    sink: MailChunkSink,
    scanner: FieldMapScanner | undefined,
  ): void => {
    headerLineStart = -1;
    const reason = parseFieldMapLine(parser, data, words, lineStart, lineEnd, startOffset + lineStart, sink);
    if (reason !== null) sink.unparsed(data.subarray(lineStart, lineEnd), startOffset + lineStart, reason);
    if (scanner !== undefined && headerLineStart === lineStart) {
      // The clock of a header parsed just now is found once (two more envelope parses, once a minute).
      if (clockEnvelope !== lastEnvelope && lastEnvelope !== null) {
        clockEnvelope = lastEnvelope;
        const prefix = data.toString("latin1", lineStart, Math.min(lineEnd, lineStart + ENVELOPE_PREFIX_BYTES));
        lastClock = headerClock(prefix, lastHeader.length, lastEnvelope, context);
      }
      scanner.setHeader(lineStart, lastHeader.length, lastHeaderFields, lastClock?.secondsAt ?? -1);
    }
  };

  /**
   * A field-map line straight from bytes, handed to the sink: only the
   * envelope's prefix and the two fields are decoded (into flat strings, which
   * make faster map keys than slices of a decoded line), and not even those
   * when the sink knows the raw fields. Returns null, or why the line is unparsed.
   */
  let lastHeader = Buffer.alloc(0);
  let lastHeaderFields = 0;
  let lastEnvelope: Envelope | null = null;
  /** The clock of `lastEnvelope`'s header (found for the scan kernel), and the envelope it was found for. */
  let lastClock: HeaderClock | null = null;
  let clockEnvelope: Envelope | null = null;
  /** The start of the last line whose header is `lastHeader` (it was parsed or reused for that line). */
  let headerLineStart = -1;
  const constants: FieldMapConstants | null =
    fieldMap === null
      ? null
      : {
          service: fieldMap.map.service,
          success: fieldMap.map.success,
          format: fieldMap.id,
          reason: fieldMap.map.success ? "" : "login failed",
        };
  const parseFieldMapLine = (
    parser: FieldMapParser,
    data: Buffer,
    words: Uint32Array | null,
    start: number,
    end: number,
    offset: number,
    sink: MailChunkSink,
  ): string | null => {
    // Consecutive lines mostly share their second and host: reuse the envelope when the header bytes are the same.
    let envelope = lastEnvelope;
    const headerLength = lastHeader.length;
    if (
      envelope === null ||
      end - start <= headerLength ||
      data[start + headerLength] !== 32 ||
      !sameBytes(data, start, lastHeader, headerLength)
    ) {
      const clock = clockEnvelope === envelope ? lastClock : null;
      if (envelope !== null && clock !== null && otherSecond(data, start, end, lastHeader, clock.secondsAt)) {
        // Another second of the header's minute (its clock was checked): its time without a parse.
        lastHeader[clock.secondsAt] = data[start + clock.secondsAt] as number;
        lastHeader[clock.secondsAt + 1] = data[start + clock.secondsAt + 1] as number;
        const second =
          ((lastHeader[clock.secondsAt] as number) - 48) * 10 + (lastHeader[clock.secondsAt + 1] as number) - 48;
        envelope = { ...envelope, ts: clock.base + second * 1000 };
        lastEnvelope = envelope;
        clockEnvelope = envelope;
      } else {
        envelope = parseEnvelope(data.toString("latin1", start, Math.min(end, start + ENVELOPE_PREFIX_BYTES)), context);
        if (envelope === null) return "no syslog timestamp and host recognised";
        lastEnvelope = envelope;
        lastHeader = Buffer.from(data.subarray(start, start + envelope.headerEnd));
        lastHeaderFields = fieldCount(lastHeader, 0, lastHeader.length);
      }
    }
    headerLineStart = start;
    // The header's fields are known: the scan starts after them when a blank follows the header.
    const afterHeader = start + lastHeader.length;
    const blankAfterHeader = afterHeader < end && (data[afterHeader] === 32 || data[afterHeader] === 9);
    const spans = parser.fieldSpans(
      data,
      words,
      start,
      end,
      blankAfterHeader ? afterHeader : start,
      blankAfterHeader ? lastHeaderFields : 0,
    );
    if (spans === null) return `fewer than ${Math.max(parser.map.user, parser.map.ip)} fields`;
    const host = envelope.host === "" ? defaultHost : envelope.host;
    const fields = constants as FieldMapConstants;
    if (sink.rawEvent?.(data, spans, envelope.ts, host, offset, fields) === true) return null;
    const rawIp = data.toString("latin1", spans[2], spans[3]);
    const ip = canonicalIp(rawIp);
    if (ip === null) return `${parser.id}: not an address: ${rawIp.slice(0, 64)}`;
    const user = data.toString("utf8", spans[0], spans[1]);
    sink.event(
      {
        ts: envelope.ts,
        host,
        service: fields.service,
        user: normalizeUser(user),
        user_raw: user,
        ip,
        success: fields.success,
        format: fields.format,
        reason: fields.reason,
      },
      offset,
      data,
      spans,
    );
    return null;
  };

  return { parseLine, parseChunk };
}

/**
 * True when the line at `start` has `header` but for the two seconds digits at `secondsAt`, which are
 * 00 to 59 (the scan kernel's test for another second of the header's minute), followed by a blank.
 */
function otherSecond(data: Buffer, start: number, end: number, header: Buffer, secondsAt: number): boolean {
  const length = header.length;
  if (end - start <= length || data[start + length] !== 32) return false;
  const tens = data[start + secondsAt] as number;
  const units = data[start + secondsAt + 1] as number;
  if (tens < 48 || tens > 53 || units < 48 || units > 57) return false;
  for (let index = 0; index < length; index++)
    if (index !== secondsAt && index !== secondsAt + 1 && data[start + index] !== header[index]) return false;
  return true;
}

/** True when `data` holds `header[0, length)` at `start` (a loop: cheaper than a native compare for a short header). */
function sameBytes(data: Buffer, start: number, header: Buffer, length: number): boolean {
  for (let index = length - 1; index >= 0; index--) if (data[start + index] !== header[index]) return false;
  return true;
}

/** The envelope (time, host, tag) is read from this many bytes at most on the field-map hot path. */
const ENVELOPE_PREFIX_BYTES = 160;

function resolveFormats(options: MailLineParserOptions): MailParserDefinition[] {
  if (options.format === "auto") return [...MAIL_PARSERS];
  const known = MAIL_PARSERS.find((parser) => parser.id === options.format);
  if (known !== undefined) return [known];
  const map = options.fieldMaps[options.format] ?? BUILT_IN_FIELD_MAPS[options.format];
  if (map !== undefined) return [fieldMapParser(options.format, map)];
  const allowed = [
    "auto",
    ...MAIL_PARSERS.map((parser) => parser.id),
    ...Object.keys(BUILT_IN_FIELD_MAPS),
    ...Object.keys(options.fieldMaps),
  ];
  throw new ConfigError("format", `"${options.format}" is not a known log format`, `use one of: ${allowed.join(", ")}`);
}
