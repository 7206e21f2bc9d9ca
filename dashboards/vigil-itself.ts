import { DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { defineDashboard } from "./define-dashboard.js";
import { promql, sql } from "./queries.js";

/** Vigil watching itself: what comes in and out, what does not parse, how far behind the workers are, how fast the store takes rows, and the actions. */
export const vigilItself = defineDashboard({
  id: "vigil-itself",
  testVariables: {},
  build: () =>
    new DashboardBuilder("Vigil itself")
      .uid("vigil-itself")
      .tags(["vigil"])
      .time({ from: "now-6h", to: "now" })
      .refresh("30s")
      .withPanel(
        new TimeSeriesPanel()
          .title("Events in, per source host")
          .span(12)
          .height(8)
          .withTarget(
            sql(
              `SELECT time, source, sum(events) AS events FROM (
                 SELECT $__timeInterval(ts) AS time, concat('mail ', host) AS source, count() AS events FROM mail_auth_events FINAL WHERE $__timeFilter(ts) GROUP BY time, source
                 UNION ALL
                 SELECT $__timeInterval(ts) AS time, concat('web ', host) AS source, count() AS events FROM http_requests FINAL WHERE $__timeFilter(ts) GROUP BY time, source)
               GROUP BY time, source ORDER BY time`,
              "timeSeries",
            ),
          ),
      )
      .withPanel(
        new TimeSeriesPanel()
          .title("Unparsed lines (kept in unparsed_lines)")
          .span(12)
          .height(8)
          .withTarget(
            sql(
              `SELECT $__timeInterval(ingested_at) AS time, kind, count() AS unparsed
               FROM unparsed_lines FINAL WHERE $__timeFilter(ingested_at)
               GROUP BY time, kind ORDER BY time`,
              "timeSeries",
            ),
          ),
      )
      .withPanel(
        new TimeSeriesPanel()
          .title("Consumer lag per stage (records)")
          .description("From the workers' /metrics (vigil process --metrics-port)")
          .span(12)
          .height(8)
          .withTarget(promql("sum by (stage) (vigil_stage_lag)", "{{stage}}")),
      )
      .withPanel(
        new TimeSeriesPanel()
          .title("Store insert latency, p99 (s)")
          .span(12)
          .height(8)
          .withTarget(
            promql(
              "histogram_quantile(0.99, sum by (le, table) (rate(vigil_store_insert_seconds_bucket[5m])))",
              "{{table}}",
            ),
          ),
      )
      .withPanel(
        new TablePanel()
          .title("Actions run and refused")
          .span(24)
          .height(8)
          .withTarget(
            sql(`SELECT remediation, state, count() AS actions, max(ts) AS last
                 FROM action_audit FINAL WHERE $__timeFilter(ts)
                 GROUP BY remediation, state ORDER BY actions DESC`),
          ),
      )
      .build(),
});
