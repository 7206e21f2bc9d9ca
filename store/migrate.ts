import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ClickHouseClient } from "@clickhouse/client";
import { StoreError } from "../runtime/errors.js";

export type MigrationResult = { applied: string[]; alreadyApplied: string[] };

/** `schemas/clickhouse` at the repository root, from the sources or from dist/. */
export function migrationsFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [resolve(here, "../schemas/clickhouse"), resolve(here, "../../schemas/clickhouse")]) {
    if (existsSync(candidate) && readdirSync(candidate).some((name) => name.endsWith(".sql"))) return candidate;
  }
  throw new StoreError(`cannot find schemas/clickhouse/*.sql next to ${here}`, undefined, false);
}

/** Statements of a migration file: split on `;` at a line end, comments dropped. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((statement) =>
      statement
        .split("\n")
        .filter((line) => !line.trim().startsWith("--"))
        .join("\n")
        .trim(),
    )
    .filter((statement) => statement !== "");
}

/**
 * Applies `schemas/clickhouse/NNN_name.sql` in order, each once, recorded in
 * `schema_migrations`. Statements are idempotent (`IF NOT EXISTS`), so a crash
 * between a statement and its record is repaired by running again.
 */
export async function migrate(client: ClickHouseClient): Promise<MigrationResult> {
  const folder = migrationsFolder();
  try {
    await client.command({
      query:
        "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_at DateTime('UTC') DEFAULT now()) ENGINE = ReplacingMergeTree ORDER BY version",
    });
    const result = await client.query({ query: "SELECT name FROM schema_migrations FINAL", format: "JSONEachRow" });
    const done = new Set((await result.json<{ name: string }>()).map((row) => row.name));
    const files = readdirSync(folder)
      .filter((name) => /^\d+_[\w-]+\.sql$/.test(name))
      .sort();
    const outcome: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const name of files) {
      if (done.has(name)) {
        outcome.alreadyApplied.push(name);
        continue;
      }
      for (const statement of splitStatements(readFileSync(join(folder, name), "utf8"))) {
        await client.command({ query: statement });
      }
      await client.insert({
        table: "schema_migrations",
        values: [{ version: Number.parseInt(name, 10), name }],
        format: "JSONEachRow",
        columns: ["version", "name"],
      });
      outcome.applied.push(name);
    }
    return outcome;
  } catch (cause) {
    if (cause instanceof StoreError) throw cause;
    throw new StoreError(`migrating the store: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
  }
}
