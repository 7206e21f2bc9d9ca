import { describe, expect, test } from "vitest";
import { NETFILTER_PREFIX } from "../../../ingest/netfilter-log.js";
import { createWebLineReader, type WebLineSink } from "../../../processors/web-line-reader.js";

function collect() {
  const out: { kind: string; value: unknown }[] = [];
  const sink: WebLineSink = {
    request: (row) => out.push({ kind: "request", value: row }),
    error: (row) => out.push({ kind: "error", value: row }),
    connection: (event) => out.push({ kind: "connection", value: event }),
    unparsed: (line, offset, reason) =>
      out.push({ kind: "unparsed", value: { line: line.toString("utf8"), offset, reason } }),
    skipped: () => out.push({ kind: "skipped", value: null }),
  };
  return { out, sink };
}

describe("reading web sources", () => {
  test("access log lines keep their byte offsets; a line no format reads is kept as unparsed", () => {
    const reader = createWebLineReader({ kind: "apache-access", format: "common", host: "web1", vhost: "shop.test" });
    const { out, sink } = collect();
    const lines = '203.0.113.9 - - [25/Nov/2026:10:00:01 +0000] "GET / HTTP/1.1" 200 12\n\xff garbage\n';
    expect(reader.readChunk(Buffer.from(lines, "latin1"), 1000, "0123456789abcdef", sink)).toBe(2);
    expect(out[0]).toMatchObject({
      kind: "request",
      value: { host: "web1", vhost: "shop.test", status: 200, offset: 1000, source_id: "0123456789abcdef" },
    });
    expect(out[1]).toMatchObject({ kind: "unparsed", value: { offset: 1069 } });
  });

  test("netfilter LOG lines become connections of the host in their envelope; other kernel lines are skipped", () => {
    const reader = createWebLineReader({ kind: "netfilter", format: "auto", host: "fallback", vhost: "" });
    const { out, sink } = collect();
    const data = `Dec  2 09:00:00 web1 kernel: [1.2] ${NETFILTER_PREFIX}IN= OUT=eth0 SRC=10.0.0.2 DST=198.51.100.80 PROTO=TCP SPT=43210 DPT=80 UID=33\nDec  2 09:00:01 web1 kernel: [1.3] eth0: link up\n`;
    reader.readChunk(Buffer.from(data), 0, "0123456789abcdef", sink);
    expect(out.map((entry) => entry.kind)).toEqual(["connection", "skipped"]);
    expect(out[0]?.value).toMatchObject({
      host: "web1",
      source: "nflog",
      uid: 33,
      src: "10.0.0.2",
      dst: "198.51.100.80",
      dst_port: 80,
    });
  });

  test("error log lines", () => {
    const reader = createWebLineReader({ kind: "apache-error", format: "auto", host: "web1", vhost: "" });
    const { out, sink } = collect();
    reader.readChunk(
      Buffer.from("[Wed Nov 25 10:00:03 2026] [error] [client 127.0.0.1] denied\n"),
      0,
      "0123456789abcdef",
      sink,
    );
    expect(out[0]).toMatchObject({
      kind: "error",
      value: { host: "web1", level: "error", client: "127.0.0.1", message: "denied" },
    });
  });
});
