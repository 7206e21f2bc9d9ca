import type { ClickHouseClient } from "@clickhouse/client";
import { expandMacros } from "../dashboards/expand-macros.js";
import { DASHBOARDS } from "../dashboards/registry.js";

/** A panel of a dashboard with the rows its query returned, ready to draw. */
export type PanelResult = {
  title: string;
  description: string;
  kind: "timeseries" | "table";
  columns: string[];
  types: string[];
  rows: unknown[][];
  error?: string;
};

export type DashboardResult = { id: string; title: string; panels: PanelResult[] };

type Panel = { title: string; description?: string; type: string; targets?: { rawSql?: string }[] };

const MAX_ROWS = 500;

/**
 * Runs every ClickHouse panel of every dashboard over a time range, with the
 * plugin's macros expanded as in Grafana. Panels fed by Prometheus are left
 * out (the report reads the store only). `variables` sets the dashboards'
 * variables ($user, $host, ...).
 */
export async function collectPanels(
  client: ClickHouseClient,
  range: { fromSeconds: number; toSeconds: number },
  variables: Record<string, string>,
): Promise<DashboardResult[]> {
  const intervalSeconds = niceInterval((range.toSeconds - range.fromSeconds) / 150);
  const results: DashboardResult[] = [];
  for (const definition of DASHBOARDS) {
    const built = definition.build() as unknown as { title: string; panels: Panel[] };
    const panels: PanelResult[] = [];
    for (const panel of built.panels) {
      const rawSql = panel.targets?.[0]?.rawSql;
      if (rawSql === undefined) continue;
      const kind = panel.type === "timeseries" ? "timeseries" : "table";
      const base = {
        title: expandMacros(panel.title, { ...range, intervalSeconds, variables }),
        description: panel.description ?? "",
        kind,
      } as const;
      try {
        const result = await client.query({
          query: expandMacros(rawSql, { ...range, intervalSeconds, variables }),
          format: "JSONCompactEachRowWithNamesAndTypes",
        });
        const [names = [], types = [], ...rows] = await result.json<unknown[]>();
        panels.push({ ...base, columns: names as string[], types: types as string[], rows: rows.slice(0, MAX_ROWS) });
      } catch (error) {
        panels.push({
          ...base,
          columns: [],
          types: [],
          rows: [],
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    results.push({ id: definition.id, title: built.title, panels });
  }
  return results;
}

function niceInterval(seconds: number): number {
  for (const step of [60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400]) if (seconds <= step) return step;
  return 86400;
}
