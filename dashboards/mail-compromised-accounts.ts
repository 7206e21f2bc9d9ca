import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  TextBoxVariableBuilder,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeSeriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { CLICKHOUSE } from "./datasources.js";
import { defineDashboard } from "./define-dashboard.js";
import { sql } from "./queries.js";

/** The spam dashboard: which accounts log in from many networks, and what was done about them. */
export const mailCompromisedAccounts = defineDashboard({
  id: "mail-compromised-accounts",
  testVariables: { min_networks: "8" },
  build: () =>
    new DashboardBuilder("Mail: compromised accounts")
      .uid("vigil-mail-compromised")
      .tags(["vigil", "mail"])
      .time({ from: "now-24h", to: "now" })
      .refresh("1m")
      .withVariable(
        new TextBoxVariableBuilder("min_networks")
          .label("at least networks")
          .defaultValue("8")
          .current({ text: "8", value: "8" }),
      )
      .annotation(
        new AnnotationQueryBuilder()
          .name("Actions")
          .datasource(CLICKHOUSE)
          .enable(true)
          .iconColor("orange")
          .target(
            sql(`SELECT ts AS time, concat(remediation, ' ', state, ' on ', target, ' by ', actor, ': ', JSONExtractString(params, 'user'), JSONExtractString(params, 'ip')) AS text, remediation AS tags
                 FROM action_audit FINAL
                 WHERE $__timeFilter(ts) AND state IN ('run', 'failed', 'refused', 'approved')
                 ORDER BY ts`),
          ),
      )
      .withPanel(
        new TablePanel()
          .title("Accounts by distinct networks")
          .description(
            "Addresses used in the range, by account: networks (/24, /48), ASNs, countries. Compromised accounts are on top.",
          )
          .span(24)
          .height(10)
          .withTarget(
            sql(`SELECT user, uniqExact(network) AS networks, uniqExact(asn) AS asns, uniqExact(country) AS countries, count() AS ips,
                        sum(logins) AS logins, sum(failures) AS failures, max(last_seen) AS latest
                 FROM account_ip_history FINAL
                 WHERE $__timeFilter(last_seen)
                 GROUP BY user
                 HAVING networks >= toUInt32OrZero('$min_networks')
                 ORDER BY asns DESC, countries DESC, networks DESC, user
                 LIMIT 100`),
          ),
      )
      .withPanel(
        new TimeSeriesPanel()
          .title("Logins and authentication failures")
          .span(12)
          .height(8)
          .withTarget(
            sql(
              `SELECT $__timeInterval(ts) AS time, countIf(success) AS logins, countIf(NOT success) AS failures
               FROM mail_auth_events FINAL
               WHERE $__timeFilter(ts)
               GROUP BY time ORDER BY time`,
              "timeSeries",
            ),
          ),
      )
      .withPanel(
        new TimeSeriesPanel()
          .title("New networks per hour")
          .description("Networks an account had never used before, counted when first seen")
          .span(12)
          .height(8)
          .withTarget(
            sql(
              `SELECT toStartOfHour(first) AS time, count() AS new_networks
               FROM (SELECT user, network, min(first_seen) AS first FROM account_ip_history FINAL GROUP BY user, network)
               WHERE $__timeFilter(first)
               GROUP BY time ORDER BY time`,
              "timeSeries",
            ),
          ),
      )
      .withPanel(
        new TablePanel()
          .title("Open alerts")
          .description("The highest level each account reached in the range, with the verdict and its evidence")
          .span(24)
          .height(8)
          .withTarget(
            sql(`SELECT subject AS user, max(level) AS highest_level, argMax(verdict, level) AS verdict, argMax(window, level) AS window,
                        min(window_start) AS since, argMax(summary, level) AS summary
                 FROM alerts FINAL
                 WHERE kind = 'compromised-account' AND $__timeFilter(window_start)
                 GROUP BY subject
                 ORDER BY highest_level DESC, since DESC
                 LIMIT 200`),
          ),
      )
      .build(),
});
