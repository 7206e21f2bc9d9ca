import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { Session } from "chdb";
import { InsertFiles } from "./insert-files.js";
import { sqlString } from "./sql-string.js";

/**
 * ClickHouse's HTTP interface (the part `@clickhouse/client` uses) in front of
 * one chDB engine, so several Vigil processes on one machine (`vigil process`
 * workers, `vigil ship`, the CLI) share one embedded store as they would share
 * a ClickHouse server: they are configured with `clickhouse.url`, and the
 * same client code runs against it as against a server.
 *
 * Supported: `GET|POST /ping`; queries in the body or in `?query=` (then the
 * body is an INSERT's data); `param_NAME` query parameters (applied as the
 * engine's `param_NAME` settings, so values keep ClickHouse's text form);
 * `default_format`; other URL settings are applied with SET. Not supported:
 * multipart parameters, sessions, compression (responses are plain; the client
 * only decompresses when told). Requests run one at a time in arrival order.
 * Listens on loopback by default: it has no authentication.
 */
const RESERVED = new Set(["query", "query_id", "database", "session_id", "role", "user", "password", "default_format"]);
const HTTP_ONLY = new Set([
  "wait_end_of_query",
  "send_progress_in_http_headers",
  "http_headers_progress_interval_ms",
  "http_send_progress_interval_ms",
  "http_response_buffer_size",
  "enable_http_compression",
  "http_zlib_compression_level",
  "http_response_compression_method",
  "http_native_compression_disable_checksumming_on_decompress",
  "output_format_json_quote_64bit_integers_deprecated",
]);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type ChdbHttpServer = { port: number; host: string; url: string; close(): Promise<void> };

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > limit) throw new RequestError(413, `request body over ${limit} bytes`);
    parts.push(part);
  }
  return Buffer.concat(parts);
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** An insert's statement as the client sends it: everything up to its closing `FORMAT name`. */
const INSERT_WITH_FORMAT = /^(\s*INSERT\s[\s\S]*?)\s+FORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*$/i;

/**
 * The statement to run for one HTTP request, and the output format when the SQL names none. An insert
 * whose rows were written to `bodyFile` reads them with `FROM INFILE` (parsed in parallel, binary formats
 * such as Native kept intact); otherwise the rows follow the statement as text.
 */
export function statementFor(url: URL, body: Buffer, bodyFile?: string): { sql: string; format: string } {
  const prefix: string[] = [];
  for (const [key, value] of url.searchParams) {
    if (key.startsWith("param_")) {
      if (!NAME.test(key)) throw new RequestError(400, `bad parameter name ${key}`);
      prefix.push(`SET ${key} = ${sqlString(value)}`);
    } else if (!RESERVED.has(key) && !HTTP_ONLY.has(key)) {
      if (!NAME.test(key)) throw new RequestError(400, `bad setting name ${key}`);
      prefix.push(`SET ${key} = ${sqlString(value)}`);
    }
  }
  const inUrl = url.searchParams.get("query");
  const insert = inUrl === null || bodyFile === undefined ? null : INSERT_WITH_FORMAT.exec(inUrl);
  const sql =
    inUrl === null
      ? body.toString("utf8")
      : insert !== null && bodyFile !== undefined
        ? `${insert[1]} FROM INFILE ${sqlString(bodyFile)} FORMAT ${insert[2]}`
        : body.length > 0
          ? `${inUrl}\n${body.toString("utf8")}`
          : inUrl;
  if (sql.trim() === "") throw new RequestError(400, "no query: send it in the body or as ?query=");
  return {
    sql: prefix.length === 0 ? sql : `${prefix.join("; ")}; ${sql}`,
    format: url.searchParams.get("default_format") ?? "TabSeparated",
  };
}

export async function startChdbHttpServer(options: {
  path: string;
  port?: number;
  host?: string;
  maxBodyBytes?: number;
}): Promise<ChdbHttpServer> {
  const session = new Session(options.path);
  // Insert bodies wait in files for `INSERT ... FROM INFILE`, beside the store.
  const insertFiles = new InsertFiles(join(options.path, "..", "inserts"));
  const limit = options.maxBodyBytes ?? 512 * 1024 * 1024;
  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://local");
    const queryId = url.searchParams.get("query_id") ?? randomUUID();
    if (url.pathname === "/ping") {
      response.writeHead(200, { "Content-Type": "text/plain" }).end("Ok.\n");
      return;
    }
    try {
      const body = await readBody(request, limit);
      const isInsert = url.searchParams.has("query") && body.length > 0;
      if (isInsert && body.every((byte) => byte === 32 || byte === 10 || byte === 9 || byte === 13)) {
        response.writeHead(200, { "X-ClickHouse-Query-Id": queryId }).end();
        return;
      }
      const queued = Date.now();
      let began = 0;
      const execute = async (bodyFile?: string) => {
        const statement = statementFor(url, body, bodyFile);
        const result = await serialised(() => {
          began = Date.now();
          return session.queryAsync(statement.sql, { format: statement.format });
        });
        return { ...statement, result };
      };
      // An insert's body waits in a file for the engine to read it.
      const { sql, format, result } = isInsert ? await insertFiles.with([body], execute) : await execute();
      if (process.env.VIGIL_STORE_TRACE) {
        process.stderr.write(
          `${new Date().toISOString()} waited ${began - queued} ms, ran ${Date.now() - began} ms: ${sql.slice(0, 120).replace(/\s+/g, " ")}\n`,
        );
      }
      const bytes = result.bytes();
      const summary = {
        read_rows: String(result.rowsRead ?? 0),
        read_bytes: String(result.bytesRead ?? 0),
        written_rows: isInsert ? String(result.rowsRead ?? 0) : "0",
        written_bytes: isInsert ? String(result.bytesRead ?? 0) : "0",
        total_rows_to_read: "0",
        result_rows: String(result.rowsRead ?? 0),
        result_bytes: String(bytes.length),
        elapsed_ns: String(Math.round((result.elapsed ?? 0) * 1e9)),
      };
      response
        .writeHead(200, {
          "Content-Type": "text/plain; charset=UTF-8",
          "X-ClickHouse-Query-Id": queryId,
          "X-ClickHouse-Format": format,
          "X-ClickHouse-Summary": JSON.stringify(summary),
        })
        .end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (error) {
      const status = error instanceof RequestError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      const code = /^Code: (\d+)/.exec(message)?.[1] ?? "1001";
      response
        .writeHead(status, {
          "Content-Type": "text/plain; charset=UTF-8",
          "X-ClickHouse-Query-Id": queryId,
          "X-ClickHouse-Exception-Code": code,
        })
        .end(message.startsWith("Code:") ? `${message}\n` : `Code: ${code}. DB::Exception: ${message}\n`);
    }
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    });
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((ready, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, host, () => ready());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    port,
    host,
    url: `http://${host}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await queue;
      session.close();
    },
  };
}
