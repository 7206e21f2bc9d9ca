import { join, resolve } from "node:path";
import { createClient } from "@clickhouse/client";
import { describe, expect, test } from "vitest";
import type { HistoryRow, WindowRow } from "../../../processors/account-ips/rows.js";
import { WindowRowColumns } from "../../../processors/account-ips/window-row-columns.js";
import { EVENT_COLUMNS, encodeEventRow } from "../../../processors/mail-event-rows.js";
import { encodeAccountRows, insertEncoded } from "../../../processors/mail-rows.js";
import type { HttpRequestRow } from "../../../processors/web-line-reader.js";
import { appendRequestRow, emptyWebRows, insertWebRows } from "../../../processors/web-rows.js";
import { createMetrics } from "../../../runtime/metrics.js";
import type { ParsedMailAuth } from "../../../schemas/mail-auth-event.js";
import { startChdbHttpServer } from "../../../store/chdb-http-server.js";
import { type ClickHouseClient, createStoreClient } from "../../../store/create-store-client.js";
import { insertNativeBlocks, insertTsvRows } from "../../../store/insert-rows.js";
import { migrate } from "../../../store/migrate.js";
import { tempDir } from "../../helpers/vigil-cli.js";

// The events' names are gathered by WebAssembly built by `npm run build` beside the compiled code: from dist/.
const { NativeEventRows } = (await import(
  join(resolve(import.meta.dirname, "..", "..", "..", "dist"), "processors/parse-worker/native-event-rows.js")
)) as typeof import("../../../processors/parse-worker/native-event-rows.js");

const event = (overrides: Partial<ParsedMailAuth>): ParsedMailAuth => ({
  ts: Date.UTC(2026, 10, 24, 10),
  host: "mx1",
  service: "imap",
  user: "ann@example.com",
  user_raw: "Ann@Example.com",
  ip: "192.0.2.7",
  success: true,
  format: "dovecot",
  reason: "",
  ...overrides,
});

// Hostile and unusual values: every one must come back from the store exactly as the TabSeparated path stores it.
const events: ParsedMailAuth[] = [
  event({}),
  event({
    user: "x;touch /tmp/pwned",
    user_raw: "x;touch /tmp/pwned",
    ip: "2001:db8::7",
    success: false,
    reason: "auth failed",
  }),
  event({ user: "tab\there\nnewline\\back", user_raw: "Tab\there\nNewline\\back", host: "" }),
  event({ user: "ユーザー", user_raw: "ユーザー", host: "mx-é\x01" }),
  event({ host: "it's\\host" }),
  event({ user: "j\uFFFDrgen", user_raw: "J\uFFFDrgen", ts: Date.UTC(2031, 11, 31, 23, 59, 59, 999) }),
  event({ user: "long", user_raw: "x".repeat(300), reason: "r".repeat(200) }),
];

async function storedEvents(client: ClickHouseClient): Promise<string> {
  const result = await client.query({
    query: `SELECT ${EVENT_COLUMNS.join(", ")} FROM mail_auth_events ORDER BY source_id, offset`,
    format: "TabSeparated",
  });
  return result.text();
}

function nativeBlocks(): { blocks: Uint8Array[]; rows: number } {
  // Several blocks, as parsed chunks give (one insert may carry several), their repeated values
  // LowCardinality columns: hosts with a quote and a backslash, a control character, the empty string.
  const blocks: Uint8Array[] = [];
  for (const part of [events.slice(0, 3), events.slice(3, 4), events.slice(4)]) {
    const rows = new NativeEventRows();
    for (const item of part) rows.add(item, "src1", events.indexOf(item) * 1000 + 2 ** 40);
    blocks.push(rows.take());
  }
  return { blocks, rows: events.length };
}

