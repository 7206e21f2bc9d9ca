import { type AccessParse, compileLogFormat } from "./log-format.js";

/**
 * Apache's own named LogFormats (as Debian's apache2.conf defines them); any
 * other layout is given as its LogFormat string.
 */
export const APACHE_ACCESS_FORMATS: Readonly<Record<string, string>> = {
  common: '%h %l %u %t "%r" %>s %b',
  combined: '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"',
  vhost_combined: '%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"',
};

export type ApacheAccessParser = { format: string; name: string; parse(line: string): AccessParse };

/** A parser for a named format or for a LogFormat string (anything holding a %). */
export function apacheAccessParser(formatOrName: string): ApacheAccessParser {
  const named = APACHE_ACCESS_FORMATS[formatOrName];
  if (named === undefined && !formatOrName.includes("%")) {
    throw new Error(
      `"${formatOrName}" is neither an Apache format name (${Object.keys(APACHE_ACCESS_FORMATS).join(", ")}) nor a LogFormat string`,
    );
  }
  const format = named ?? formatOrName;
  return { format, name: named === undefined ? "custom" : formatOrName, parse: compileLogFormat(format) };
}
