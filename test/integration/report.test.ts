import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { describe, expect, test } from "vitest";
import { DASHBOARDS } from "../../dashboards/registry.js";
import { renderPanelLayoutHtml } from "../../report/render-panel-layout.js";
import { waitFor } from "../helpers/scaled-out.js";
import { exitOf, repoRoot, startVigil, tempDir, vigil } from "../helpers/vigil-cli.js";

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

  test("vigil grafana provision writes a ready provisioning folder; vigil top live refreshes until stopped", async () => {
    const out = tempDir("provision");
    const provision = await vigil([
      "grafana",
      "provision",
      "--out",
      out,
      "--vigil-url",
      "http://vigil.example.net:9466",
    ]);
    expect(provision.code, provision.stderr).toBe(0);
    const contact = readFileSync(join(out, "alerting", "vigil-contact-point.yaml"), "utf8");
    expect(contact).toContain("url: http://vigil.example.net:9466/hooks/grafana");
    expect(contact).toContain("$__env{VIGIL_WEBHOOK_TOKEN}");
    expect(readFileSync(join(out, "dashboards", "vigil.yaml"), "utf8")).toContain(
      `path: ${join(out, "dashboards", "json")}`,
    );
    for (const definition of DASHBOARDS)
      expect(existsSync(join(out, "dashboards", "json", `${definition.id}.json`))).toBe(true);

    const data = tempDir("top-live");
    expect((await vigil(["demo", "--data", data, "--users", "300"])).code).toBe(0);
    const live = startVigil(["top", "live", "--data", data, "--every", "1", "--since", "all"]);
    await waitFor(() => live.output().split("Top accounts by distinct networks").length > 2, "two refreshes", 30_000);
    live.kill("SIGINT");
    const code = await exitOf(live);
    expect(code).toBe(0);
    expect(live.output()).toContain("Outbound destinations of the web servers");
  }, 120_000);
});