/** Stores the events through TabSeparated, then (afresh) as Native blocks; returns both readings. */
async function bothWays(client: ClickHouseClient): Promise<{ tsv: string; native: string }> {
  await migrate(client);
  await insertTsvRows(client, {
    table: "mail_auth_events",
    columns: EVENT_COLUMNS,
    rows: events.map((item, index) => encodeEventRow(item, "src1", index * 1000 + 2 ** 40)),
  });
  const tsv = await storedEvents(client);
  await client.command({ query: "TRUNCATE TABLE mail_auth_events" });
  await insertNativeBlocks(client, { table: "mail_auth_events", columns: EVENT_COLUMNS, ...nativeBlocks() });
  const native = await storedEvents(client);
  // Times a bare number of milliseconds cannot carry (before September 2001): the batch is stored, not refused.
  // (Not compared: the table's TTL may drop rows that old at any merge.)
  const old = [event({ ts: Date.UTC(1999, 11, 31, 23, 59, 59, 999) }), event({ ts: 1001 }), event({ ts: -5 })];
  await insertTsvRows(client, {
    table: "mail_auth_events",
    columns: EVENT_COLUMNS,
    rows: old.map((item, index) => encodeEventRow(item, "old", index)),
  });
  return { tsv, native };
}

describe("Native inserts (the parse worker's events)", () => {
  test("the embedded store and a server both store Native blocks exactly as the same rows in TabSeparated", async () => {
    // chDB allows one data folder per process: the embedded store first, then the server.
    const embedded = createStoreClient({ dataDir: tempDir("native-embedded") });
    const viaChdb = await bothWays(embedded).finally(() => embedded.close());
    expect(viaChdb.tsv.split("\n").length).toBe(events.length + 1);
    expect(viaChdb.native).toBe(viaChdb.tsv);

    const server = await startChdbHttpServer({ path: `${tempDir("native-server")}/chdb`, port: 0 });
    const overHttp = createClient({ url: server.url });
    const viaServer = await bothWays(overHttp).finally(async () => {
      await overHttp.close();
      await server.close();
    });
    expect(viaServer.tsv).toBe(viaChdb.tsv);
    expect(viaServer.native).toBe(viaChdb.tsv);
  }, 60_000);
});

