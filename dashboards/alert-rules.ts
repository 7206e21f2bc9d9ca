/**
 * Grafana alert rules, in Grafana's file provisioning format (alerting
 * provisioning: groups of rules whose data are queries, a reduce and a
 * threshold). Each query returns one row per alert instance; its string
 * columns become the instance's labels (user, domain), which `vigil serve`'s
 * rules read as {labels.user}, {labels.domain}.
 */
export type AlertRuleDefinition = {
  uid: string;
  title: string;
  /** A query whose numeric column `value` is compared with the threshold, one row per instance. */
  sql: string;
  above: number;
  for: string;
  labels: Record<string, string>;
  summary: string;
};

/** One instance per subject with a finding of `kind` in the last 15 minutes (labelled `label`), its highest level as the value. */
const recentFindings = (kind: string, label: string) => `SELECT subject AS ${label}, toFloat64(max(level)) AS value
          FROM alerts FINAL
          WHERE kind = '${kind}' AND fired_at >= now() - INTERVAL 15 MINUTE
          GROUP BY subject`;

export const ALERT_RULES: readonly AlertRuleDefinition[] = [
  {
    uid: "vigil-compromised-account",
    title: "CompromisedAccount",
    sql: recentFindings("compromised-account", "user"),
    above: 1,
    for: "0s",
    labels: { severity: "critical", source: "vigil" },
    summary: "{{ $labels.user }} logs in from many networks (level {{ $values.B }}): likely taken over",
  },
  {
    uid: "vigil-own-domain-leaves-host",
    title: "OwnDomainLeavesHost",
    sql: recentFindings("own-domain-leaves-host", "domain"),
    above: 0,
    for: "0s",
    labels: { severity: "warning", source: "vigil" },
    summary: "a web server reaches {{ $labels.domain }}'s old host: pin the domain (vigil actions pin-domain)",
  },
  {
    uid: "vigil-ingest-stalled",
    title: "IngestStalled",
    sql: `SELECT toFloat64(dateDiff('second', greatest(
            (SELECT max(ts) FROM mail_auth_events), (SELECT max(ts) FROM http_requests)), now())) AS value`,
    above: 900,
    for: "5m",
    labels: { severity: "warning", source: "vigil" },
    summary: "no new events stored for {{ $values.B }} s: is a shipper or vigil run stopped?",
  },
];

/** The provisioning file: the rules in one group, reduce (last) and threshold expressions after the query. */
export function alertRulesProvisioning(datasourceUid: string) {
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: "vigil",
        folder: "Vigil",
        interval: "1m",
        rules: ALERT_RULES.map((rule) => ({
          uid: rule.uid,
          title: rule.title,
          condition: "C",
          data: [
            {
              refId: "A",
              relativeTimeRange: { from: 900, to: 0 },
              datasourceUid,
              model: { refId: "A", editorType: "sql", queryType: "table", rawSql: rule.sql.replace(/\n\s+/g, "\n") },
            },
            {
              refId: "B",
              datasourceUid: "__expr__",
              model: { refId: "B", type: "reduce", expression: "A", reducer: "last", settings: { mode: "dropNN" } },
            },
            {
              refId: "C",
              datasourceUid: "__expr__",
              model: {
                refId: "C",
                type: "threshold",
                expression: "B",
                conditions: [{ evaluator: { type: "gt", params: [rule.above] } }],
              },
            },
          ],
          noDataState: "OK",
          execErrState: "Error",
          for: rule.for,
          labels: rule.labels,
          annotations: { summary: rule.summary },
        })),
      },
    ],
  };
}
