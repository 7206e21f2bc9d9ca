import { z } from "zod";
import { MONTH_INDEX } from "../month-names.js";

/**
 * Apache error log lines, 2.4 and 2.2:
 *   [Wed Oct 11 14:32:52.123456 2000] [proxy:error] [pid 1234:tid 5678] (111)Connection refused: AH00957: ... [client 1.2.3.4:5678] message
 *   [Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] message
 * with the outbound peer a message names (mod_proxy's "connect to HOST:PORT",
 * a PHP warning's URL), which the outbound processor reads as evidence.
 */
export const WebErrorSchema = z
  .object({
    ts: z.number().int(),
    module: z.string().describe("proxy, php7, core, ... (empty in 2.2 lines)"),
    level: z.string().describe("error, warn, notice, ..."),
    pid: z.number().int().describe("-1 when not logged"),
    client: z.string(),
    message: z.string().describe("at most 2,048 characters"),
    peer: z
      .string()
      .describe("host or address (with :port when logged) the message says the server connected to, or empty"),
  })
  .strict();
export type WebError = z.infer<typeof WebErrorSchema>;

const HEAD =
  /^\[(?:[A-Z][a-z]{2}) ([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? (\d{4})\] \[(?:([\w-]+):)?(\w+)\]/;

export function parseApacheError(line: string, timezoneOffsetMinutes = 0): WebError | { unparsed: string } | null {
  const head = HEAD.exec(line);
  if (head === null) return line.startsWith("[") ? { unparsed: "not an Apache error log line" } : null;
  const month = MONTH_INDEX[head[1] as string];
  if (month === undefined) return { unparsed: `unknown month ${head[1]}` };
  const millis = head[6] === undefined ? 0 : Math.floor(Number(`0.${head[6]}`) * 1000);
  const ts =
    Date.UTC(Number(head[7]), month, Number(head[2]), Number(head[3]), Number(head[4]), Number(head[5]), millis) -
    timezoneOffsetMinutes * 60_000;
  let rest = line.slice(head[0].length);
  let pid = -1;
  let client = "";
  for (;;) {
    const tag = /^ \[(pid|client|remote) ([^\]]*)\]/.exec(rest);
    if (tag === null) break;
    if (tag[1] === "pid") pid = Number.parseInt(tag[2] as string, 10);
    else client = (tag[2] as string).replace(/:\d+$/, "");
    rest = rest.slice(tag[0].length);
  }
  // 2.4 modules often put the client after the message.
  const trailing = /\s*\[client ([^\]]*)\]/.exec(rest);
  if (trailing !== null) {
    if (client === "") client = (trailing[1] as string).replace(/:\d+$/, "");
    rest = rest.slice(0, trailing.index) + rest.slice(trailing.index + trailing[0].length);
  }
  const message = rest.trim().slice(0, 2048);
  return { ts, module: head[8] ?? "", level: head[9] as string, pid, client, message, peer: peerOf(message) };
}

/** The outbound peer a message names: mod_proxy's target, a URL a PHP function failed to open, a cURL host. */
export function peerOf(message: string): string {
  const proxy =
    /(?:attempt to connect to|connect to remote machine|connection refused by|failed to make connection to backend: ?)\s*([\w.:[\]-]+?:\d+)/i.exec(
      message,
    );
  if (proxy !== null) return (proxy[1] as string).toLowerCase();
  const url = /\b(?:https?):\/\/([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::(\d+))?/.exec(message);
  if (url !== null && /(failed|timed out|timeout|refused|unable|could not|error)/i.test(message)) {
    return `${(url[1] as string).toLowerCase()}${url[2] === undefined ? "" : `:${url[2]}`}`;
  }
  return "";
}
