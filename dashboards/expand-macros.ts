/**
 * The macros of grafana-clickhouse-datasource, expanded exactly as the plugin
 * does (pkg/macros/macros.go of grafana/clickhouse-datasource), and template
 * variables as Grafana interpolates them, so a panel's SQL can run outside
 * Grafana (the contract test, `vigil report`):
 *   $__timeFilter(c)   -> c >= toDateTime(FROM) AND c <= toDateTime(TO)        (epoch seconds)
 *   $__timeInterval(c) -> toStartOfInterval(toDateTime(c), INTERVAL N second)   (N: the interval, at least 1)
 *   $__fromTime, $__toTime -> toDateTime(FROM), toDateTime(TO)
 *   $__interval_s      -> N
 *   $name, ${name}     -> the value as it is;  ${name:sqlstring} -> 'value' with ' doubled
 */
export type MacroContext = {
  fromSeconds: number;
  toSeconds: number;
  intervalSeconds: number;
  variables: Record<string, string>;
};

export function expandMacros(rawSql: string, context: MacroContext): string {
  const { fromSeconds: from, toSeconds: to } = context;
  const interval = Math.max(1, Math.floor(context.intervalSeconds));
  return rawSql
    .replace(
      /\$__timeFilter\(([^)]+)\)/g,
      (_, column: string) => `${column} >= toDateTime(${from}) AND ${column} <= toDateTime(${to})`,
    )
    .replace(
      /\$__timeInterval\(([^)]+)\)/g,
      (_, column: string) => `toStartOfInterval(toDateTime(${column}), INTERVAL ${interval} second)`,
    )
    .replaceAll("$__fromTime", `toDateTime(${from})`)
    .replaceAll("$__toTime", `toDateTime(${to})`)
    .replaceAll("$__interval_s", String(interval))
    .replace(
      /\$\{(\w+):sqlstring\}/g,
      (_, name: string) => `'${(context.variables[name] ?? "").replaceAll("'", "''")}'`,
    )
    .replace(
      /\$\{(\w+)\}|\$(\w+)/g,
      (whole, braced: string | undefined, bare: string | undefined) => context.variables[braced ?? bare ?? ""] ?? whole,
    );
}
