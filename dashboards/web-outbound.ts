import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  QueryVariableBuilder,
  VariableRefresh,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { CLICKHOUSE } from "./datasources.js";
import { defineDashboard } from "./define-dashboard.js";
import { sql } from "./queries.js";

const HOST = "(${host:sqlstring} = '' OR host = ${host:sqlstring})";
const VHOST = "(${vhost:sqlstring} = '' OR vhost = ${vhost:sqlstring})";

/** The web servers' outbound connections ($host), and the sites' request times ($vhost) with the findings overlaid. */
export const webOutbound = defineDashboard({
  id: "web-outbound",
  testVariables: { host: "", vhost: "" },
  build: () =>
    new DashboardBuilder("Web: outbound connections")
      .uid("vigil-web-outbound")
      .tags(["vigil", "web"])
      .time({ from: "now-6h", to: "now" })
      .refresh("1m")
      .withVariable(
        new QueryVariableBuilder("host")
          .label("web server")
          .datasource(CLICKHOUSE)
          .query("SELECT DISTINCT host FROM outbound_destinations FINAL ORDER BY host")
          .includeAll(true)
          .allValue("")
          .refresh(VariableRefresh.OnTimeRangeChanged),
      )
      .withVariable(
        new QueryVariableBuilder("vhost")
          .label("site")
          .datasource(CLICKHOUSE)
          .query("SELECT DISTINCT vhost FROM http_requests FINAL WHERE vhost != '' ORDER BY vhost LIMIT 1000")
          .includeAll(true)
          .allValue("")
          .refresh(VariableRefresh.OnTimeRangeChanged),
      )
      .annotation(
        new AnnotationQueryBuilder()
          .name("Outbound findings")
          .datasource(CLICKHOUSE)
          .enable(true)
          .iconColor("red")
          .target(
            sql(`SELECT fired_at AS time, summary AS text, kind AS tags
                 FROM alerts FINAL
                 WHERE kind IN ('own-domain-leaves-host', 'stale-resolution', 'new-destination') AND $__timeFilter(fired_at)
                 ORDER BY time`),
          ),
      )
      .withPanel(
        new TablePanel()
          .title("Destinations and their verdicts")
          .span(24)
          .height(9)
          .withTarget(
            sql(`SELECT host, concat(address, ':', toString(port)) AS destination, verdict, arrayStringConcat(domains, ' ') AS domains,
                        connections, arrayStringConcat(processes, ' ') AS processes, first_seen, last_seen
                 FROM outbound_destinations FINAL
                 WHERE ${HOST}
                 ORDER BY verdict = 'own-domain-leaves-host' DESC, verdict = 'new' DESC, connections DESC`),
          ),
      )
      .withPanel(
        new TimeSeriesPanel()
          .title("Outbound connections over time")
          .span(12)
          .height(8)
          .withTarget(
            sql(
              `SELECT $__timeInterval(ts) AS time, concat(dst, ':', toString(dst_port)) AS destination, uniqExact(src, src_port) AS connections
               FROM conn_events FINAL
               WHERE $__timeFilter(ts) AND ${HOST}
               GROUP BY time, destination ORDER BY time`,
              "timeSeries",
            ),
          ),
      )
      .withPanel(
        new TimeSeriesPanel()
          .title("Request time quantiles (ms)")
          .description("From %D of the access logs; compare with the findings overlaid")
          .span(12)
          .height(8)
          .withTarget(
            sql(
              `SELECT $__timeInterval(ts) AS time, quantile(0.5)(duration_us) / 1000 AS p50, quantile(0.95)(duration_us) / 1000 AS p95,
                      quantile(0.99)(duration_us) / 1000 AS p99
               FROM http_requests FINAL
               WHERE $__timeFilter(ts) AND duration_us >= 0 AND ${VHOST} AND ${HOST}
               GROUP BY time ORDER BY time`,
              "timeSeries",
            ),
          ),
      )
      .build(),
});
