import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { DashboardResult, PanelResult } from "./collect-panels.js";

/**
 * One self-contained HTML file: Apache ECharts inlined (it opens offline and
 * can be mailed), the data as JSON, tables rendered here (escaped), charts
 * drawn in the page. No request leaves the file.
 */
export function renderReportHtml(report: {
  title: string;
  generatedAt: string;
  range: string;
  dashboards: DashboardResult[];
}): string {
  const echarts = readFileSync(createRequire(import.meta.url).resolve("echarts/dist/echarts.min.js"), "utf8");
  const charts: { id: string; panel: PanelResult }[] = [];
  const sections = report.dashboards
    .map((dashboard) => {
      const panels = dashboard.panels
        .map((panel, index) => {
          const id = `${dashboard.id}-${index}`;
          const head = `<h3>${escapeHtml(panel.title)}</h3>${panel.description === "" ? "" : `<p class="description">${escapeHtml(panel.description)}</p>`}`;
          if (panel.error !== undefined)
            return `<div class="panel">${head}<p class="error">${escapeHtml(panel.error)}</p></div>`;
          if (panel.rows.length === 0)
            return `<div class="panel">${head}<p class="empty">no data in this range</p></div>`;
          if (panel.kind === "timeseries") {
            charts.push({ id, panel });
            return `<div class="panel">${head}<div class="chart" id="chart-${id}"></div></div>`;
          }
          return `<div class="panel wide">${head}${renderTable(panel)}</div>`;
        })
        .join("\n");
      return `<section id="${dashboard.id}"><h2>${escapeHtml(dashboard.title)}</h2><div class="panels">${panels}</div></section>`;
    })
    .join("\n");
  const data = JSON.stringify(charts.map(({ id, panel }) => ({ id, series: toSeries(panel) }))).replaceAll(
    "</",
    "<\\/",
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(report.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; background: #111217; color: #d8d9da; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #333; padding-bottom: .3rem; margin-top: 2rem; }
h3 { font-size: .95rem; margin: 0 0 .4rem; } .description { font-size: .8rem; color: #9fa3a8; margin: 0 0 .4rem; }
.panels { display: flex; flex-wrap: wrap; gap: 1rem; } .panel { background: #181b1f; border: 1px solid #2a2d32; padding: .8rem; flex: 1 1 45%; min-width: 420px; }
.panel.wide { flex-basis: 100%; } .chart { height: 260px; } .empty { color: #777; } .error { color: #f2495c; }
table { border-collapse: collapse; font-size: .78rem; width: 100%; } th, td { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid #2a2d32; }
th { color: #9fa3a8; } .scroll { max-height: 360px; overflow: auto; }
</style></head><body>
<h1>${escapeHtml(report.title)}</h1><p>${escapeHtml(report.range)} &middot; generated ${escapeHtml(report.generatedAt)}</p>
${sections}
<script>${echarts}</script>
<script id="chart-data" type="application/json">${data}</script>
<script>
const charts = JSON.parse(document.getElementById("chart-data").textContent);
window.vigilChartsRendered = 0;
for (const chart of charts) {
  const element = document.getElementById("chart-" + chart.id);
  const instance = echarts.init(element, "dark", { renderer: "canvas" });
  instance.setOption({
    backgroundColor: "transparent",
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", top: 0 },
    grid: { left: 50, right: 20, top: 30, bottom: 30 },
    xAxis: { type: "time" },
    yAxis: { type: "value" },
    series: chart.series.map((s) => ({ name: s.name, type: "line", showSymbol: false, data: s.points })),
  });
  window.vigilChartsRendered += 1;
}
</script>
</body></html>
`;
}

/** Time series from rows: a time column, numeric columns, and string columns that name the series (Grafana's long format). */
function toSeries(panel: PanelResult): { name: string; points: [number, number][] }[] {
  const timeIndex = panel.columns.indexOf("time");
  const numeric = panel.types
    .map((type, index) => (index !== timeIndex && /Int|Float|Decimal/.test(type) ? index : -1))
    .filter((index) => index >= 0);
  const labels = panel.types
    .map((type, index) => (index !== timeIndex && /String/.test(type) ? index : -1))
    .filter((index) => index >= 0);
  const series = new Map<string, [number, number][]>();
  for (const row of panel.rows) {
    const time = Date.parse(`${String(row[timeIndex]).replace(" ", "T")}Z`);
    const label = labels.map((index) => String(row[index])).join(" ");
    for (const index of numeric) {
      const name = [label, numeric.length > 1 || label === "" ? panel.columns[index] : ""]
        .filter((part) => part !== "")
        .join(" ");
      const points = series.get(name) ?? [];
      points.push([time, Number(row[index])]);
      series.set(name, points);
    }
  }
  return [...series].slice(0, 30).map(([name, points]) => ({ name, points }));
}

function renderTable(panel: PanelResult): string {
  const head = panel.columns.map((column) => `<th>${escapeHtml(column)}</th>`).join("");
  const body = panel.rows
    .map(
      (row) =>
        `<tr>${row.map((cell) => `<td>${escapeHtml(Array.isArray(cell) ? cell.join(" ") : String(cell))}</td>`).join("")}</tr>`,
    )
    .join("\n");
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
