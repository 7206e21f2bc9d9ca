import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";

/**
 * The web story's machine room, on this machine: a web server in its own
 * network namespace (its /etc/hosts is /etc/netns/NAME/hosts, bound by `ip
 * netns exec`), reached from here over a veth pair, running a real Apache
 * httpd (Debian's apache2) whose page fetches its own domain with curl, and
 * a slow "old host" on this side of the pair that the domain still resolves
 * to on the web server.
 */
export type NetnsWebServer = {
  netns: string;
  /** The web server's address (inside the namespace). */
  serverAddress: string;
  /** The old host's address (this side of the veth pair). */
  oldHostAddress: string;
  port: number;
  hostsFile: string;
  accessLog: string;
  logFormat: string;
  stop(): Promise<void>;
};

const APACHE_MODULES = "/usr/lib/apache2/modules";

export async function startNetnsWebServer(options: {
  dir: string;
  domain: string;
  oldHostDelayMs: number;
}): Promise<NetnsWebServer> {
  if (!existsSync("/usr/sbin/apache2"))
    throw new Error("/usr/sbin/apache2 is missing: apt-get install -y apache2 (.ci/run does)");
  const id = String(process.pid % 200);
  const netns = `vigil-web-${process.pid}`;
  const outside = `vwo${process.pid % 100000}`;
  const inside = `vwi${process.pid % 100000}`;
  const oldHostAddress = `10.213.${id}.1`;
  const serverAddress = `10.213.${id}.2`;
  const port = 8080;
  const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });
  // What was set up, undone in reverse order by stop(), or at once when setting up fails half-way.
  const cleanups: (() => unknown)[] = [];
  const tearDown = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // already gone
      }
    }
    cleanups.length = 0;
  };
  try {
    ip("netns", "add", netns);
    cleanups.push(() => ip("netns", "del", netns));
    ip("link", "add", outside, "type", "veth", "peer", "name", inside);
    cleanups.push(() => ip("link", "del", outside));
    ip("link", "set", inside, "netns", netns);
    ip("addr", "add", `${oldHostAddress}/24`, "dev", outside);
    ip("link", "set", outside, "up");
    ip("netns", "exec", netns, "ip", "addr", "add", `${serverAddress}/24`, "dev", inside);
    ip("netns", "exec", netns, "ip", "link", "set", inside, "up");
    ip("netns", "exec", netns, "ip", "link", "set", "lo", "up");
    const etc = `/etc/netns/${netns}`;
    mkdirSync(etc, { recursive: true });
    cleanups.push(() => rmSync(etc, { recursive: true, force: true }));
    const hostsFile = join(etc, "hosts");
    writeFileSync(hostsFile, `127.0.0.1 localhost\n${oldHostAddress} ${options.domain}\n`);

    // The old host: answers every request, slowly.
    const oldHost: Server = createServer((_request, response) => {
      setTimeout(() => response.end("stock: 7 (from the old host)\n"), options.oldHostDelayMs);
    });
    await new Promise<void>((resolve) => oldHost.listen(port, oldHostAddress, resolve));
    cleanups.push(() => new Promise<void>((resolve) => oldHost.close(() => resolve())));

    // Apache, with a page that fetches its own domain.
    const root = options.dir;
    mkdirSync(root, { recursive: true });
    // Apache's children (www-data) must reach the CGI scripts and the logs' folder.
    chmodSync(root, 0o755);
    for (const folder of ["logs", "cgi-bin", "www", "run"]) mkdirSync(join(root, folder), { recursive: true });
    writeFileSync(
      join(root, "cgi-bin", "page"),
      `#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\ncurl -s -m 10 http://${options.domain}:${port}/cgi-bin/stock\n`,
    );
    writeFileSync(
      join(root, "cgi-bin", "stock"),
      "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nstock: 7 (local)\\n'\n",
    );
    for (const script of ["page", "stock"]) chmodSync(join(root, "cgi-bin", script), 0o755);
    const logFormat = '%v %h %l %u %t "%r" %>s %b %D';
    const config = join(root, "apache.conf");
    writeFileSync(
      config,
      [
        `ServerRoot ${root}`,
        `ServerName ${options.domain}`,
        `Listen ${serverAddress}:${port}`,
        `Listen 127.0.0.1:${port}`,
        `PidFile ${join(root, "run", "apache.pid")}`,
        `DefaultRuntimeDir ${join(root, "run")}`,
        `ErrorLog ${join(root, "logs", "error.log")}`,
        `LoadModule mpm_event_module ${APACHE_MODULES}/mod_mpm_event.so`,
        `LoadModule authz_core_module ${APACHE_MODULES}/mod_authz_core.so`,
        `LoadModule alias_module ${APACHE_MODULES}/mod_alias.so`,
        `LoadModule cgid_module ${APACHE_MODULES}/mod_cgid.so`,
        `ScriptSock ${join(root, "run", "cgid.sock")}`,
        "User www-data",
        "Group www-data",
        `LogFormat "${logFormat.replaceAll('"', '\\"')}" timed`,
        `<VirtualHost *:${port}>`,
        `  ServerName ${options.domain}`,
        `  DocumentRoot ${join(root, "www")}`,
        `  CustomLog ${join(root, "logs", "access.log")} timed`,
        `  ScriptAlias /cgi-bin/ ${join(root, "cgi-bin")}/`,
        `  <Directory ${join(root, "cgi-bin")}>`,
        "    Require all granted",
        "  </Directory>",
        "</VirtualHost>",
        "",
      ].join("\n"),
    );
    writeFileSync(join(root, "logs", "access.log"), "");
    const apache: ChildProcess = spawn(
      "ip",
      ["netns", "exec", netns, "/usr/sbin/apache2", "-f", config, "-DFOREGROUND"],
      {
        stdio: ["ignore", "ignore", "pipe"],
        detached: true,
      },
    );
    cleanups.push(async () => {
      const group = apache.pid;
      if (group === undefined) return;
      try {
        process.kill(-group, "SIGTERM");
      } catch {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      try {
        process.kill(-group, "SIGKILL");
      } catch {
        // stopped in time
      }
    });
    let apacheErrors = "";
    apache.stderr?.on("data", (chunk: Buffer) => {
      apacheErrors += chunk.toString();
    });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const up = await fetch(`http://${serverAddress}:${port}/cgi-bin/stock`, { headers: { host: options.domain } })
        .then((response) => response.ok)
        .catch(() => false);
      if (up) break;
      if (Date.now() > deadline || apache.exitCode !== null) {
        throw new Error(`Apache did not start in ${netns}: ${apacheErrors}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return {
      netns,
      serverAddress,
      oldHostAddress,
      port,
      hostsFile,
      accessLog: join(root, "logs", "access.log"),
      logFormat,
      stop: tearDown,
    };
  } catch (error) {
    await tearDown();
    throw error;
  }
}
