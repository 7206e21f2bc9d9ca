import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { exitOf, startVigil, tempDir, vigil } from "../helpers/vigil-cli.js";

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
    expect(await exitOf(run), run.output()).toBe(0);
    const top = await vigil(["top", "accounts", "--format", "json", "--data", join(dir, "data")]);
    expect(JSON.parse(top.stdout.split("\n")[0] ?? "{}")).toMatchObject({
      user: "victim@example.com",
      networks: 30,
      first_seen: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
      last_seen: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
    });
  }, 120_000);

  test("with actions.rules, its own alerts go to the rules on the embedded bus and land in the audit", async () => {
    const dir = tempDir("service-actions");
    const log = join(dir, "maillog");
    writeFileSync(log, login("ann@example.com", "203.0.113.9", 1));
    writeFileSync(join(dir, "inventory.yml"), "mail:\n  hosts:\n    mail-1: { ansible_host: 192.0.2.25 }\n");
    writeFileSync(
      join(dir, "rules.yml"),
      "rules:\n  - name: lock-compromised\n    match: { kind: compromised-account }\n    remediation: lock-account\n    group: mail\n    params: { user: '{subject}' }\n    mode: notify\n",
    );
    const config = join(dir, "vigil.yaml");
    writeFileSync(
      config,
      `data: ${join(dir, "data")}\nsources:\n  - path: ${log}\ntail: { pollInterval: 50ms, flushInterval: 200ms }\n` +
        `actions:\n  inventory: ${join(dir, "inventory.yml")}\n  rules: ${join(dir, "rules.yml")}\n  serve: { listen: "127.0.0.1:0" }\n`,
    );
    const run = startVigil(["run", "--config", config], { env: { VIGIL_WEBHOOK_TOKEN: "t" } });
    await waitFor(() => (run.output().includes("webhooks and approvals on") ? true : undefined), "the action service");
    for (let i = 0; i < 30; i++)
      appendFileSync(log, login("victim@example.com", `${20 + i * 7}.${i + 1}.${i * 3}.9`, 2 + i));
    await waitFor(() => (run.output().includes("notified: lock-account") ? true : undefined), "the rule's decision");
    expect(run.output()).toContain(
      'notified: lock-account for "victim@example.com" (rule lock-compromised): would run lock-account on mail-1',
    );
    run.kill("SIGTERM");
    expect(await exitOf(run), run.output()).toBe(0);
    const listed = await vigil(["actions", "list", "--format", "json", "--data", join(dir, "data")]);
    const rows = JSON.parse(listed.stdout) as {
      state: string;
      remediation: string;
      params: { user: string };
      actor: string;
    }[];
    // One alert per window and level fires for the account: the first is acted on (here: notified), the rest are repeats.
    const notified = rows.filter((row) => row.state === "notified");
    expect(notified).toEqual([
      expect.objectContaining({
        remediation: "lock-account",
        params: { user: "victim@example.com" },
        actor: "rule:lock-compromised",
      }),
    ]);
    expect(rows.every((row) => row.state === "notified" || row.state === "ignored")).toBe(true);
  }, 120_000);
});