describe("Native inserts (the aggregation's rows)", () => {
  test("history and window rows read back from the store exactly as given, hostile text and many distinct values included", async () => {
    const hostile = ["ann@example.com", "tab\there", "new\nline", "quote'\"back\\slash", "ユーザー", "x;$(touch f)`q`"];
    const history: HistoryRow[] = hostile.map((user, index) => ({
      user,
      ip: index % 2 === 0 ? `192.0.2.${index}` : `2001:db8::${index}`,
      first_seen: Date.UTC(2026, 10, 24, 10, 0, 0, index),
      last_seen: Date.UTC(2026, 10, 24, 11, 0, 0, 999),
      logins: 2 ** 40 + index,
      failures: index,
      first_offset: 2 ** 45 + index,
      network: `192.0.2.0/24`,
      network16: `192.0.0.0/16`,
      asn: 4_000_000_000 + index,
      as_name: `AS name ${index} 'quoted'`,
      country: index === 0 ? "" : "DE",
      version: 2 ** 40 + 2 * index,
    }));
    // More distinct AS names than a LowCardinality column with one-byte indexes holds (255 and the empty
    // string): that column falls back to plain strings; the countries (254 and the empty one) just fit.
    for (let index = 0; index < 300; index++)
      history.push({
        ...(history[0] as HistoryRow),
        user: `many${index}`,
        as_name: `AS ${index}`,
        country: index < 253 ? `C${index}` : "DE",
      });
    const windows: WindowRow[] = hostile.map((user, index) => ({
      user,
      window: index % 2 === 0 ? "1h" : "24h",
      window_start: Date.UTC(2026, 10, 24, index),
      window_end: Date.UTC(2026, 10, 24, index + 1),
      ips: index + 1,
      networks: index,
      networks16: 1,
      asns: 2,
      countries: 3,
      logins: 2 ** 33,
      failures: 7,
      new_networks: index,
      first_login: Date.UTC(2026, 10, 24, index, 0, 1, 5),
      last_login: Date.UTC(2026, 10, 24, index, 59, 59, 999),
      verdict: index === 2 ? "likely-compromise" : "normal",
      level: index === 2 ? 2 : 0,
      version: 2 ** 40,
    }));
    const client = createStoreClient({ dataDir: tempDir("native-accounts") });
    try {
      await migrate(client);
      await insertEncoded(
        client,
        {
          events: [],
          unparsed: [],
          ...encodeAccountRows({ history, windowRows: WindowRowColumns.of(windows), windows, alerts: [] }),
        },
        createMetrics(),
      );
      // 64-bit numbers come back as numbers or as strings, as the output settings say: compared as numbers.
      const asNumber = (value: unknown) => (typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value);
      const read = async (query: string) =>
        ((await (await client.query({ query, format: "JSONEachRow" })).json()) as Record<string, unknown>[]).map(
          (row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, asNumber(value)])),
        );
      const storedHistory = await read(
        "SELECT *, toUnixTimestamp64Milli(first_seen) AS first_ms, toUnixTimestamp64Milli(last_seen) AS last_ms FROM account_ip_history FINAL",
      );
      expect(storedHistory.length).toBe(history.length);
      for (const row of history) {
        const stored = storedHistory.find((candidate) => candidate.user === row.user);
        expect(stored).toMatchObject({
          ip: row.ip,
          first_ms: row.first_seen,
          last_ms: row.last_seen,
          logins: row.logins,
          failures: row.failures,
          first_offset: row.first_offset,
          network: row.network,
          network16: row.network16,
          asn: row.asn,
          as_name: row.as_name,
          country: row.country,
          version: row.version,
        });
      }
      const storedWindows = await read(
        "SELECT *, toUnixTimestamp(window_start) AS start_s, toUnixTimestamp(window_end) AS end_s, " +
          "toUnixTimestamp64Milli(first_login) AS first_ms, toUnixTimestamp64Milli(last_login) AS last_ms FROM account_windows FINAL",
      );
      expect(storedWindows.length).toBe(windows.length);
      for (const row of windows) {
        const stored = storedWindows.find((candidate) => candidate.user === row.user);
        expect(stored).toMatchObject({
          window: row.window,
          start_s: row.window_start / 1000,
          end_s: row.window_end / 1000,
          ips: row.ips,
          networks: row.networks,
          logins: row.logins,
          new_networks: row.new_networks,
          first_ms: row.first_login,
          last_ms: row.last_login,
          verdict: row.verdict,
          level: row.level,
          version: row.version,
        });
      }
    } finally {
      await client.close();
    }
  }, 60_000);
});

describe("Native inserts (web requests)", () => {
  test("http_requests rows read back from the store exactly as given, hostile paths and -1 for what was not logged", async () => {
    const paths = ["/", "/a'b\"c\\d", "/tab\there", "/new\nline", "/ユーザー", `/${"x".repeat(2047)}`, "/nul\0byte"];
    const requests: HttpRequestRow[] = paths.map((path, index) => ({
      ts: Date.UTC(2026, 10, 24, 10, 0, index, 7),
      host: "web1",
      vhost: index % 2 === 0 ? "shop.example.com" : "it's.example.com",
      port: index === 0 ? -1 : 443,
      client: index % 3 === 0 ? "2001:db8::1" : "192.0.2.1",
      method: index === 1 ? "PROPFIND" : "GET",
      path,
      status: index === 2 ? -1 : 200,
      bytes: 2 ** 40 + index,
      duration_us: index === 3 ? -1 : 123_456 * index,
      format: "custom",
      source_id: "web-src",
      offset: 2 ** 41 + index,
    }));
    const client = createStoreClient({ dataDir: tempDir("native-web") });
    try {
      await migrate(client);
      const rows = emptyWebRows();
      for (const request of requests) appendRequestRow(rows.requests, request);
      await insertWebRows(client, rows, createMetrics());
      const result = await client.query({
        query: "SELECT *, toUnixTimestamp64Milli(ts) AS ms FROM http_requests FINAL ORDER BY offset",
        format: "JSONEachRow",
      });
      const stored = (await result.json()) as Record<string, unknown>[];
      expect(stored.map((row) => ({ ...row, ts: Number(row.ms), ms: undefined }))).toEqual(
        requests.map((row) => ({ ...row, ms: undefined })),
      );
    } finally {
      await client.close();
    }
  }, 60_000);
});
