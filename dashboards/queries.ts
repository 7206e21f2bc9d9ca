import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import { CLICKHOUSE, PROMETHEUS } from "./datasources.js";

/**
 * Queries in the models of Grafana's ClickHouse data source plugin
 * (grafana-clickhouse-datasource: editorType sql, queryType table or
 * timeSeries, rawSql with its macros) and of Prometheus (expr). The SDK has
 * no ClickHouse builder: these build the plugin's JSON directly.
 */
export type ClickHouseQuery = cog.Dataquery & {
  refId: string;
  datasource: typeof CLICKHOUSE;
  editorType: "sql";
  queryType: "table" | "timeSeries";
  rawSql: string;
};

export type PrometheusQuery = cog.Dataquery & {
  refId: string;
  datasource: typeof PROMETHEUS;
  expr: string;
  legendFormat?: string;
};

export function sql(
  rawSql: string,
  queryType: "table" | "timeSeries" = "table",
  refId = "A",
): cog.Builder<cog.Dataquery> {
  return {
    build: (): ClickHouseQuery => ({
      refId,
      datasource: CLICKHOUSE,
      editorType: "sql",
      queryType,
      rawSql: rawSql.trim().replace(/\n\s+/g, "\n"),
      _implementsDataqueryVariant() {},
    }),
  };
}

export function promql(expr: string, legendFormat: string, refId = "A"): cog.Builder<cog.Dataquery> {
  return {
    build: (): PrometheusQuery => ({
      refId,
      datasource: PROMETHEUS,
      expr,
      legendFormat,
      _implementsDataqueryVariant() {},
    }),
  };
}
