const SPECIAL = /[\\\t\n\r\0]/;

/**
 * Escapes a value for ClickHouse's TabSeparated format: backslash, tab,
 * newline, carriage return and NUL. The common case (nothing to escape) costs
 * one regular-expression test and returns the string itself.
 */
export function escapeTsv(value: string): string {
  if (!SPECIAL.test(value)) return value;
  let out = "";
  for (let index = 0; index < value.length; index++) {
    const char = value[index];
    switch (char) {
      case "\\":
        out += "\\\\";
        break;
      case "\t":
        out += "\\t";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\0":
        out += "\\0";
        break;
      default:
        out += char;
    }
  }
  return out;
}
