/**
 * `npm run fleet:start` / `npm run fleet:stop`: three real OpenSSH servers on
 * this machine (web-1 and web-2 in group web, mail-1 in mail, on 127.0.0.2-4)
 * to try `vigil fleet` and `vigil actions` on, as the README's worked
 * examples do. Each server's folder under .vigil-cache/fleet/hosts/ stands in
 * for its / (etc/hosts, var/www/shop, var/www/sorry, etc/dovecot), and the
 * inventory points the remediations there through vigil_* host variables.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSshdFleet } from "./sshd-hosts.js";

const dir = join(process.cwd(), ".vigil-cache", "fleet");
const statePath = join(dir, "dev.json");

async function start(): Promise<void> {
  await stop(false);
  const fleet = await startSshdFleet({
    dir,
    detached: true,
    hosts: [
      { name: "web-1", groups: ["web"] },
      { name: "web-2", groups: ["web"] },
      { name: "mail-1", groups: ["mail"] },
    ],
    hostVars: ({ root }) => ({
      vigil_hosts_file: join(root, "etc", "hosts"),
      vigil_site: join(root, "var", "www", "shop"),
      vigil_sorry: join(root, "var", "www", "sorry"),
      vigil_deny_file: join(root, "etc", "dovecot", "deny-users"),
      vigil_sasl_access_map: join(root, "etc", "postfix", "sasl_access"),
      vigil_postmap: "",
    }),
  });
  for (const host of fleet.hosts) {
    const www = join(host.root, "var", "www");
    for (const folder of [
      join(www, "releases", "v1"),
      join(www, "sorry"),
      join(host.root, "etc", "dovecot"),
      join(host.root, "etc", "postfix"),
    ]) {
      mkdirSync(folder, { recursive: true });
    }
    writeFileSync(
      join(host.root, "etc", "hosts"),
      "127.0.0.1 localhost\n203.0.113.80 shop.example.com www.shop.example.com\n",
    );
    writeFileSync(join(www, "releases", "v1", "index.html"), "the shop\n");
    writeFileSync(join(www, "sorry", "index.html"), "Sorry, down for maintenance\n");
    if (!existsSync(join(www, "shop"))) symlinkSync(join(www, "releases", "v1"), join(www, "shop"));
  }
  writeFileSync(statePath, `${JSON.stringify({ pids: fleet.hosts.map((host) => host.process.pid) })}\n`);
  const shared = `-i ${fleet.inventory} --known-hosts ${fleet.knownHosts}`;
  process.stdout.write(
    `${fleet.hosts.map((host) => `${host.name}  ${host.address}:${host.port}  (/ is ${host.root})`).join("\n")}\n\n` +
      `try:\n` +
      `  npx vigil fleet run ${shared} -g web -- 'echo $VIGIL_TEST_HOST; uptime'\n` +
      `  npx vigil actions pin-domain shop.example.com ${shared} -g web --dry-run\n` +
      `  npx vigil actions lock-account ann@example.com ${shared} -g mail\n` +
      `stop with: npm run fleet:stop\n`,
  );
}

async function stop(wipe: boolean): Promise<void> {
  if (existsSync(statePath)) {
    const { pids } = JSON.parse(readFileSync(statePath, "utf8")) as { pids: number[] };
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    rmSync(statePath, { force: true });
  }
  if (wipe) rmSync(dir, { recursive: true, force: true });
}

const [command] = process.argv.slice(2);
if (command === "start") await start();
else if (command === "stop") await stop(process.argv.includes("--wipe"));
else {
  process.stderr.write("usage: fleet-dev start|stop [--wipe]\n");
  process.exitCode = 2;
}
