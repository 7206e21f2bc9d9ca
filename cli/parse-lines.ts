import { createInterface } from "node:readline";
import { createMailLineParser } from "../processors/parse/mail-line-parser.js";
import type { VigilConfig } from "../schemas/config.js";
import type { ParseOutput } from "../schemas/mail-auth-event.js";

/**
 * `vigil parse`: one JSON object per input line, the parsed event or
 * `{"unparsed": true, "line": ..., "reason": ...}` (lines that are not
 * authentication events too, with the reason "not an authentication event").
 */
export async function parseLines(options: {
  format: string;
  config: VigilConfig;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}): Promise<{ lines: number; events: number; unparsed: number }> {
  const parser = createMailLineParser({
    format: options.format,
    fieldMaps: options.config.fieldMaps,
    timezone: options.config.timezone,
    referenceTime: Date.now(),
  });
  const counts = { lines: 0, events: 0, unparsed: 0 };
  const reader = createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of reader) {
    counts.lines += 1;
    const result = parser.parseLine(line);
    let output: ParseOutput;
    if (result.kind === "event") {
      counts.events += 1;
      const { ts, ...fields } = result.event;
      output = { ts: new Date(ts).toISOString(), ...fields };
    } else {
      counts.unparsed += 1;
      output = {
        unparsed: true,
        line,
        reason: result.kind === "unparsed" ? result.reason : "not an authentication event",
      };
    }
    if (!options.output.write(`${JSON.stringify(output)}\n`)) {
      await new Promise((resolve) => options.output.once("drain", resolve));
    }
  }
  return counts;
}
