/** A ClickHouse string literal for `value` (backslashes and quotes escaped), for the few places a query names a path or setting it made itself. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}
