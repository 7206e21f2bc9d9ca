import { once } from "node:events";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { stringify } from "yaml";
import { hmacHex } from "../../../actions/request-auth.js";
import type { SshdFleet, SshdHost } from "../../../scripts/sshd/sshd-hosts.js";
import { startTestFleet } from "../../helpers/ssh-fleet.js";
import { compromisedAccountAlert } from "../../helpers/vigil-alert.js";
import { startVigil, tempDir, vigil } from "../../helpers/vigil-cli.js";

const TOKEN = "test-token-0123456789";
const SECRET = "test-hmac-secret";
const env = { VIGIL_WEBHOOK_TOKEN: TOKEN, VIGIL_WEBHOOK_HMAC_SECRET: SECRET };

let dir: string;
let fleet: SshdFleet;
let serve: ReturnType<typeof startVigil>;
let url: string;
let configPath: string;
const host = (name: string) => fleet.hosts.find((candidate) => candidate.name === name) as SshdHost;

beforeAll(async () => {
  dir = tempDir("serve");
  fleet = await startTestFleet(join(dir, "fleet"), 30);
  mkdirSync(join(host("mail-1").root, "etc", "dovecot"), { recursive: true });
  // Stand-ins for the server's own lock and block commands: they record the argv they got, one per line.
  for (const name of ["record-lock", "record-block"]) {
    writeFileSync(join(dir, name), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${join(dir, name)}.log"\n`);
    chmodSync(join(dir, name), 0o755);
  }
  writeFileSync(
    join(dir, "rules.yml"),
    stringify({
      rules: [
        {
          name: "lock-compromised",
          match: { kind: "compromised-account" },
          remediation: "lock-account",
          group: "mail",
          params: { user: "{subject}", preset: "dovecot-deny" },
          mode: "auto",
        },
        {
          name: "grafana-lock",
          match: { kind: "CompromisedAccount", source: "grafana" },
          remediation: "lock-account",
          group: "mail",
          params: { user: "{labels.user}", preset: "command", command: [join(dir, "record-lock"), "{user}"] },
          mode: "auto",
        },
        {
          name: "block-brute-force",
          match: { kind: "BruteForce", labels: { severity: "critical" } },
          remediation: "block-ip",
          group: "mail",
          params: {
            ip: "{labels.ip}",
            preset: "command",
            command: [join(dir, "record-block"), "{ip}"],
            undoCommand: [join(dir, "record-block"), "del", "{ip}"],
            expiry: "1h",
          },
          mode: "approve",
        },
      ],
      limits: { perHour: { "block-ip": 2 } },
      allowlist: { users: ["postmaster@example.com"] },
    }),
  );
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  configPath = join(dir, "vigil.yaml");
  writeFileSync(
    configPath,
    stringify({
      data: join(dir, "data"),
      actions: {
        inventory: fleet.inventory,
        knownHosts: fleet.knownHosts,
        rules: join(dir, "rules.yml"),
        timeoutSeconds: 30,
        serve: { listen: `127.0.0.1:${port}` },
      },
    }),
  );
  serve = startVigil(["serve", "--config", configPath], { env });
  const deadline = Date.now() + 30_000;
  while (
    !(await fetch(`${url}/healthz`)
      .then((r) => r.ok)
      .catch(() => false))
  ) {
    if (Date.now() > deadline || serve.exitCode !== null)
      throw new Error(`vigil serve did not start:\n${serve.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 90_000);

afterAll(async () => {
  if (serve !== undefined && serve.exitCode === null) {
    serve.kill("SIGTERM");
    await once(serve, "exit");
  }
  await fleet?.stop();
});

type Decision = { id: string; rule: string; state: string; result: string };

function grafanaPayload(alerts: { labels: Record<string, string>; status?: "firing" | "resolved" }[]) {
  return JSON.stringify({
    receiver: "vigil",
    status: "firing",
    alerts: alerts.map((alert, index) => ({
      status: alert.status ?? "firing",
      labels: alert.labels,
      annotations: { summary: "from the test" },
      startsAt: "2026-12-02T08:00:00Z",
      fingerprint: `fp-${Date.now()}-${index}`,
    })),
  });
}

async function post(path: string, body: string, headers: Record<string, string>) {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
  return { status: response.status, body: (await response.json()) as { decisions?: Decision[]; error?: string } };
}

const signed = (body: string) => ({ "X-Grafana-Alerting-Signature": hmacHex(SECRET, body) });
const bearer = { authorization: `Bearer ${TOKEN}` };
const lockLog = () =>
  existsSync(join(dir, "record-lock.log")) ? readFileSync(join(dir, "record-lock.log"), "utf8") : "";
const blockLog = () =>
  existsSync(join(dir, "record-block.log")) ? readFileSync(join(dir, "record-block.log"), "utf8") : "";

describe("vigil serve: alerts to actions", () => {
  test("a webhook with a bad signature, a wrong token or none is refused (401) and runs nothing; a huge body is refused (413)", async () => {
    const body = grafanaPayload([{ labels: { alertname: "CompromisedAccount", user: "bob@example.com" } }]);
    expect(
      (await post("/hooks/grafana", body, { "X-Grafana-Alerting-Signature": hmacHex("wrong-secret", body) })).status,
    ).toBe(401);
    expect(
      (await post("/hooks/grafana", body, { "X-Vigil-Signature": `sha256=${hmacHex(SECRET, `${body} `)}` })).status,
    ).toBe(401);
    expect((await post("/hooks/grafana", body, { authorization: "Bearer not-the-token" })).status).toBe(401);
    expect((await post("/hooks/grafana", body, {})).status).toBe(401);
    expect((await post("/hooks/grafana", "x".repeat(2_000_000), bearer)).status).toBe(413);
    expect(lockLog()).toBe("");
  });

  test("user names like `x;touch FILE`, `$(touch FILE)` and backticks reach the server as one argument each and execute nothing", async () => {
    const pwned = [join(dir, "pwned-1"), join(dir, "pwned-2"), join(dir, "pwned-3")];
    const users = [`x;touch ${pwned[0]}`, `$(touch ${pwned[1]})`, `\`touch ${pwned[2]}\`' "`];
    const body = grafanaPayload(users.map((user) => ({ labels: { alertname: "CompromisedAccount", user } })));
    const reply = await post("/hooks/grafana", body, signed(body));
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.decisions?.map((decision) => decision.state)).toEqual(["run", "run", "run"]);
    expect(lockLog()).toBe(users.map((user) => `${user}\n`).join(""));
    for (const file of pwned) expect(existsSync(file)).toBe(false);
  }, 60_000);

  test("Vigil's own alert locks the account in the Dovecot deny file, literally; an allowlisted user and a resolved alert do nothing", async () => {
    const reply = await post(
      "/hooks/vigil",
      JSON.stringify([compromisedAccountAlert("$(id)"), compromisedAccountAlert("postmaster@example.com")]),
      bearer,
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.decisions?.map((decision) => decision.state)).toEqual(["run", "refused"]);
    expect(reply.body.decisions?.[1]?.result).toContain("allowlisted");
    expect(readFileSync(join(host("mail-1").root, "etc", "dovecot", "deny-users"), "utf8")).toBe("$(id)\n");

    const resolved = grafanaPayload([
      { labels: { alertname: "CompromisedAccount", user: "carol@example.com" }, status: "resolved" },
    ]);
    const ignored = await post("/hooks/grafana", resolved, signed(resolved));
    expect(ignored.body.decisions?.map((decision) => decision.state)).toEqual(["ignored"]);
    expect(lockLog()).not.toContain("carol");
  }, 60_000);

  test("approve mode proposes; `vigil actions approve ID` runs it once; the hourly limit refuses the third; a repeat is ignored", async () => {
    const brute = (ip: string) => grafanaPayload([{ labels: { alertname: "BruteForce", severity: "critical", ip } }]);
    const sendBrute = (ip: string) => {
      const body = brute(ip);
      return post("/hooks/grafana", body, signed(body));
    };
    const first = await sendBrute("203.0.113.50");
    const proposal = first.body.decisions?.[0];
    expect(proposal?.state).toBe("proposed");
    expect(blockLog()).toBe("");
    // The embedded store is held by vigil serve: the CLI asks it over HTTP, with the token.
    const approved = await vigil(["actions", "approve", proposal?.id as string, "--config", configPath], { env });
    expect(approved.code, approved.stdout + approved.stderr).toBe(0);
    expect(approved.stdout).toContain(": run:");
    expect(blockLog()).toBe("203.0.113.50\n");
    const twice = await vigil(["actions", "approve", proposal?.id as string, "--config", configPath], { env });
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toContain("already run");
    expect(blockLog()).toBe("203.0.113.50\n");

    const repeat = await sendBrute("203.0.113.50");
    expect(repeat.body.decisions?.[0]?.state).toBe("ignored");
    const second = await sendBrute("203.0.113.51");
    expect(second.body.decisions?.[0]?.state).toBe("proposed");
    const third = await sendBrute("203.0.113.52");
    expect(third.body.decisions?.[0]?.state).toBe("refused");
    expect(third.body.decisions?.[0]?.result).toContain("limit reached");
    // A label that does not match the rule (severity) starts nothing at all.
    const low = grafanaPayload([{ labels: { alertname: "BruteForce", severity: "warning", ip: "203.0.113.60" } }]);
    expect((await post("/hooks/grafana", low, signed(low))).body.decisions).toEqual([]);
  }, 60_000);

  test("the audit trail holds every decision, with who and what; vigil actions list shows it", async () => {
    const listed = await vigil(["actions", "list", "--config", configPath, "--format", "json"], { env });
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout) as {
      state: string;
      actor: string;
      remediation: string;
      params: Record<string, unknown>;
    }[];
    const states = rows.map((row) => row.state).sort();
    expect(states.filter((state) => state === "run")).toHaveLength(5);
    expect(states).toContain("refused");
    expect(states).toContain("ignored");
    expect(states).toContain("proposed");
    const approvedRow = rows.find((row) => row.remediation === "block-ip" && row.state === "run");
    expect(approvedRow?.actor).toMatch(/^approve:/);
    expect(approvedRow?.params.ip).toBe("203.0.113.50");
  }, 30_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
