import type { ClickHouseClient } from "@clickhouse/client";
import { describe, expect, test } from "vitest";
import { createStoreClient } from "../../../store/create-store-client.js";
import { migrate } from "../../../store/migrate.js";
import { tempDir } from "../../helpers/vigil-cli.js";

/** The tables a store holds (but the migrations' record) and its migrations' records. */
async function described(store: ClickHouseClient) {
  const tables = await store.query({
    query:
      "SELECT name, create_table_query FROM system.tables WHERE database = currentDatabase() AND name != 'schema_migrations' ORDER BY name",
    format: "JSONEachRow",
  });
  const records = await store.query({
    query: "SELECT version, name FROM schema_migrations FINAL ORDER BY version",
    format: "JSONEachRow",
  });
  return { tables: await tables.json(), records: await records.json() };
}

describe("migrations sent together (the embedded store)", () => {
  test("make the same tables and records as one statement at a time, and apply once", async () => {
    // chDB holds one data folder per process: one store after the other.
    const together = createStoreClient({ dataDir: tempDir("store-together") });
    let first: Awaited<ReturnType<typeof migrate>>;
    let made: Awaited<ReturnType<typeof described>>;
    try {
      first = await migrate(together, { together: true });
      made = await described(together);
      expect(await migrate(together, { together: true })).toEqual({ applied: [], alreadyApplied: first.applied });
    } finally {
      await together.close();
    }
    const apart = createStoreClient({ dataDir: tempDir("store-apart") });
    try {
      expect(await migrate(apart)).toEqual(first);
      expect(await described(apart)).toEqual(made);
    } finally {
      await apart.close();
    }
    expect(first.applied.length).toBeGreaterThanOrEqual(4);
    expect(made.tables.length).toBeGreaterThanOrEqual(10);
  });
});
