import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ClickHouseClient } from "@clickhouse/client";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { ALERT_RULES } from "../../dashboards/alert-rules.js";
import { expandMacros } from "../../dashboards/expand-macros.js";
import { dashboardJson, provisioningFiles } from "../../dashboards/provisioning-files.js";
import { DASHBOARDS } from "../../dashboards/registry.js";
import { createMetrics } from "../../runtime/metrics.js";
import { createShipMetrics } from "../../runtime/ship-metrics.js";
import { createStageMetrics } from "../../runtime/stage-metrics.js";
import { createStoreClient } from "../../store/create-store-client.js";
import { repoRoot, tempDir, vigil } from "../helpers/vigil-cli.js";

/**
 * Every panel's, variable's, annotation's and alert rule's query, run on
 * chDB over the migrated schema filled by `vigil demo`, with the macros and
 * variables expanded as grafana-clickhouse-datasource and Grafana do
 * (dashboards/expand-macros.ts documents the rules, from the plugin's
 * pkg/macros/macros.go). Prometheus queries are checked against the metric
 * names Vigil's registries expose.
 */
let data: string;
let client: ClickHouseClient;
let range: { from: number; to: number };
let flagged: string[];

beforeAll(async () => {
  data = tempDir("dashboards");
  const demo = await vigil(["demo", "--data", data]);
  expect(demo.code, demo.stderr).toBe(0);
  // The suspicious accounts the demo printed: the ground truth says they are exactly the compromised ones.
  expect(demo.stdout).toMatch(
    /(\d+) of \1 compromised accounts flagged, 0 of \d+ roaming smartphones flagged, 0 other accounts flagged/,
  );
  const table = demo.stdout.slice(
    demo.stdout.indexOf("Suspicious accounts"),
    demo.stdout.indexOf("Against the generated ground truth"),
  );
  flagged = table
    .split("\n")
    .slice(3)
    .map((line) => line.split(/\s+/)[0] ?? "")
    .filter((user) => user.includes("@"));
  client = createStoreClient({ dataDir: data });
  const [bounds] = await (
    await client.query({
      query: "SELECT toUnixTimestamp(min(ts)) AS from, toUnixTimestamp(max(ts)) + 1 AS to FROM mail_auth_events",
      format: "JSONEachRow",
    })
  ).json<{ from: number; to: number }>();
  range = { from: Number(bounds?.from), to: Number(bounds?.to) };
}, 180_000);

afterAll(async () => {
  await client?.close();
});

const INTERVAL_SECONDS = 60;

const expand = (rawSql: string, variables: Record<string, string>) =>
  expandMacros(rawSql, { fromSeconds: range.from, toSeconds: range.to, intervalSeconds: INTERVAL_SECONDS, variables });

async function run(rawSql: string, variables: Record<string, string>) {
  const result = await client.query({
    query: expand(rawSql, variables),
    format: "JSONCompactEachRowWithNamesAndTypes",
  });
  const [names = [], types = [], ...rows] = await result.json<unknown[]>();
  return { names: names as string[], types: types as string[], rows };
}

type Target = { refId: string; rawSql?: string; expr?: string; queryType?: string };
type Panel = { title: string; type: string; targets?: Target[] };

const exposedMetrics = async () => {
  const registry = new Registry();
  createMetrics(registry);
  createStageMetrics(registry);
  createShipMetrics(registry);
  return (await registry.getMetricsAsJSON()).map((metric) => metric.name);
};

