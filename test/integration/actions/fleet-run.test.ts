import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { SshdFleet } from "../../../scripts/sshd/sshd-hosts.js";
import { addInventoryHost, fleetCliArgs, otherHostKey, startTestFleet } from "../../helpers/ssh-fleet.js";
import { tempDir, vigil } from "../../helpers/vigil-cli.js";

let dir: string;
let fleet: SshdFleet;

beforeAll(async () => {
  dir = tempDir("fleet-run");
  fleet = await startTestFleet(join(dir, "fleet"), 10);
  // A server that is down: an address where nothing listens.
  addInventoryHost(fleet, "web", "web-down", { ansible_host: "127.0.0.19", ansible_port: 9 });
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
});

const fleetArgs = (...more: string[]) => [...fleetCliArgs(fleet, join(dir, "data")), ...more];

/** `vigil fleet run ... -- echo ran` with another known_hosts file. */
const echoRan = (knownHosts: string, ...flags: string[]) =>
  vigil(["fleet", "run", ...fleetCliArgs(fleet, join(dir, "data"), knownHosts), ...flags, "--", "echo", "ran"]);

describe("vigil fleet run against real sshd servers", () => {
  test("one host down and one too slow: live output by host, a summary, exit 1, and the run in the audit", async () => {
    const run = await vigil([
      "fleet",
      "run",
      ...fleetArgs("-g", "web", "--timeout", "3"),
      "--",
      'echo "hello from $VIGIL_TEST_HOST"; if [ "$VIGIL_TEST_HOST" = web-2 ]; then sleep 30; fi',
    ]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain("web-1 | hello from web-1");
    expect(run.stdout).toContain("web-2 | hello from web-2");
    const summary = run.stdout.slice(run.stdout.indexOf("host "));
    expect(summary).toMatch(/web-1\s+ok\s+0/);
    expect(summary).toMatch(/web-2\s+timeout\s+-/);
    expect(summary).toMatch(/web-down\s+unreachable\s+-/);
    expect(summary).toContain("1 of 3 hosts ok");

    const audit = await vigil(["actions", "list", "--data", join(dir, "data"), "--format", "json"]);
    expect(audit.code, audit.stderr).toBe(0);
    const rows = JSON.parse(audit.stdout) as { remediation: string; state: string; hosts: string[]; result: string }[];
    const row = rows.find((candidate) => candidate.remediation === "fleet-run");
    expect(row?.state).toBe("failed");
    expect(row?.hosts).toEqual(["web-1", "web-2", "web-down"]);
    expect(row?.result).toContain("web-2: timeout");
  }, 60_000);

  test("every host ok exits 0; an argv of several words arrives exactly, quotes and all", async () => {
    const run = await vigil([
      "fleet",
      "run",
      ...fleetArgs("-g", "web:mail:!web-down"),
      "--",
      "printf",
      "[%s]\\n",
      "a b",
      "it's",
      "$(id)",
    ]);
    expect(run.code, run.stderr).toBe(0);
    for (const host of ["web-1", "web-2", "mail-1"]) {
      expect(run.stdout).toContain(`${host} | [a b]`);
      expect(run.stdout).toContain(`${host} | [it's]`);
      expect(run.stdout).toContain(`${host} | [$(id)]`);
    }
    expect(run.stdout).toContain("3 of 3 hosts ok");
  }, 60_000);

  test("--list-hosts shows the selection and runs nothing", async () => {
    const run = await vigil([
      "fleet",
      "run",
      ...fleetArgs("-g", "web:!web-2", "--list-hosts"),
      "--",
      "touch",
      join(dir, "ran"),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("hosts (2) of web:!web-2");
    expect(run.stdout).toMatch(/web-1\s+\S+@127\.0\.0\.10:/);
    expect(run.stdout).toContain("web-down");
    expect(run.stdout).not.toContain("web-2 ");
  });

  test("--serial 1 --max-fail-percent 0 stops after the first failing batch and leaves the rest untouched", async () => {
    const marker = join(dir, "serial");
    const run = await vigil([
      "fleet",
      "run",
      ...fleetArgs("-g", "web:mail:!web-down", "--serial", "1", "--max-fail-percent", "0"),
      "--",
      `echo "$VIGIL_TEST_HOST" >> ${marker}; [ "$VIGIL_TEST_HOST" != web-2 ]`,
    ]);
    expect(run.code).toBe(1);
    expect(readFileSync(marker, "utf8")).toBe("web-1\nweb-2\n");
    expect(run.stdout).toMatch(/web-2\s+failed\s+1/);
    expect(run.stdout).toMatch(/mail-1\s+skipped/);
    expect(run.stderr).toContain("stopped early");
  }, 60_000);

  test("a changed host key refuses that host with a clear message; the others run", async () => {
    const web1 = fleet.hosts.find((host) => host.name === "web-1");
    const tampered = join(dir, "known_hosts_changed");
    writeFileSync(
      tampered,
      readFileSync(fleet.knownHosts, "utf8").replace(web1?.hostKeyPublic as string, otherHostKey(dir)),
    );
    const run = await echoRan(tampered, "-g", "web:!web-down");
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/web-1\s+refused/);
    expect(run.stdout).toContain("REMOTE HOST IDENTIFICATION HAS CHANGED");
    expect(run.stdout).not.toContain("web-1 | ran");
    expect(run.stdout).toContain("web-2 | ran");
    // --accept-new never accepts a changed key.
    const again = await echoRan(tampered, "-g", "web-1", "--accept-new");
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/web-1\s+refused/);
  }, 60_000);

  test("an unknown host is refused unless --accept-new, which records its key for the next strict run", async () => {
    const empty = join(dir, "known_hosts_empty");
    writeFileSync(empty, "");
    const strict = await echoRan(empty, "-g", "mail");
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/mail-1\s+refused/);
    expect(strict.stdout).toContain("--accept-new");
    const accepting = await echoRan(empty, "-g", "mail", "--accept-new");
    expect(accepting.code, accepting.stdout).toBe(0);
    const mail1 = fleet.hosts.find((host) => host.name === "mail-1");
    expect(readFileSync(empty, "utf8")).toBe(`[${mail1?.address}]:${mail1?.port} ${mail1?.hostKeyPublic}\n`);
    const strictAgain = await echoRan(empty, "-g", "mail");
    expect(strictAgain.code, strictAgain.stdout).toBe(0);
  }, 60_000);
});
