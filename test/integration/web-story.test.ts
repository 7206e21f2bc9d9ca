import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { stringify } from "yaml";
import { type SshdFleet, startSshdFleet } from "../../scripts/sshd/sshd-hosts.js";
import { type NetnsWebServer, startNetnsWebServer } from "../helpers/netns-web-server.js";
import { waitFor } from "../helpers/scaled-out.js";
import { exitOf, startVigil, tempDir, vigil } from "../helpers/vigil-cli.js";

/**
 * The web story, replayed with real parts: a site moved to a new web server
 * (Apache in its own network namespace) has sporadic slow pages, because its
 * page fetches its own domain, which that server still resolves to the OLD
 * host (slow, on the other side of a veth pair). `vigil run` tails Apache's
 * real access log and samples the server's real sockets and resolver; it must
 * say "own domain leaves the host" with the latency link and propose
 * pin-domain; `vigil actions pin-domain` over SSH (an sshd in the same
 * namespace) fixes it; the connections stop and the p99 drops, and
 * `vigil outbound` shows both.
 */
const DOMAIN = "shop.test";
const OLD_HOST_DELAY_MS = 800;
let dir: string;
let server: NetnsWebServer;
let fleet: SshdFleet;
const backupExisted = existsSync("/etc/hosts.vigil-backup");

beforeAll(async () => {
  dir = tempDir("web-story");
  chmodSync(dir, 0o755);
  server = await startNetnsWebServer({ dir: join(dir, "web1"), domain: DOMAIN, oldHostDelayMs: OLD_HOST_DELAY_MS });
  fleet = await startSshdFleet({
    dir: join(dir, "fleet"),
    hosts: [{ name: "web1", groups: ["web"], address: server.serverAddress, port: 2222, netns: server.netns }],
    hostVars: () => ({ vigil_hosts_file: "/etc/hosts" }),
  });
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  await server?.stop();
  // pin-domain inside the namespace leaves its backup beside the (bound) /etc/hosts.
  if (!backupExisted) rmSync("/etc/hosts.vigil-backup", { force: true });
});

async function load(requests: number, parallel: number): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      next += 1;
      const started = Date.now();
      const response = await fetch(`http://${server.serverAddress}:${server.port}/cgi-bin/page`, {
        headers: { host: DOMAIN },
      });
      await response.text();
      times.push(Date.now() - started);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return times;
}

describe("the web story: a site whose own domain still resolves to the old host", () => {
  test("Vigil sees it from the evidence, says it in those words with numbers, and pin-domain fixes it", async () => {
    const config = join(dir, "vigil.yaml");
    writeFileSync(
      config,
      stringify({
        data: join(dir, "data"),
        sources: [{ path: server.accessLog, kind: "apache-access", format: server.logFormat, host: "web1" }],
        web: {
          host: "web1",
          group: "web",
          sites: [{ domain: DOMAIN }],
          sampler: { interval: "150ms", command: ["ip", "netns", "exec", server.netns, "ss", "-tanpeH"] },
          resolver: { interval: "1s", command: ["ip", "netns", "exec", server.netns, "getent", "ahosts"] },
          learningPeriod: "0s",
        },
        tail: { pollInterval: "100ms", flushInterval: "300ms" },
      }),
    );
    const run = startVigil(["run", "--config", config]);
    let pinnedAt = 0;
    let alertLines: string[] = [];
    try {
      await waitFor(() => run.output().includes("tailing"), "vigil run to start", 30_000);
      const slowPages = await load(16, 4);
      expect(Math.min(...slowPages)).toBeGreaterThanOrEqual(OLD_HOST_DELAY_MS);
      await waitFor(() => run.output().includes("ALERT own-domain-leaves-host"), "the own-domain finding", 30_000);
      const alert =
        run
          .output()
          .split("\n")
          .find((line) => line.startsWith("ALERT own-domain-leaves-host")) ?? "";
      expect(alert).toContain(
        `web1 connects to ${server.oldHostAddress}:${server.port}, the address its own site ${DOMAIN} resolves to on web1`,
      );
      expect(alert).toContain(
        `Fix: pin ${DOMAIN} to 127.0.0.1 in the hosts file of every web server: vigil actions pin-domain ${DOMAIN} -g web`,
      );

      // The fix, through the actions module: over SSH into the web server's namespace.
      const pin = await vigil([
        "actions",
        "pin-domain",
        DOMAIN,
        "-i",
        fleet.inventory,
        "--known-hosts",
        fleet.knownHosts,
        "-g",
        "web",
        "--data",
        join(dir, "actions-data"),
      ]);
      expect(pin.code, pin.stdout + pin.stderr).toBe(0);
      expect(readFileSync(server.hostsFile, "utf8")).toContain(`127.0.0.1 ${DOMAIN} # vigil pin-domain`);
      pinnedAt = Date.now();
      const fastPages = await load(12, 3);
      expect(Math.max(...fastPages)).toBeLessThan(OLD_HOST_DELAY_MS);
      await new Promise((resolve) => setTimeout(resolve, 1500));
    } finally {
      run.kill("SIGTERM");
      const code = await exitOf(run);
      expect(code, run.output()).toBe(0);
      alertLines = run
        .output()
        .split("\n")
        .filter((line) => line.startsWith("ALERT"));
    }

    const outbound = await vigil(["outbound", "--data", join(dir, "data"), "--bucket", "1", "--format", "json"]);
    expect(outbound.code, outbound.stderr).toBe(0);
    const rows = outbound.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const destination = rows.find((row) => row.table === "destinations" && row.address === server.oldHostAddress);
    expect(destination).toMatchObject({
      host: "web1",
      port: server.port,
      verdict: "own-domain-leaves-host",
      domains: [DOMAIN],
      processes: ["curl"],
    });
    expect(destination?.connections as number).toBeGreaterThanOrEqual(12);
    // The connections stopped with the pin: none was seen after it (one sampling interval of slack).
    expect(Date.parse(destination?.last_seen as string)).toBeLessThan(pinnedAt + 1000);
    // What a person sees (kept in the test's output for the README).
    const table = await vigil(["outbound", "--data", join(dir, "data"), "--bucket", "1"]);
    process.stdout.write(`\n${alertLines.join("\n")}\n\n${table.stdout}\n`);
    const latency = (
      rows.filter((row) => row.table === "latency" && row.vhost === DOMAIN) as {
        bucket: string;
        p99_ms: number;
        own_domain_connections: number;
      }[]
    ).map((row) => ({ ...row, bucket: Date.parse(row.bucket) }));
    // Before the pin: the site's requests took the old host's delay while its own-domain connections were seen.
    const before = latency.filter((row) => row.bucket < pinnedAt - 1000);
    expect(before.some((row) => row.own_domain_connections > 0)).toBe(true);
    expect(Math.max(...before.map((row) => row.p99_ms))).toBeGreaterThanOrEqual(OLD_HOST_DELAY_MS);
    // After it: no such connection any more, and fast pages.
    // (A slow request started at least its 800 ms plus the pin's run before pinnedAt: every one is in an earlier second.)
    const after = latency.filter((row) => row.bucket >= Math.floor(pinnedAt / 1000) * 1000);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((row) => row.own_domain_connections === 0)).toBe(true);
    expect(Math.max(...after.map((row) => row.p99_ms))).toBeLessThan(OLD_HOST_DELAY_MS);
  }, 180_000);
});
