import type { ClickHouseClient } from "@clickhouse/client";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HISTORY_COLUMNS } from "../../../processors/mail-rows.js";
import { createStoreClient } from "../../../store/create-store-client.js";
import { insertTsvRows } from "../../../store/insert-rows.js";
import { migrate } from "../../../store/migrate.js";
import { accountHistory } from "../../../store/queries/account-history.js";
import { awkLoginRows } from "../../../store/queries/awk-parity-rows.js";
import { listAlerts } from "../../../store/queries/list-alerts.js";
import { newestEventTime } from "../../../store/queries/newest-event-time.js";
import { topAccounts } from "../../../store/queries/top-accounts.js";
import { escapeTsv } from "../../../store/tsv.js";
import { tempDir } from "../../helpers/vigil-cli.js";

const T = Date.UTC(2026, 10, 24, 10, 0, 0);
const hostile = "x';DROP TABLE alerts;--$(id)`id`";

function historyRow(user: string, ip: string, logins: number, offset: number): string {
  return [
    escapeTsv(user),
    ip,
    T,
    T + logins * 1000,
    logins,
    0,
    offset,
    `${ip}/24`,
    `${ip}/16`,
    64500,
    "Example AS",
    "DE",
    logins,
  ].join("\t");
}

describe("the ClickHouse store on chDB", () => {
  let client: ClickHouseClient;
  beforeAll(() => {
    client = createStoreClient({ dataDir: tempDir("store") });
  });
  afterAll(async () => {
    await client.close();
  });

  test("migrations apply once", async () => {
    const first = await migrate(client);
    expect(first.applied).toContain("001_mail.sql");
    const second = await migrate(client);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(first.applied);
  });

  test("the same rows written twice change no result, and a lower version never wins", async () => {
    const rows = [
      historyRow("ann", "192.0.2.1", 3, 10),
      historyRow("ann", "198.51.100.1", 1, 20),
      historyRow(hostile, "203.0.113.5", 2, 30),
      historyRow(hostile, "203.0.113.6", 1, 5),
    ];
    await insertTsvRows(client, { table: "account_ip_history", columns: HISTORY_COLUMNS, rows });
    const once = await topAccounts(client, { since: null, minNetworks: 1, limit: 0 });
    await insertTsvRows(client, { table: "account_ip_history", columns: HISTORY_COLUMNS, rows });
    await insertTsvRows(client, {
      table: "account_ip_history",
      columns: HISTORY_COLUMNS,
      rows: [historyRow("ann", "192.0.2.1", 1, 10)],
    });
    expect(await topAccounts(client, { since: null, minNetworks: 1, limit: 0 })).toEqual(once);
    const ann = await accountHistory(client, { user: "ann", since: null });
    expect(ann.map((row) => [row.ip, row.logins])).toEqual([
      ["192.0.2.1", 3],
      ["198.51.100.1", 1],
    ]);
  });

  test("a hostile user name is a value in every query, never SQL", async () => {
    const history = await accountHistory(client, { user: hostile, since: null });
    expect(history.map((row) => row.ip)).toEqual(["203.0.113.5", "203.0.113.6"]);
    const awk = await awkLoginRows(client, { since: null });
    // Ordered by where awk first met each address (first_offset), not by time or value.
    expect(awk.find((row) => row.user === hostile)?.ips).toEqual(["203.0.113.6", "203.0.113.5"]);
    expect(await listAlerts(client, { since: null, kind: hostile })).toEqual([]);
    expect(await newestEventTime(client)).toBeNull();
  });

  test("TabSeparated escaping round-trips any string", async () => {
    await client.command({
      query: "CREATE TABLE IF NOT EXISTS roundtrip (id UInt32, value String) ENGINE = MergeTree ORDER BY id",
    });
    const values = fc
      .sample(fc.string({ unit: "binary", maxLength: 40 }), 300)
      .concat(["a\\tb", "\\", "\t\n\r\0", "'\"`$(id)", "ユーザー"]);
    await insertTsvRows(client, {
      table: "roundtrip",
      columns: ["id", "value"],
      rows: values.map((value, index) => `${index}\t${escapeTsv(value)}`),
    });
    const result = await client.query({ query: "SELECT value FROM roundtrip ORDER BY id", format: "JSONEachRow" });
    const stored = (await result.json<{ value: string }>()).map((row) => row.value);
    // Lone surrogates cannot be encoded as UTF-8 at all; they arrive as U+FFFD.
    expect(stored).toEqual(values.map((value) => Buffer.from(value).toString()));
  });
});
