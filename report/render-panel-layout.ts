import { escapeHtml } from "./render-html.js";

type LaidOutPanel = {
  title: string;
  type: string;
  description?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
};

/**
 * A dashboard's panel list drawn as Grafana lays it out (24 columns, rows of
 * 30 px), with each panel's type and description: what the README shows of
 * each dashboard, since Grafana itself cannot run here.
 */
export function renderPanelLayoutHtml(dashboard: {
  title: string;
  panels: LaidOutPanel[];
  templating?: { list: { name: string }[] };
}): string {
  const unit = 50;
  const rowHeight = 30;
  const boxes = dashboard.panels
    .map((panel) => {
      const grid = panel.gridPos ?? { x: 0, y: 0, w: 12, h: 8 };
      return `<div class="box" style="left:${grid.x * unit}px;top:${grid.y * rowHeight}px;width:${grid.w * unit - 8}px;height:${grid.h * rowHeight - 8}px">
<div class="title">${escapeHtml(panel.title)}</div><div class="type">${escapeHtml(panel.type)}</div>${panel.description === undefined ? "" : `<div class="description">${escapeHtml(panel.description)}</div>`}</div>`;
    })
    .join("\n");
  const height = Math.max(
    ...dashboard.panels.map((panel) => ((panel.gridPos?.y ?? 0) + (panel.gridPos?.h ?? 8)) * rowHeight),
  );
  const variables = (dashboard.templating?.list ?? [])
    .map((variable) => `<span class="variable">$${escapeHtml(variable.name)}</span>`)
    .join(" ");
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 0; padding: 16px; background: #111217; color: #d8d9da; font-family: system-ui, sans-serif; width: ${24 * unit}px; }
h1 { font-size: 18px; margin: 0 0 8px; } .variable { background: #22252b; border: 1px solid #34373d; padding: 2px 8px; margin-right: 6px; font-size: 13px; }
.grid { position: relative; margin-top: 12px; height: ${height}px; } .box { position: absolute; background: #181b1f; border: 1px solid #2a2d32; padding: 8px; box-sizing: border-box; }
.title { font-weight: 600; font-size: 14px; } .type { color: #6e9fff; font-size: 12px; margin-top: 4px; } .description { color: #9fa3a8; font-size: 12px; margin-top: 6px; }
</style></head><body><h1>${escapeHtml(dashboard.title)}</h1><div>${variables}</div><div class="grid">${boxes}</div></body></html>`;
}
