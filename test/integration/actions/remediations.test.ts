import { once } from "node:events";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { SshdFleet, SshdHost } from "../../../scripts/sshd/sshd-hosts.js";
import { waitFor } from "../../helpers/scaled-out.js";
import { fleetCliArgs, startTestFleet } from "../../helpers/ssh-fleet.js";
import { startVigil, tempDir, vigil } from "../../helpers/vigil-cli.js";

let dir: string;
let fleet: SshdFleet;
const host = (name: string) => fleet.hosts.find((candidate) => candidate.name === name) as SshdHost;
const fleetArgs = (...more: string[]) => [...fleetCliArgs(fleet, join(dir, "data")), ...more];

beforeAll(async () => {
  dir = tempDir("remediations");
  fleet = await startTestFleet(join(dir, "fleet"), 20);
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
});

describe("remediations on real sshd servers", () => {
  test("pin-domain twice leaves one pin line, keeps every other line and a backup; --undo restores the file", async () => {
    const original =
      "127.0.0.1 localhost\n# the shop\n203.0.113.9 shop.example.com www.shop.example.com\n10.0.0.5 db\n";
    for (const name of ["web-1", "web-2"])
      writeFileSync(join(host(name).root, "etc", "hosts"), original, { mode: 0o644 });
    for (let round = 0; round < 2; round++) {
      const run = await vigil(["actions", "pin-domain", "shop.example.com", ...fleetArgs("-g", "web")]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain(round === 0 ? "pinned: shop.example.com -> 127.0.0.1" : "unchanged:");
    }
    for (const name of ["web-1", "web-2"]) {
      const hosts = join(host(name).root, "etc", "hosts");
      const text = readFileSync(hosts, "utf8");
      expect(text.split("\n").filter((line) => line === "127.0.0.1 shop.example.com # vigil pin-domain")).toHaveLength(
        1,
      );
      expect(text).toContain("127.0.0.1 localhost\n# the shop\n");
      expect(text).toContain("10.0.0.5 db\n");
      // The old address no longer answers for the domain; www keeps it.
      expect(text).toContain("#vigil-unpinned(shop.example.com)# 203.0.113.9 shop.example.com www.shop.example.com\n");
      expect(text).toMatch(/^203\.0\.113\.9 www\.shop\.example\.com # vigil pin-domain split shop\.example\.com$/m);
      expect(readFileSync(`${hosts}.vigil-backup`, "utf8")).toBe(original);
      expect(lstatSync(hosts).mode & 0o777).toBe(0o644);
    }
    // The hosts file of the mail server was not touched.
    expect(existsSync(join(host("mail-1").root, "etc", "hosts"))).toBe(false);
    const undo = await vigil(["actions", "pin-domain", "shop.example.com", "--undo", ...fleetArgs("-g", "web")]);
    expect(undo.code, undo.stdout + undo.stderr).toBe(0);
    for (const name of ["web-1", "web-2"])
      expect(readFileSync(join(host(name).root, "etc", "hosts"), "utf8")).toBe(original);
  }, 60_000);

  test("--dry-run prints the exact command per server and changes nothing", async () => {
    writeFileSync(join(host("web-1").root, "etc", "hosts"), "127.0.0.1 localhost\n");
    const run = await vigil(["actions", "pin-domain", "shop.example.com", "--dry-run", ...fleetArgs("-g", "web-1")]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`web-1 (${fleet.user}@${host("web-1").address}:${host("web-1").port}):`);
    expect(run.stdout).toContain(
      `vigil-pin-domain ${join(host("web-1").root, "etc", "hosts")} shop.example.com 127.0.0.1`,
    );
    expect(readFileSync(join(host("web-1").root, "etc", "hosts"), "utf8")).toBe("127.0.0.1 localhost\n");
  });

  test("a bad parameter is refused before any server is touched, naming the parameter", async () => {
    const run = await vigil(["actions", "pin-domain", "shop.example.com;reboot", ...fleetArgs("-g", "web")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("domain");
  });

  test("maintenance with a failing job shows the sorry page during the job and always puts the live site back", async () => {
    const sites = prepareSites();
    const during = join(dir, "seen-during-job");
    const failing = await vigil([
      "actions",
      "maintenance",
      ...fleetArgs("-g", "web", "--site", sites.site, "--sorry", sites.sorry, "--deadline", "10m", "--timeout", "30"),
      "--",
      `readlink ${sites.site} >> ${during}; exit 7`,
    ]);
    expect(failing.code, failing.stdout + failing.stderr).toBe(1);
    expect(readFileSync(during, "utf8")).toBe(`${sites.sorry}\n${sites.sorry}\n`);
    expect(failing.stdout).toMatch(/web-1\s+failed\s+7/);
    expect(readlinkSync(sites.site)).toBe(sites.live);
    expect(existsSync(`${sites.site}.vigil-deadman`)).toBe(false);
    expect(failing.stderr).toContain("putting the live site back");
  }, 60_000);

  test("if Vigil dies mid-job, the dead-man switch left on the server puts the live site back at the deadline", async () => {
    const sites = prepareSites();
    const child = startVigil([
      "actions",
      "maintenance",
      ...fleetArgs("-g", "web-1", "--site", sites.site, "--sorry", sites.sorry, "--deadline", "3s", "--timeout", "60"),
      "--",
      "sleep 40",
    ]);
    await waitFor(() => child.output().includes("running the job"), "the job to start", 20_000);
    expect(readlinkSync(sites.site)).toBe(sites.sorry);
    child.kill("SIGKILL");
    await waitFor(() => readlinkSync(sites.site) === sites.live, "the dead-man switch", 15_000);
    expect(existsSync(`${sites.site}.vigil-deadman`)).toBe(false);
  }, 60_000);

  test("maintenance whose connection drops mid-job reconnects and puts the live site back", async () => {
    const sites = prepareSites();
    const sessionPid = join(dir, "session-pid");
    const child = startVigil([
      "actions",
      "maintenance",
      ...fleetArgs("-g", "web-2", "--site", sites.site, "--sorry", sites.sorry, "--deadline", "10m", "--timeout", "60"),
      "--",
      `echo $PPID > ${sessionPid}; sleep 40`,
    ]);
    await waitFor(
      () => existsSync(sessionPid) && readFileSync(sessionPid, "utf8").trim() !== "",
      "the job to start",
      20_000,
    );
    expect(readlinkSync(sites.site)).toBe(sites.sorry);
    // The server side of this SSH session dies: the connection drops under the job.
    process.kill(Number(readFileSync(sessionPid, "utf8").trim()), "SIGKILL");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code, child.output()).toBe(1);
    expect(readlinkSync(sites.site)).toBe(sites.live);
    expect(child.output()).toMatch(/web-2\s+(failed|unreachable)/);
  }, 60_000);

  test("cron-line prints the crontab entry of a nightly maintenance run, with cron's % escaped", async () => {
    const run = await vigil([
      "actions",
      "cron-line",
      "--at",
      "02:30",
      ...fleetArgs("-g", "web", "--deadline", "2h"),
      "--",
      "reindex --batch 100%",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const line = run.stdout.trim();
    expect(line).toMatch(/^30 2 \* \* \* \S+node\S* \S+vigil\.js actions maintenance /);
    expect(line).toContain(`-i ${fleet.inventory} -g web`);
    expect(line).toContain("-- 'reindex --batch 100\\%'");
    expect(line).toMatch(/>> \/var\/log\/vigil-maintenance\.log 2>&1$/);
  });

  test("sorry-site on/off swaps a plain folder for the maintenance page and back", async () => {
    const root = join(dir, "plain-site");
    mkdirSync(join(root, "shop"), { recursive: true });
    mkdirSync(join(root, "sorry"), { recursive: true });
    writeFileSync(join(root, "shop", "index.html"), "live");
    writeFileSync(join(root, "sorry", "index.html"), "sorry");
    const args = fleetArgs("-g", "web-2", "--site", join(root, "shop"), "--sorry", join(root, "sorry"));
    for (let round = 0; round < 2; round++)
      expect((await vigil(["actions", "sorry-site", "on", ...args])).code).toBe(0);
    expect(readFileSync(join(root, "shop", "index.html"), "utf8")).toBe("sorry");
    expect((await vigil(["actions", "sorry-site", "off", ...args])).code).toBe(0);
    expect(readFileSync(join(root, "shop", "index.html"), "utf8")).toBe("live");
    expect((await vigil(["actions", "sorry-site", "off", ...args])).stdout).toContain("unchanged");
  }, 60_000);

  test("lock-account with the postfix preset: one map line however often, postmap run; unlock removes it", async () => {
    const mail = host("mail-1");
    const map = join(mail.root, "etc", "postfix", "sasl_access");
    mkdirSync(join(mail.root, "etc", "postfix"), { recursive: true });
    writeFileSync(map, "other@example.com REJECT earlier\n");
    const postmap = join(mail.root, "postmap-calls");
    const recorder = join(mail.root, "fake-postmap");
    writeFileSync(recorder, `#!/bin/sh\necho "$@" >> ${postmap}\n`);
    chmodSync(recorder, 0o755);
    const args = fleetArgs("-g", "mail", "--preset", "postfix-sasl", "--postmap", recorder);
    for (let round = 0; round < 2; round++) {
      const run = await vigil(["actions", "lock-account", "ann@example.com", ...args]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
    }
    expect(readFileSync(map, "utf8")).toBe(
      "other@example.com REJECT earlier\nann@example.com REJECT account locked by Vigil: logins from too many networks\n",
    );
    expect(readFileSync(postmap, "utf8")).toBe(`hash:${map}\nhash:${map}\n`);
    const unlock = await vigil(["actions", "unlock-account", "ann@example.com", ...args]);
    expect(unlock.code, unlock.stderr).toBe(0);
    expect(readFileSync(map, "utf8")).toBe("other@example.com REJECT earlier\n");
  }, 60_000);

  test("block-ip with a command template blocks now and the timer left on the server unblocks at expiry", async () => {
    const mail = host("mail-1");
    const blocked = join(mail.root, "blocked");
    const args = fleetArgs(
      "-g",
      "mail",
      "--preset",
      "command",
      "--command",
      `${mail.root}/fake-block add {ip} {seconds}`,
      "--undo-command",
      `${mail.root}/fake-block del {ip}`,
      "--expiry",
      "2s",
    );
    writeFileSync(join(mail.root, "fake-block"), `#!/bin/sh\necho "$@" >> ${blocked}\n`);
    chmodSync(join(mail.root, "fake-block"), 0o755);
    const run = await vigil(["actions", "block-ip", "203.0.113.7", ...args]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(readFileSync(blocked, "utf8")).toBe("add 203.0.113.7 2\n");
    await waitFor(() => readFileSync(blocked, "utf8").includes("del 203.0.113.7"), "the expiry", 10_000);
    // The nftables preset, as a dry run: the set element carries the timeout.
    const dry = await vigil([
      "actions",
      "block-ip",
      "2001:db8::7",
      "--expiry",
      "1h",
      "--dry-run",
      ...fleetArgs("-g", "mail"),
    ]);
    expect(dry.stdout).toContain("nft add element inet vigil blocked_v6 '{ 2001:db8::7 timeout 3600s }'");
  }, 60_000);
});

/** A site (symlink to a release, as deploy tools leave it) and a sorry page, in the shared test folder. */
function prepareSites() {
  const root = join(dir, `sites-${Date.now()}`);
  const live = join(root, "releases", "v1");
  const sorry = join(root, "sorry");
  mkdirSync(live, { recursive: true });
  mkdirSync(sorry, { recursive: true });
  const site = join(root, "shop");
  symlinkSync(live, site);
  return { site, sorry, live };
}
