import { stringify } from "yaml";
import { alertRulesProvisioning } from "./alert-rules.js";
import { CLICKHOUSE, PROMETHEUS } from "./datasources.js";
import { DASHBOARDS } from "./registry.js";

export type ProvisioningOptions = {
  /** ClickHouse server the data source reads (host and native port, as the plugin connects). */
  clickhouseHost: string;
  clickhousePort: number;
  /** The read-only user the plugin's docs advise; its password comes from Grafana's environment. */
  clickhouseUser: string;
  prometheusUrl: string;
  /** `vigil serve` as Grafana reaches it. */
  vigilServeUrl: string;
  /** Where the dashboards' JSON will be on the Grafana machine. */
  dashboardsPath: string;
};

export const DEFAULT_PROVISIONING: ProvisioningOptions = {
  clickhouseHost: "127.0.0.1",
  clickhousePort: 9000,
  clickhouseUser: "grafana_ro",
  prometheusUrl: "http://127.0.0.1:9090",
  vigilServeUrl: "http://127.0.0.1:9466",
  dashboardsPath: "/etc/grafana/provisioning/dashboards/json",
};

/**
 * Everything Grafana needs, as files relative to its provisioning folder
 * (/etc/grafana/provisioning): data sources, the dashboard provider and the
 * dashboards, the alert rules, and the webhook contact point with its
 * notification policy. Secrets stay out: Grafana expands $__env{...}.
 */
export function provisioningFiles(options: ProvisioningOptions = DEFAULT_PROVISIONING): Record<string, string> {
  const files: Record<string, string> = {
    "datasources/vigil.yaml": stringify({
      apiVersion: 1,
      datasources: [
        {
          name: "Vigil ClickHouse",
          uid: CLICKHOUSE.uid,
          type: CLICKHOUSE.type,
          jsonData: {
            host: options.clickhouseHost,
            port: options.clickhousePort,
            protocol: "native",
            username: options.clickhouseUser,
            defaultDatabase: "default",
          },
          secureJsonData: { password: "$__env{VIGIL_CLICKHOUSE_RO_PASSWORD}" },
        },
        {
          name: "Vigil Prometheus",
          uid: PROMETHEUS.uid,
          type: PROMETHEUS.type,
          access: "proxy",
          url: options.prometheusUrl,
        },
      ],
    }),
    "dashboards/vigil.yaml": stringify({
      apiVersion: 1,
      providers: [
        {
          name: "vigil",
          folder: "Vigil",
          type: "file",
          disableDeletion: false,
          allowUiUpdates: false,
          options: { path: options.dashboardsPath, foldersFromFilesStructure: false },
        },
      ],
    }),
    "alerting/vigil-rules.yaml": stringify(alertRulesProvisioning(CLICKHOUSE.uid as string)),
    "alerting/vigil-contact-point.yaml": stringify({
      apiVersion: 1,
      contactPoints: [
        {
          orgId: 1,
          name: "vigil-serve",
          receivers: [
            {
              uid: "vigil-serve-webhook",
              type: "webhook",
              settings: {
                url: `${options.vigilServeUrl}/hooks/grafana`,
                httpMethod: "POST",
                authorization_scheme: "Bearer",
                authorization_credentials: "$__env{VIGIL_WEBHOOK_TOKEN}",
              },
            },
          ],
        },
      ],
      policies: [{ orgId: 1, receiver: "vigil-serve", matchers: ["source = vigil"], group_by: ["alertname"] }],
    }),
  };
  for (const definition of DASHBOARDS)
    files[`dashboards/json/${definition.id}.json`] = dashboardJson(definition.build());
  return files;
}

export function dashboardJson(dashboard: unknown): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
