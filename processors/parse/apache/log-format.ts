import { MAX_PATH_CHARS } from "../../../schemas/http-request.js";
import { canonicalIp } from "../canonical-ip.js";
import { MONTH_INDEX } from "../month-names.js";

/**
 * An Apache access log parser built from the `LogFormat` string itself, the
 * one a user pastes from their config: `%h %l %u %t \"%r\" %>s %b \"%{Referer}i\"`.
 * The format is cut into literals and directives; a line is read left to
 * right, each directive's value ending where the next literal begins (inside
 * quotes, at the next quote Apache did not escape). One pass, no regex
 * backtracking: a 100 KB request line costs what its length costs.
 */
export type AccessFields = {
  ts: number;
  vhost: string;
  port: number;
  client: string;
  method: string;
  path: string;
  status: number;
  bytes: number;
  durationUs: number;
};

export type AccessParse = { fields: AccessFields } | { unparsed: string };

type Piece = { literal: string } | { directive: string; argument: string };

/** Directives whose values Vigil uses; any other directive is read and ignored. */
const KNOWN = new Set(["h", "a", "t", "r", "m", "U", "s", ">s", "<s", "b", "B", "O", "D", "T", "v", "V", "p"]);

export function compileLogFormat(format: string): (line: string) => AccessParse {
  const pieces = tokenize(logFormatString(format));
  const directives = pieces.filter((piece): piece is { directive: string; argument: string } => "directive" in piece);
  if (directives.length === 0) throw new Error(`LogFormat ${JSON.stringify(format)} has no % directive`);
  return (line) => parseWith(pieces, line);
}

/**
 * The format string of a whole `LogFormat "..." nickname` (or `CustomLog path "..."`) line
 * pasted from httpd.conf; a bare format string is returned as it is.
 */
export function logFormatString(text: string): string {
  const match = /^\s*(?:LogFormat|CustomLog\s+\S+)\s+"((?:[^"\\]|\\.)*)"/i.exec(text);
  return match === null ? text : (match[1] as string);
}

function tokenize(format: string): Piece[] {
  // A LogFormat line pasted from httpd.conf writes quotes as \": they are plain quotes in the log.
  const text = format.replaceAll('\\"', '"');
  const pieces: Piece[] = [];
  let literal = "";
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (char !== "%") {
      literal += char;
      continue;
    }
    if (text[index + 1] === "%") {
      literal += "%";
      index++;
      continue;
    }
    let cursor = index + 1;
    let argument = "";
    // Modifiers: status conditions (!200,304), < and >.
    while (/[!0-9,]/.test(text[cursor] ?? "")) cursor++;
    let prefix = "";
    while (text[cursor] === "<" || text[cursor] === ">") prefix += text[cursor++];
    if (text[cursor] === "{") {
      const close = text.indexOf("}", cursor);
      if (close < 0) throw new Error(`LogFormat ${JSON.stringify(format)}: unclosed %{ at ${cursor}`);
      argument = text.slice(cursor + 1, close);
      cursor = close + 1;
    }
    const letter = text[cursor];
    if (letter === undefined) throw new Error(`LogFormat ${JSON.stringify(format)} ends inside a directive`);
    if (literal !== "") pieces.push({ literal });
    literal = "";
    pieces.push({ directive: prefix === ">" && letter === "s" ? ">s" : letter, argument });
    index = cursor;
  }
  if (literal !== "") pieces.push({ literal });
  return pieces;
}

function parseWith(pieces: readonly Piece[], line: string): AccessParse {
  const fields: AccessFields = {
    ts: -1,
    vhost: "",
    port: -1,
    client: "",
    method: "",
    path: "",
    status: -1,
    bytes: 0,
    durationUs: -1,
  };
  let position = 0;
  for (let index = 0; index < pieces.length; index++) {
    const piece = pieces[index] as Piece;
    if ("literal" in piece) {
      if (!line.startsWith(piece.literal, position))
        return { unparsed: `expected ${JSON.stringify(piece.literal)} at column ${position + 1}` };
      position += piece.literal.length;
      continue;
    }
    const next = pieces[index + 1];
    const quoted =
      index > 0 &&
      "literal" in (pieces[index - 1] as Piece) &&
      (pieces[index - 1] as { literal: string }).literal.endsWith('"');
    let end: number;
    if (piece.directive === "t" && piece.argument === "" && line[position] === "[") {
      end = line.indexOf("]", position) + 1;
      if (end === 0) return { unparsed: "the time has no closing ]" };
    } else if (next === undefined) {
      end = line.length;
    } else if (quoted && (next as { literal: string }).literal.startsWith('"')) {
      end = closingQuote(line, position);
      if (end < 0) return { unparsed: "a quoted field has no closing quote" };
    } else {
      end = line.indexOf((next as { literal: string }).literal, position);
      if (end < 0)
        return {
          unparsed: `expected ${JSON.stringify((next as { literal: string }).literal)} after column ${position + 1}`,
        };
    }
    const value = line.slice(position, end);
    position = end;
    if (KNOWN.has(piece.directive)) {
      const problem = assign(fields, piece.directive, piece.argument, value);
      if (problem !== null) return { unparsed: problem };
    }
  }
  if (position !== line.length) return { unparsed: `unexpected text after column ${position + 1}` };
  if (fields.ts < 0) return { unparsed: "no request time (%t)" };
  return { fields };
}

