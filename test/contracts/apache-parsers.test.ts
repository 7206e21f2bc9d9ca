import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { APACHE_ACCESS_FORMATS, apacheAccessParser } from "../../processors/parse/apache/access-formats.js";
import { parseApacheError } from "../../processors/parse/apache/error-log.js";

/**
 * Every Apache format carries `<name>.samples.log` (the custom LogFormat one
 * names its format in a `# logformat:` line); each line sits under a
 * `# expect: {...}` header with the fields it must give, `{"unparsed": true}`
 * or `{"match": false}`. Hostile lines (a 100 KB URL, quotes, control bytes,
 * invalid UTF-8) are among them.
 */
const folder = join(import.meta.dirname, "../../processors/parse/apache");
type Sample = { line: string; lineNumber: number; expect: Record<string, unknown> };

function readSamples(name: string): { logFormat: string | null; samples: Sample[] } {
  const lines = readFileSync(join(folder, `${name}.samples.log`))
    .toString("utf8")
    .split("\n");
  const samples: Sample[] = [];
  let logFormat: string | null = null;
  let pending: Record<string, unknown> | null = null;
  lines.forEach((line, index) => {
    if (line.startsWith("# logformat: ")) logFormat = line.slice("# logformat: ".length);
    else if (line.startsWith("# expect: "))
      pending = JSON.parse(line.slice("# expect: ".length)) as Record<string, unknown>;
    else if (line.startsWith("#") || line === "") return;
    else {
      if (pending === null) throw new Error(`${name}.samples.log:${index + 1} has no "# expect:" header`);
      samples.push({ line, lineNumber: index + 1, expect: pending });
      pending = null;
    }
  });
  return { logFormat, samples };
}

const ACCESS = [...Object.keys(APACHE_ACCESS_FORMATS), "custom"];

test("every samples file belongs to a format and every format has one", () => {
  const files = readdirSync(folder)
    .filter((file) => file.endsWith(".samples.log"))
    .map((file) => file.replace(".samples.log", ""));
  expect(files.sort()).toEqual([...ACCESS, "error"].sort());
});

describe.each(ACCESS)("Apache access log: %s samples", (name) => {
  const { logFormat, samples } = readSamples(name);
  const parser = apacheAccessParser(name === "custom" ? (logFormat as string) : name);
  test.each(samples.map((sample) => [sample.lineNumber, sample] as const))("line %i", (_, sample) => {
    const result = parser.parse(sample.line);
    if (sample.expect.unparsed === true) {
      expect("unparsed" in result, JSON.stringify(result)).toBe(true);
      return;
    }
    if (!("fields" in result)) throw new Error(`line ${sample.lineNumber} did not parse: ${result.unparsed}`);
    const { fields } = result;
    const actual: Record<string, unknown> = {
      ts: new Date(fields.ts).toISOString(),
      client: fields.client,
      method: fields.method,
      path: fields.path,
      path_length: fields.path.length,
      status: fields.status,
      bytes: fields.bytes,
      duration_us: fields.durationUs,
      vhost: fields.vhost,
      port: fields.port,
    };
    for (const [key, value] of Object.entries(sample.expect)) expect(actual[key], key).toEqual(value);
  });
});

describe("Apache error log samples", () => {
  const { samples } = readSamples("error");
  test.each(samples.map((sample) => [sample.lineNumber, sample] as const))("line %i", (_, sample) => {
    const result = parseApacheError(sample.line);
    if (sample.expect.match === false) return expect(result).toBeNull();
    if (sample.expect.unparsed === true) return expect(result).toHaveProperty("unparsed");
    if (result === null || "unparsed" in result) throw new Error(`line ${sample.lineNumber} did not parse`);
    const actual: Record<string, unknown> = { ...result, ts: new Date(result.ts).toISOString() };
    for (const [key, value] of Object.entries(sample.expect)) expect(actual[key], key).toEqual(value);
  });
});
