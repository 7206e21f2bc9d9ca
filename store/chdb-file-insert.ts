import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RawInsert } from "./raw-insert.js";
import { sqlString } from "./sql-string.js";

type ChdbQueries = { queryAsync(sql: string): Promise<unknown> };

/**
 * chDB's fastest way in: the encoded rows written to a file and read by
 * `INSERT ... FROM INFILE`, which parses in parallel (the inline insert and
 * chDB's raw insert parse the body on one thread: 1.2 million event rows in
 * TabSeparated take 4.7 s that way, 1.2 s from a file, 0.7 s as Native).
 * The files live in `folder` only while their insert runs; files left by a
 * process that died are removed when the next one starts.
 */
export function chdbFileInsert(chdb: ChdbQueries, folder: string): RawInsert {
  mkdirSync(folder, { recursive: true });
  removeOrphans(folder);
  let sequence = 0;
  return async ({ table, values, format, columns, settings }) => {
    const path = join(folder, `${process.pid}-${sequence++}.${format === "Native" ? "native" : "tsv"}`);
    await writeFile(path, values);
    const settingsClause =
      settings === undefined || Object.keys(settings).length === 0
        ? ""
        : ` SETTINGS ${Object.entries(settings)
            .map(([name, value]) => `${name} = ${typeof value === "number" ? value : sqlString(value)}`)
            .join(", ")}`;
    try {
      await chdb.queryAsync(
        `INSERT INTO ${table} (${columns.join(", ")}) FROM INFILE ${sqlString(path)}${settingsClause} FORMAT ${format}`,
      );
    } finally {
      rmSync(path, { force: true });
    }
  };
}

/** Files of processes that no longer run (a crash between writing a file and removing it). */
function removeOrphans(folder: string): void {
  for (const name of readdirSync(folder)) {
    const pid = Number(name.split("-")[0]);
    if (Number.isInteger(pid) && pid !== process.pid && isRunning(pid)) continue;
    if (pid !== process.pid) rmSync(join(folder, name), { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
