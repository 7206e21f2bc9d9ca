import { parseNetfilterLine } from "../ingest/netfilter-log.js";
import type { HttpRequest } from "../schemas/http-request.js";
import type { ConnEvent } from "../schemas/outbound-evidence.js";
import { apacheAccessParser } from "./parse/apache/access-formats.js";
import { parseApacheError, type WebError } from "./parse/apache/error-log.js";
import { parseEnvelope } from "./parse/envelope/syslog-envelope.js";

export type HttpRequestRow = HttpRequest & { source_id: string; offset: number };
export type WebErrorRow = WebError & { host: string; source_id: string; offset: number };

export type WebSourceKind = "apache-access" | "apache-error" | "netfilter";

export type WebLineSink = {
  request(row: HttpRequestRow): void;
  error(row: WebErrorRow): void;
  connection(event: ConnEvent): void;
  unparsed(line: Buffer, offset: number, reason: string): void;
  skipped(): void;
};

/**
 * Reads the lines of one web source (an Apache access or error log, or a
 * kernel log with netfilter LOG lines) into rows. Lines are cut from the
 * chunk's bytes, so each keeps its byte offset: (source, offset) is its
 * identity, and a line read twice is one row.
 */
export function createWebLineReader(options: { kind: WebSourceKind; format: string; host: string; vhost: string }) {
  const access =
    options.kind === "apache-access"
      ? apacheAccessParser(options.format === "auto" ? "combined" : options.format)
      : null;
  const envelope = { toUtc: (ms: number) => ms, referenceTime: Date.now() };
  return {
    readChunk(data: Buffer, startOffset: number, sourceId: string, sink: WebLineSink): number {
      let lines = 0;
      let start = 0;
      while (start < data.length) {
        let end = data.indexOf(10, start);
        if (end < 0) end = data.length;
        const bytes = data.subarray(start, end);
        const offset = startOffset + start;
        start = end + 1;
        lines += 1;
        if (bytes.length === 0) {
          sink.skipped();
          continue;
        }
        const line = bytes.toString("utf8");
        if (access !== null) {
          const result = access.parse(line);
          if ("unparsed" in result) sink.unparsed(bytes, offset, result.unparsed);
          else {
            const f = result.fields;
            sink.request({
              ts: f.ts,
              host: options.host,
              vhost: f.vhost || options.vhost,
              port: f.port,
              client: f.client,
              method: f.method,
              path: f.path,
              status: f.status,
              bytes: f.bytes,
              duration_us: f.durationUs,
              format: access.name,
              source_id: sourceId,
              offset,
            });
          }
        } else if (options.kind === "apache-error") {
          const result = parseApacheError(line);
          if (result === null) sink.skipped();
          else if ("unparsed" in result) sink.unparsed(bytes, offset, result.unparsed);
          else sink.error({ ...result, host: options.host, source_id: sourceId, offset });
        } else {
          const result = parseNetfilterLine(line);
          if (result === null) sink.skipped();
          else if ("unparsed" in result) sink.unparsed(bytes, offset, result.unparsed);
          else {
            const head = parseEnvelope(line, envelope);
            sink.connection({
              ts: head?.ts ?? Date.now(),
              host: head?.host || options.host,
              source: "nflog",
              process: "",
              pid: -1,
              uid: result.uid,
              src: result.src,
              src_port: result.srcPort,
              dst: result.dst,
              dst_port: result.dstPort,
            });
          }
        }
      }
      return lines;
    },
  };
}