/** The index of the next quote that Apache did not escape (it writes " inside values as \"). */
function closingQuote(line: string, from: number): number {
  for (let index = from; index < line.length; index++) {
    const char = line.charCodeAt(index);
    if (char === 92 /* \ */) index++;
    else if (char === 34 /* " */) return index;
  }
  return -1;
}

function assign(fields: AccessFields, directive: string, argument: string, value: string): string | null {
  switch (directive) {
    case "h":
    case "a":
      if (directive === "a" || fields.client === "") fields.client = canonicalIp(value) ?? value;
      return null;
    case "t": {
      const ts = parseApacheTime(value);
      if (ts === null) return `not an Apache time: ${value.slice(0, 40)}`;
      fields.ts = ts;
      return null;
    }
    case "r": {
      const firstSpace = value.indexOf(" ");
      if (firstSpace < 0) {
        fields.method = "";
        fields.path = value.slice(0, MAX_PATH_CHARS);
        return null;
      }
      fields.method = value.slice(0, Math.min(firstSpace, 32));
      const lastSpace = value.lastIndexOf(" ");
      const target = lastSpace > firstSpace ? value.slice(firstSpace + 1, lastSpace) : value.slice(firstSpace + 1);
      setPath(fields, target);
      return null;
    }
    case "m":
      fields.method = value.slice(0, 32);
      return null;
    case "U":
      setPath(fields, value);
      return null;
    case "s":
    case ">s":
    case "<s": {
      if (directive === "<s" && fields.status >= 0) return null;
      const status = Number(value);
      if (!Number.isInteger(status)) return `not a status: ${value.slice(0, 20)}`;
      fields.status = status;
      return null;
    }
    case "b":
    case "B":
    case "O":
      if (value !== "-" && !/^\d+$/.test(value)) return `not a size in bytes: ${value.slice(0, 20)}`;
      fields.bytes = value === "-" ? 0 : Number(value);
      return null;
    case "D": {
      const us = Number(value);
      if (!Number.isFinite(us)) return `not microseconds: ${value.slice(0, 20)}`;
      fields.durationUs = us;
      return null;
    }
    case "T": {
      const amount = Number(value);
      if (!Number.isFinite(amount)) return `not a duration: ${value.slice(0, 20)}`;
      const unit = argument === "ms" ? 1000 : argument === "us" ? 1 : 1_000_000;
      // %D is the finer one: keep it when the format has both.
      if (fields.durationUs < 0 || unit !== 1_000_000) fields.durationUs = Math.round(amount * unit);
      return null;
    }
    case "v":
    case "V":
      if (directive === "v" || fields.vhost === "") fields.vhost = value.toLowerCase();
      return null;
    case "p":
      fields.port = Number(value) || -1;
      return null;
  }
  return null;
}

function setPath(fields: AccessFields, target: string) {
  const query = target.indexOf("?");
  fields.path = (query < 0 ? target : target.slice(0, query)).slice(0, MAX_PATH_CHARS);
}

let cachedMinute = "";
let cachedMinuteMs = 0;

/** `[10/Oct/2000:13:55:36 -0700]` (Apache's %t) to epoch ms; the minute's value is cached (the usual layout costs two digits a line). */
export function parseApacheTime(text: string): number | null {
  // [dd/Mon/yyyy:HH:MM:SS +zzzz]: 28 characters, seconds at 19-20.
  if (text.length === 28 && text.charCodeAt(0) === 91 && text.charCodeAt(18) === 58) {
    const minute = `${text.slice(0, 18)}${text.slice(21)}`;
    const tens = text.charCodeAt(19) - 48;
    const ones = text.charCodeAt(20) - 48;
    if (tens >= 0 && tens <= 5 && ones >= 0 && ones <= 9) {
      if (minute !== cachedMinute) {
        const base = parseApacheTimeSlow(`${text.slice(0, 19)}00${text.slice(21)}`);
        if (base === null) return null;
        cachedMinute = minute;
        cachedMinuteMs = base;
      }
      return cachedMinuteMs + (tens * 10 + ones) * 1000;
    }
  }
  return parseApacheTimeSlow(text);
}

function parseApacheTimeSlow(text: string): number | null {
  const match =
    /^\[?(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? ([+-])(\d{2})(\d{2})\]?$/.exec(text);
  if (match === null) return null;
  const month = MONTH_INDEX[match[2] as string];
  if (month === undefined) return null;
  const offsetMinutes = (match[8] === "-" ? -1 : 1) * (Number(match[9]) * 60 + Number(match[10]));
  const millis = match[7] === undefined ? 0 : Math.floor(Number(`0.${match[7]}`) * 1000);
  return (
    Date.UTC(Number(match[3]), month, Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6]), millis) -
    offsetMinutes * 60_000
  );
}
