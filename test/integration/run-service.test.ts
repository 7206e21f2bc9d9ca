import { once } from "node:events";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { startVigil, tempDir, vigil } from "../helpers/vigil-cli.js";

const login = (user: string, ip: string, second: number) =>
  `Nov 24 10:00:${String(second).padStart(2, "0")} mx1 dovecot: imap-login: Login: user=<${user}>, method=PLAIN, rip=${ip}, lip=192.0.2.1\n`;

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("vigil run as a service", () => {
  test("serves /metrics and /healthz, prints alerts as they fire, and exits 0 on SIGTERM", async () => {
    const dir = tempDir("service");
    const log = join(dir, "maillog");
    writeFileSync(log, login("ann@example.com", "203.0.113.9", 1));
    const config = join(dir, "vigil.yaml");
    writeFileSync(
      config,
      `data: ${join(dir, "data")}\nsources:\n  - path: ${log}\ntail: { pollInterval: 50ms, flushInterval: 200ms }\n`,
    );
    const run = startVigil(["run", "--config", config, "--metrics-port", "0"]);
    const port = await waitFor(
      () => /metrics on http:\/\/127\.0\.0\.1:(\d+)\//.exec(run.output())?.[1],
      "the metrics address",
    );
    // Thirty networks of many countries within a minute: the account is taken over.
    for (let i = 0; i < 30; i++)
      appendFileSync(log, login("victim@example.com", `${20 + i * 7}.${i + 1}.${i * 3}.9`, 2 + i));
    await waitFor(() => (run.output().includes("ALERT compromised-account") ? true : undefined), "an alert");
    expect(run.output()).toContain("victim@example.com is likely compromised");
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/vigil_ingest_lines_total\{kind="mail"\} 31/);
    expect(metrics).toMatch(/vigil_alerts_total\{kind="compromised-account"\} [1-9]/);
    expect(metrics).not.toContain("victim");
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    run.kill("SIGTERM");
    const [code] = (await once(run, "exit")) as [number | null];
    expect(code, run.output()).toBe(0);
    const top = await vigil(["top", "accounts", "--format", "json", "--data", join(dir, "data")]);
    expect(JSON.parse(top.stdout.split("\n")[0] ?? "{}")).toMatchObject({ user: "victim@example.com", networks: 30 });
  }, 120_000);
});
