const SPECIAL = /[\\\t\n\r\0]/;
const SPECIAL_ALL = /[\\\t\n\r\0]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0" };

/**
 * Escapes a value for ClickHouse's TabSeparated format: backslash, tab,
 * newline, carriage return and NUL. The common case (nothing to escape) costs
 * one regular-expression test and returns the string itself.
 */
export function escapeTsv(value: string): string {
  if (!SPECIAL.test(value)) return value;
  return value.replace(SPECIAL_ALL, (char) => ESCAPES[char] ?? char);
}

const ESCAPED = /\\(.)/g;
const UNESCAPES: Record<string, string> = {
  "\\": "\\",
  t: "\t",
  n: "\n",
  r: "\r",
  "0": "\0",
  "'": "'",
  b: "\b",
  f: "\f",
};

/** The inverse of `escapeTsv` (and of ClickHouse's TabSeparated escaping). */
export function unescapeTsv(value: string): string {
  if (!value.includes("\\")) return value;
  return value.replace(ESCAPED, (_, char: string) => UNESCAPES[char] ?? char);
}

/**
 * A time in epoch milliseconds as TabSeparated text for a DateTime64(3) column. A bare integer is read by
 * its number of digits: 13 (September 2001 to 2286) as milliseconds, the fast common case; any other time
 * (a log line from 1999 or 1970) would be refused and fail its whole batch, so it is written as
 * `YYYY-MM-DD hh:mm:ss.mmm` (UTC), held within the type's range (1900 to 2299).
 */
export function datetime64Text(ms: number): string {
  if (ms >= 1e12 && ms < 1e13 && Number.isInteger(ms)) return String(ms);
  const iso = new Date(Math.min(DATETIME64_LAST, Math.max(DATETIME64_FIRST, Math.round(ms)))).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}
const DATETIME64_FIRST = Date.UTC(1900, 0, 1);
const DATETIME64_LAST = Date.UTC(2299, 11, 31, 23, 59, 59, 999);

/** The inverse of `datetime64Text` (within the type's range). */
export function parseDatetime64Text(text: string): number {
  return /^\d+$/.test(text) ? Number(text) : Date.parse(`${text.replace(" ", "T")}Z`);
}
