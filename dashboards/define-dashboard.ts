import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";

/**
 * A dashboard kept as code: `build` makes the Grafana JSON (committed in
 * generated/<id>.json by `npm run dashboards:build`); `keyPanels` name the
 * panels whose rows the contract test checks against the demo's ground truth;
 * `variables` are the values the contract test sets.
 */
export type DashboardDefinition = {
  id: string;
  build(): dashboard.Dashboard;
  testVariables: Record<string, string>;
};

export function defineDashboard(definition: DashboardDefinition): DashboardDefinition {
  return definition;
}
