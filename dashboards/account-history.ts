import { DashboardBuilder, QueryVariableBuilder, VariableRefresh } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { CLICKHOUSE } from "./datasources.js";
import { defineDashboard } from "./define-dashboard.js";
import { sql } from "./queries.js";

/** One account ($user): every address it used, its logins over time, and the alerts and actions on it. `${user:sqlstring}` quotes the name. */
export const accountHistory = defineDashboard({
  id: "account-history",
  testVariables: {},
  build: () =>
    new DashboardBuilder("Account history")
      .uid("vigil-account-history")
      .tags(["vigil", "mail"])
      .time({ from: "now-7d", to: "now" })
      .withVariable(
        new QueryVariableBuilder("user")
          .label("account")
          .datasource(CLICKHOUSE)
          .query(
            "SELECT user FROM account_ip_history FINAL GROUP BY user ORDER BY uniqExact(network) DESC, user LIMIT 5000",
          )
          .refresh(VariableRefresh.OnTimeRangeChanged),
      )
      .withPanel(
        new TablePanel()
          .title("Every address of ${user}")
          .span(24)
          .height(10)
          .withTarget(
            sql(`SELECT ip, first_seen, last_seen, logins, failures, network, asn, as_name, country
                 FROM account_ip_history FINAL
                 WHERE user = \${user:sqlstring}
                 ORDER BY first_seen`),
          ),
      )
      .withPanel(
        new TimeSeriesPanel()
          .title("Logins, failures and addresses over time")
          .span(24)
          .height(8)
          .withTarget(
            sql(
              `SELECT $__timeInterval(ts) AS time, countIf(success) AS logins, countIf(NOT success) AS failures, uniqExact(ip) AS addresses
               FROM mail_auth_events FINAL
               WHERE user = \${user:sqlstring} AND $__timeFilter(ts)
               GROUP BY time ORDER BY time`,
              "timeSeries",
            ),
          ),
      )
      .withPanel(
        new TablePanel()
          .title("Alerts and actions on the account")
          .span(24)
          .height(8)
          .withTarget(
            sql(`SELECT time, what, state, detail FROM (
                   SELECT fired_at AS time, concat('alert ', window, ' level ', toString(level)) AS what, verdict AS state, summary AS detail
                   FROM alerts FINAL WHERE kind = 'compromised-account' AND subject = \${user:sqlstring}
                   UNION ALL
                   SELECT ts AS time, remediation AS what, state, concat(actor, ': ', result) AS detail
                   FROM action_audit FINAL
                   WHERE alert_subject = \${user:sqlstring} OR JSONExtractString(params, 'user') = \${user:sqlstring})
                 ORDER BY time DESC`),
          ),
      )
      .build(),
});
