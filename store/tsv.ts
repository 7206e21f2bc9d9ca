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
