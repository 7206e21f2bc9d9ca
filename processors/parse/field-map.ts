import type { FieldMap } from "../../schemas/config.js";
import type { MailParserDefinition } from "./define-mail-parser.js";
import type { Envelope } from "./envelope/syslog-envelope.js";
import { byteFieldSpans, type FieldSpans, wordFieldSpans } from "./field-spans.js";

/**
 * The built-in layout of the admins' one-liner
 * `awk '/LOGIN,/ {... i[$12] ... $13}'`: a line containing `LOGIN,` with the
 * user in field 12 and the address in field 13, for example
 * `Nov 25 02:00:01 mx1 vpopmail[2231]: vchkpw-pop3: LOGIN, proto=POP3 auth=PLAIN tls=yes session=s0001 john@example.com 192.0.2.7`.
 */
export const AWK_LOGIN: FieldMap = { pattern: "LOGIN,", user: 12, ip: 13, success: true, service: "pop3" };
export const BUILT_IN_FIELD_MAPS: Readonly<Record<string, FieldMap>> = { "awk-login": AWK_LOGIN };

/**
 * A parser for any layout given by a literal pattern and the whitespace field
 * numbers of user and address, counted exactly as awk's default field
 * splitting counts them: runs of spaces and tabs separate fields, leading
 * blanks are ignored, `$1` is the first field of the WHOLE line (envelope
 * included). The line's time and host come from its syslog envelope.
 */
export type FieldMapParser = MailParserDefinition & {
  wholeLine: true;
  map: FieldMap;
  /**
   * Hot path on bytes: where the user and address fields of the line `data[start, end)` are, or null with
   * too few fields; `words` (from `wordsOf(data)`, when it gives one) reads four bytes at a time. The scan
   * may start at `from`, a blank's position, with `fieldsBefore` fields counted before it (a known header).
   */
  fieldSpans(
    data: Uint8Array,
    words: Uint32Array | null,
    start: number,
    end: number,
    from: number,
    fieldsBefore: number,
  ): FieldSpans | null;
};

export function fieldMapParser(id: string, map: FieldMap): FieldMapParser {
  const last = Math.max(map.user, map.ip);
  const first = Math.min(map.user, map.ip);
  const spans: FieldSpans = [0, 0, 0, 0];
  return {
    map,
    fieldSpans(data, words, start, end, from, fieldsBefore) {
      // Fields before `from` are skipped only when neither wanted field is among them.
      const skip = fieldsBefore < first;
      const scanFrom = skip ? from : start;
      const before = skip ? fieldsBefore : 0;
      return words === null
        ? byteFieldSpans(data, scanFrom, end, map.user, map.ip, spans, before)
        : wordFieldSpans(data, words, scanFrom, end, map.user, map.ip, spans, before);
    },
    id,
    summary: `field map: lines containing ${JSON.stringify(map.pattern)}, user $${map.user}, address $${map.ip}`,
    needles: [map.pattern],
    wholeLine: true,
    parse(line: string, _envelope: Envelope) {
      if (!line.includes(map.pattern)) return null;
      let field = 0;
      let user = "";
      let ip = "";
      let index = 0;
      const length = line.length;
      while (index < length && field < last) {
        let code = line.charCodeAt(index);
        while (code === 32 || code === 9) code = line.charCodeAt(++index);
        if (index >= length) break;
        const start = index;
        while (index < length && code !== 32 && code !== 9) code = line.charCodeAt(++index);
        field += 1;
        if (field === map.user) user = line.slice(start, index);
        if (field === map.ip) ip = line.slice(start, index);
      }
      if (field < last) return { unparsed: `fewer than ${last} fields` };
      return { service: map.service, user, ip, success: map.success, reason: map.success ? "" : "login failed" };
    },
  };
}
