import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { describe, expect, test } from "vitest";
import { DASHBOARDS } from "../../dashboards/registry.js";
import { renderPanelLayoutHtml } from "../../report/render-panel-layout.js";
import { repoRoot, tempDir, vigil } from "../helpers/vigil-cli.js";

/**
 * `vigil report` over the demo's data, opened in headless Chromium (Debian's
 * chromium, started here with its network cut: every request that is not the
 * file itself is refused and counted): every chart renders, the console stays
 * clean, and screenshots are kept in test-artifacts/.
 */
const CHROMIUM = "/usr/bin/chromium";

describe("vigil report", () => {
  test("one self-contained HTML file that renders every chart offline without console errors", async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
    const data = tempDir("report");
    const demo = await vigil(["demo", "--data", data]);
    expect(demo.code, demo.stderr).toBe(0);
    const out = join(data, "report.html");
    const run = await vigil(["report", "--data", data, "--since", "all", "--out", out]);
    expect(run.code, run.stderr).toBe(0);
    const html = readFileSync(out, "utf8");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/[^"'\s]*\.(js|css)/);
    for (const definition of DASHBOARDS) expect(html).toContain(`<section id="${definition.id}">`);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",
      ],
    });
    const problems: string[] = [];
    const outside: string[] = [];
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(error.message));
      await page.route("**/*", (route) => {
        if (route.request().url().startsWith("file:")) return route.continue();
        outside.push(route.request().url());
        return route.abort();
      });
      await page.goto(`file://${out}`);
      const charts = await page.locator(".chart").count();
      expect(charts).toBeGreaterThanOrEqual(4);
      await page.waitForFunction(
        (count) => (globalThis as unknown as { vigilChartsRendered: number }).vigilChartsRendered === count,
        charts,
      );
      expect(await page.locator(".chart canvas").count()).toBeGreaterThanOrEqual(charts);
      // The compromised accounts table is filled.
      expect(await page.locator("#mail-compromised-accounts table tbody tr").count()).toBeGreaterThanOrEqual(10);
      const artifacts = join(repoRoot, "test-artifacts");
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, "report.png"), fullPage: true });
      for (const definition of DASHBOARDS) {
        await page.locator(`#${definition.id}`).screenshot({ path: join(artifacts, `report-${definition.id}.png`) });
      }
      // Each dashboard's panel list, laid out as Grafana would (README's pictures of the dashboards).
      for (const definition of DASHBOARDS) {
        const layout = join(data, `${definition.id}-panels.html`);
        writeFileSync(layout, renderPanelLayoutHtml(definition.build() as never));
        await page.goto(`file://${layout}`);
        await page.screenshot({ path: join(artifacts, `dashboard-${definition.id}.png`), fullPage: true });
      }
    } finally {
      await browser.close();
    }
    expect(problems).toEqual([]);
    expect(outside).toEqual([]);
  }, 180_000);
});
