import { createInterface } from "node:readline";
import { apacheAccessParser } from "../processors/parse/apache/access-formats.js";
import { parseApacheError } from "../processors/parse/apache/error-log.js";

/**
 * `vigil parse --kind apache` (access logs, --format common|combined|vhost_combined
 * or a LogFormat string) and `--kind apache-error`: one JSON object per input
 * line, the parsed request or error (ts as ISO-8601), or
 * `{"unparsed": true, "line": ..., "reason": ...}`.
 */
export async function parseApacheLines(options: {
  kind: "apache" | "apache-error";
  format: string;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}): Promise<{ lines: number; events: number; unparsed: number }> {
  const access =
    options.kind === "apache" ? apacheAccessParser(options.format === "auto" ? "combined" : options.format) : null;
  const counts = { lines: 0, events: 0, unparsed: 0 };
  const reader = createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of reader) {
    counts.lines += 1;
    let output: Record<string, unknown>;
    if (access !== null) {
      const result = access.parse(line);
      if ("fields" in result) {
        const { ts, durationUs, ...fields } = result.fields;
        output = { ts: new Date(ts).toISOString(), ...fields, duration_us: durationUs, format: access.name };
      } else output = { unparsed: true, line, reason: result.unparsed };
    } else {
      const result = parseApacheError(line);
      if (result !== null && !("unparsed" in result)) output = { ...result, ts: new Date(result.ts).toISOString() };
      else
        output = { unparsed: true, line, reason: result === null ? "not an Apache error log line" : result.unparsed };
    }
    if ("unparsed" in output) counts.unparsed += 1;
    else counts.events += 1;
    if (!options.output.write(`${JSON.stringify(output)}\n`)) {
      await new Promise((resolve) => options.output.once("drain", resolve));
    }
  }
  return counts;
}
