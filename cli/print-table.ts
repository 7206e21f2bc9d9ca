/** Prints rows as an aligned text table with a header; numbers right-aligned. */
export function formatTable(columns: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...rows.map((row) => String(row[index] ?? "").length)),
  );
  const line = (cells: readonly (string | number)[]) =>
    cells
      .map((cell, index) => {
        const text = String(cell ?? "");
        const width = widths[index] ?? 0;
        return typeof cell === "number" ? text.padStart(width) : text.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  return [line(columns), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n") + "\n";
}

/** A time as `YYYY-MM-DD HH:MM:SS` UTC, for tables. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}