describe.each(DASHBOARDS.map((definition) => [definition.id, definition] as const))(
  "dashboard %s",
  (id, definition) => {
    const built = definition.build() as unknown as {
      panels: Panel[];
      templating?: { list: { name: string; query?: unknown; type: string }[] };
      annotations?: { list: { name: string; target?: Target }[] };
    };

    test("generated/ holds exactly what the code builds (npm run dashboards:build)", () => {
      expect(readFileSync(join(repoRoot, "dashboards", "generated", `${id}.json`), "utf8")).toBe(
        dashboardJson(definition.build()),
      );
    });

    test("every panel's query runs on chDB and returns the columns its panel type needs", async () => {
      const metrics = await exposedMetrics();
      const variables = { ...definition.testVariables, user: flagged[0] ?? "" };
      for (const panel of built.panels) {
        for (const target of panel.targets ?? []) {
          if (target.expr !== undefined) {
            for (const name of target.expr.match(/vigil_[a-z_]+/g) ?? []) {
              expect(metrics, `${panel.title}: ${name}`).toContain(name.replace(/_(bucket|sum|count)$/, ""));
            }
            continue;
          }
          const { names, types } = await run(target.rawSql as string, variables);
          if (panel.type === "timeseries") {
            expect(names[0], panel.title).toBe("time");
            expect(types[0], panel.title).toMatch(/^DateTime/);
            expect(
              types.slice(1).some((type) => /Int|Float|Decimal/.test(type)),
              `${panel.title}: a numeric column`,
            ).toBe(true);
          } else {
            expect(names.length, panel.title).toBeGreaterThan(0);
          }
        }
      }
      for (const variable of built.templating?.list ?? []) {
        if (variable.type === "query") expect((await run(String(variable.query), variables)).names.length).toBe(1);
      }
      for (const annotation of built.annotations?.list ?? []) {
        if (annotation.target?.rawSql === undefined) continue;
        const { names, types } = await run(annotation.target.rawSql, variables);
        expect(names.slice(0, 2), annotation.name).toEqual(["time", "text"]);
        expect(types[0]).toMatch(/^DateTime/);
      }
    }, 60_000);
  },
);

describe("the key panels show what the demo data implies", () => {
  const panel = (dashboard: string, title: string) => {
    const built = DASHBOARDS.find((definition) => definition.id === dashboard)?.build() as unknown as {
      panels: Panel[];
    };
    return built.panels.find((candidate) => candidate.title.startsWith(title)) as Panel;
  };

  test("the compromised accounts are on top of the spam dashboard, and every one has an open alert", async () => {
    expect(flagged.length).toBeGreaterThanOrEqual(10);
    const accounts = await run(
      panel("mail-compromised-accounts", "Accounts by distinct networks").targets?.[0]?.rawSql as string,
      { min_networks: "8" },
    );
    const top = accounts.rows.slice(0, flagged.length).map((row) => (row as string[])[0]);
    expect(new Set(top)).toEqual(new Set(flagged));
    const alerts = await run(panel("mail-compromised-accounts", "Open alerts").targets?.[0]?.rawSql as string, {});
    expect(new Set(alerts.rows.map((row) => (row as string[])[0]))).toEqual(new Set(flagged));
    const logins = await run(
      panel("mail-compromised-accounts", "Logins and authentication failures").targets?.[0]?.rawSql as string,
      {},
    );
    expect(logins.rows.length).toBeGreaterThan(24);
  });

  test("an account's history lists every address it used", async () => {
    const user = flagged[0] as string;
    const history = await run(panel("account-history", "Every address").targets?.[0]?.rawSql as string, { user });
    const [{ ips }] = (await (
      await client.query({
        query: "SELECT toUInt32(count()) AS ips FROM account_ip_history FINAL WHERE user = {user:String}",
        query_params: { user },
        format: "JSONEachRow",
      })
    ).json<{ ips: number }>()) as [{ ips: number }];
    expect(history.rows.length).toBe(ips);
    expect(history.rows.length).toBeGreaterThan(50);
    // A name with a quote stays data.
    expect(
      (
        await run(panel("account-history", "Every address").targets?.[0]?.rawSql as string, {
          user: "o'brien'; DROP TABLE alerts; --",
        })
      ).rows,
    ).toEqual([]);
  });
});

describe("provisioning", () => {
  test("the committed provisioning files are what the code writes, and every alert rule's query runs", async () => {
    const files = provisioningFiles();
    for (const [path, text] of Object.entries(files)) {
      if (path.startsWith("dashboards/json/")) continue;
      expect(readFileSync(join(repoRoot, "dashboards", "provisioning", path), "utf8"), path).toBe(text);
    }
    const committed = readdirSync(join(repoRoot, "dashboards", "provisioning"), { recursive: true }).filter((name) =>
      String(name).endsWith(".yaml"),
    );
    expect(committed.length).toBe(Object.keys(files).filter((path) => !path.startsWith("dashboards/json/")).length);
    const rules = parseYaml(files["alerting/vigil-rules.yaml"] as string) as {
      groups: { rules: { data: { model: { rawSql?: string } }[] }[] }[];
    };
    const queries = rules.groups.flatMap((group) => group.rules.map((rule) => rule.data[0]?.model.rawSql as string));
    expect(queries.length).toBe(ALERT_RULES.length);
    for (const query of queries) {
      const { names } = await run(query, {});
      expect(names).toContain("value");
    }
  });
});
