import { writeToString } from "fast-csv";
import { InputError } from "../runtime/errors.js";

/** Validates `--format` against what a command offers. */
export function checkFormat<const T extends string>(value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(`--format "${value}" is not offered here`, `use one of: ${allowed.join(", ")}`);
}

/** Rows as CSV with a header, through fast-csv (quoting as spreadsheets expect). */
export async function formatCsv(
  columns: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): Promise<string> {
  return `${await writeToString([columns, ...rows], { headers: false })}\n`;
}

/** One JSON object per line. */
export function formatJsonLines(rows: readonly object[]): string {
  return rows.map((row) => JSON.stringify(row)).join("\n") + (rows.length > 0 ? "\n" : "");
}

/** A row's first and last sight as ISO-8601 text (JSON output), instead of epoch milliseconds. */
export function withIsoSeenTimes<Row extends { first_seen: number; last_seen: number }>(
  row: Row,
): Omit<Row, "first_seen" | "last_seen"> & { first_seen: string; last_seen: string } {
  return {
    ...row,
    first_seen: new Date(row.first_seen).toISOString(),
    last_seen: new Date(row.last_seen).toISOString(),
  };
}

export function parsePositiveInt(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) {
    throw new InputError(`${flag} "${value}" is not a whole number`, `give ${flag} a number such as 5`);
  }
  return number;
}
