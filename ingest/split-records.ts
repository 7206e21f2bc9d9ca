/** A run of complete lines no longer than the limit (one longer line stands alone), and where it starts. */
export type LineRun = { data: Buffer; offset: number; lines: number };

/**
 * Cuts a chunk of complete lines into runs of at most `maxBytes` (at line
 * ends; a single longer line is its own run), keeping each run's offset in
 * the source so every line's coordinates survive the cut.
 */
export function splitIntoRuns(data: Buffer, startOffset: number, maxBytes: number): LineRun[] {
  const runs: LineRun[] = [];
  let start = 0;
  while (start < data.length) {
    let end = start;
    let lines = 0;
    for (;;) {
      const newline = data.indexOf(10, end);
      const lineEnd = newline < 0 ? data.length : newline + 1;
      if (lines > 0 && lineEnd - start > maxBytes) break;
      end = lineEnd;
      lines += 1;
      if (end >= data.length || end - start >= maxBytes) break;
    }
    runs.push({ data: data.subarray(start, end), offset: startOffset + start, lines });
    start = end;
  }
  return runs;
}
