import { createClient } from "@clickhouse/client";
import { describe, expect, test } from "vitest";
import { EVENT_COLUMNS, encodeEventRow } from "../../../processors/mail-rows.js";
import { NativeEventRows } from "../../../processors/parse-worker/native-event-rows.js";
import type { ParsedMailAuth } from "../../../schemas/mail-auth-event.js";
import { startChdbHttpServer } from "../../../store/chdb-http-server.js";
import { type ClickHouseClient, createStoreClient } from "../../../store/create-store-client.js";
import { insertNativeBlocks, insertTsvRows } from "../../../store/insert-tsv-rows.js";
import { migrate } from "../../../store/migrate.js";
import { tempDir } from "../../helpers/vigil-cli.js";

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
  // Several blocks, as parsed chunks give (one insert may carry several); the last one's hosts are an Enum8
  // with a quote and a backslash in a name, the middle one's a String (a control character).
  const blocks: Uint8Array[] = [];
  for (const part of [events.slice(0, 3), events.slice(3, 4), events.slice(4)]) {
    const rows = new NativeEventRows();
    const offsets = new Float64Array(part.length);
    const ts = new Float64Array(part.length);
    const success = new Uint8Array(part.length);
    part.forEach((item, index) => {
      rows.add(item, "src1");
      offsets[index] = events.indexOf(item) * 1000 + 2 ** 40;
      ts[index] = item.ts;
      success[index] = item.success ? 1 : 0;
    });
    blocks.push(rows.take(part.length, ts, success, offsets));
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
  return { tsv, native: await storedEvents(client) };
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
