import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { BUILT_IN_FIELD_MAPS } from "../../processors/parse/field-map.js";
import { createMailLineParser, type MailParseResult } from "../../processors/parse/mail-line-parser.js";
import { MAIL_PARSERS } from "../../processors/parse/registry.js";
import type { ParsedMailAuth } from "../../schemas/mail-auth-event.js";

/**
 * fail2ban style: every format has `<id>.samples.log` beside it, every line in
 * it sits under a `# expect: {...}` header, and the parser must produce
 * exactly those fields (`{"match": false}`: no event; `{"unparsed": true}`:
 * kept as unparsed). parseLine and the hot-path parseChunk must agree, and
 * `auto` must read a format's lines as the format itself does.
 */
const folder = join(import.meta.dirname, "../../processors/parse/mail");
const REFERENCE_TIME = Date.UTC(2026, 11, 1);
const ids = [...MAIL_PARSERS.map((parser) => parser.id), ...Object.keys(BUILT_IN_FIELD_MAPS)];

type Sample = { line: string; lineNumber: number; expect: Record<string, unknown> };

function readSamples(id: string): Sample[] {
  const lines = readFileSync(join(folder, `${id}.samples.log`), "utf8").split("\n");
  const samples: Sample[] = [];
  let pending: Record<string, unknown> | null = null;
  lines.forEach((line, index) => {
    if (line.startsWith("# expect: ")) {
      pending = JSON.parse(line.slice("# expect: ".length)) as Record<string, unknown>;
    } else if (line.startsWith("#") || line === "") {
      return;
    } else {
      if (pending === null) throw new Error(`${id}.samples.log:${index + 1} has no "# expect:" header`);
      samples.push({ line, lineNumber: index + 1, expect: pending });
      pending = null;
    }
  });
  return samples;
}

function viaChunk(format: string, line: string): MailParseResult {
  const parser = createMailLineParser({
    format,
    fieldMaps: {},
    timezone: "UTC",
    referenceTime: REFERENCE_TIME,
    defaultHost: "mx3",
  });
  const results: MailParseResult[] = [];
  parser.parseChunk(Buffer.from(`${line}\n`), 0, {
    event: (event: ParsedMailAuth) => results.push({ kind: "event", event }),
    unparsed: (_line, _offset, reason) => results.push({ kind: "unparsed", reason }),
    skipped: (count) => {
      for (let index = 0; index < count; index++) results.push({ kind: "skipped" });
    },
  });
  expect(results).toHaveLength(1);
  return results[0] as MailParseResult;
}

describe("every parser is registered and carries its samples", () => {
  test("each parser file is in the registry and has a samples file, and each samples file has a parser", () => {
    const files = readdirSync(folder);
    const parserFiles = files.filter((name) => name.endsWith(".ts")).map((name) => name.replace(/\.ts$/, ""));
    expect(parserFiles.sort()).toEqual(MAIL_PARSERS.map((parser) => parser.id).sort());
    for (const id of ids) expect(existsSync(join(folder, `${id}.samples.log`)), `${id}.samples.log`).toBe(true);
    const sampleFiles = files
      .filter((name) => name.endsWith(".samples.log"))
      .map((name) => name.replace(".samples.log", ""));
    expect(sampleFiles.sort()).toEqual([...ids].sort());
  });
});

describe.each(ids)("%s samples", (id) => {
  const samples = readSamples(id);
  const parser = createMailLineParser({
    format: id,
    fieldMaps: {},
    timezone: "UTC",
    referenceTime: REFERENCE_TIME,
    defaultHost: "mx3",
  });

  test("hold positive, negative and hostile lines", () => {
    expect(samples.filter((sample) => sample.expect.match === false).length).toBeGreaterThan(0);
    expect(
      samples.filter((sample) => sample.expect.match !== false && sample.expect.unparsed !== true).length,
    ).toBeGreaterThan(2);
  });

  test.each(samples.map((sample) => [sample.lineNumber, sample] as const))("line %i", (_lineNumber, sample) => {
    const result = parser.parseLine(sample.line);
    expect(viaChunk(id, sample.line)).toEqual(result);
    if (sample.expect.match === false) {
      expect(result.kind, JSON.stringify(result)).toBe("skipped");
      return;
    }
    if (sample.expect.unparsed === true) {
      expect(result.kind, JSON.stringify(result)).toBe("unparsed");
      return;
    }
    expect(result.kind, JSON.stringify(result)).toBe("event");
    if (result.kind !== "event") return;
    const { ts, ...fields } = sample.expect;
    expect(result.event).toMatchObject({ ...fields, format: id });
    if (ts !== undefined) expect(new Date(result.event.ts).toISOString()).toBe(ts);
    if (MAIL_PARSERS.some((known) => known.id === id)) {
      const auto = createMailLineParser({
        format: "auto",
        fieldMaps: {},
        timezone: "UTC",
        referenceTime: REFERENCE_TIME,
        defaultHost: "mx3",
      });
      expect(auto.parseLine(sample.line)).toEqual(result);
    }
  });
});
