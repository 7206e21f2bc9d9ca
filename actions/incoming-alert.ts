import { z } from "zod";
import type { AlertRow } from "../processors/account-ips/rows.js";

/** An alert from any source, as rules see it. */
export type IncomingAlert = {
  source: "vigil" | "grafana";
  kind: string;
  subject: string;
  status: "firing" | "resolved";
  labels: Record<string, string>;
  annotations: Record<string, string>;
  fingerprint: string;
};

/**
 * Grafana's alerting webhook body (the documented payload; fields we do not
 * use are let through). https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
 */
export const GrafanaWebhookSchema = z.object({
  receiver: z.string().optional(),
  status: z.string().optional(),
  alerts: z
    .array(
      z.object({
        status: z.enum(["firing", "resolved"]),
        labels: z.record(z.string(), z.string()).default({}),
        annotations: z.record(z.string(), z.string()).default({}),
        startsAt: z.string().optional(),
        endsAt: z.string().optional(),
        fingerprint: z.string().optional(),
      }),
    )
    .max(1000),
});

export function alertsFromGrafana(payload: z.infer<typeof GrafanaWebhookSchema>): IncomingAlert[] {
  return payload.alerts.map((alert) => ({
    source: "grafana",
    kind: alert.labels.alertname ?? "",
    subject: alert.labels.user ?? alert.labels.ip ?? alert.labels.domain ?? alert.labels.subject ?? "",
    status: alert.status,
    labels: alert.labels,
    annotations: alert.annotations,
    fingerprint: alert.fingerprint ?? `${alert.labels.alertname ?? ""}:${alert.startsAt ?? ""}`,
  }));
}

export function alertFromVigil(alert: AlertRow): IncomingAlert {
  return {
    source: "vigil",
    kind: alert.kind,
    subject: alert.subject,
    status: "firing",
    labels: {
      kind: alert.kind,
      subject: alert.subject,
      window: alert.window,
      verdict: alert.verdict,
      level: String(alert.level),
    },
    annotations: { summary: alert.summary },
    fingerprint: alert.alert_id,
  };
}
