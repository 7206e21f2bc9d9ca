import type * as common from "@grafana/grafana-foundation-sdk/common";

/** The data sources every Vigil dashboard and alert rule names; `vigil grafana provision` creates them with these uids. */
export const CLICKHOUSE: common.DataSourceRef = { type: "grafana-clickhouse-datasource", uid: "vigil-clickhouse" };
export const PROMETHEUS: common.DataSourceRef = { type: "prometheus", uid: "vigil-prometheus" };
