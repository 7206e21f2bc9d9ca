import { PassThrough } from "node:stream";
import { expect, test } from "vitest";
import { parseApacheLines } from "../../../cli/parse-apache-lines.js";

async function run(kind: "apache" | "apache-error", format: string, lines: string[]) {
  const input = new PassThrough();
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on("data", (data: Buffer) => chunks.push(data));
  input.end(lines.join("\n"));
  const counts = await parseApacheLines({ kind, format, input, output });
  const objects = Buffer.concat(chunks)
    .toString()
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { counts, objects };
}

test("vigil parse --kind apache: one JSON object per line, requests and unparsed lines with their reason", async () => {
  const { counts, objects } = await run("apache", '%v %h %l %u %t "%r" %>s %b %D', [
    'shop.example.com 203.0.113.9 - - [25/Nov/2026:10:00:01 +0000] "GET /a?b=c HTTP/1.1" 200 12 2500311',
    "not a request",
  ]);
  expect(counts).toEqual({ lines: 2, events: 1, unparsed: 1 });
  expect(objects[0]).toEqual({
    ts: "2026-11-25T10:00:01.000Z",
    vhost: "shop.example.com",
    port: -1,
    client: "203.0.113.9",
    method: "GET",
    path: "/a",
    status: 200,
    bytes: 12,
    duration_us: 2500311,
    format: "custom",
  });
  expect(objects[1]).toMatchObject({ unparsed: true, line: "not a request" });
});

test("vigil parse --kind apache-error names the outbound peer", async () => {
  const { objects } = await run("apache-error", "auto", [
    "[Wed Nov 25 10:00:01.123456 2026] [proxy:error] [pid 1234:tid 1] (111)Connection refused: AH00957: HTTP: attempt to connect to 10.0.0.5:8080 (10.0.0.5) failed",
  ]);
  expect(objects[0]).toMatchObject({ module: "proxy", level: "error", pid: 1234, peer: "10.0.0.5:8080" });
});

test("a whole LogFormat line pasted from httpd.conf works as its format", async () => {
  const { counts, objects } = await run("apache", 'LogFormat "%v %h %l %u %t \\"%r\\" %>s %b %D" timed', [
    'shop.test 203.0.113.9 - - [25/Nov/2026:10:00:01 +0000] "GET /a HTTP/1.1" 200 12 812345',
  ]);
  expect(counts.events).toBe(1);
  expect(objects[0]).toMatchObject({ vhost: "shop.test", path: "/a", duration_us: 812345 });
});
