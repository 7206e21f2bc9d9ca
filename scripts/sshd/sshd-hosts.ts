import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { stringify } from "yaml";

/**
 * A fleet of real OpenSSH servers on one machine, for tests and for trying
 * Vigil's actions: each "server" is an `sshd` (Debian's openssh-server) on its
 * own loopback address (127.0.0.2, 127.0.0.3, ...), with its own host key and
 * its own folder standing in for / (etc/hosts, var/www, ...). The session
 * environment tells commands which server they run on: VIGIL_TEST_HOST and
 * VIGIL_TEST_ROOT (set by sshd's SetEnv).
 */
export type SshdHost = {
  name: string;
  groups: string[];
  address: string;
  port: number;
  /** The server's folder standing in for its root file system. */
  root: string;
  hostKeyPublic: string;
  /** The network namespace its sshd runs in, if any. */
  netns: string | undefined;
  process: ChildProcess;
};

export type SshdFleet = {
  dir: string;
  hosts: SshdHost[];
  clientKey: string;
  knownHosts: string;
  inventory: string;
  user: string;
  stop(): Promise<void>;
  /** Starts a stopped host again on the same address and port (same host key). */
  restart(name: string): Promise<void>;
};

/** A server of the fleet; `netns`: run its sshd inside that network namespace (then give its `address` and `port` there). */
export type SshdHostSpec = { name: string; groups: string[]; address?: string; port?: number; netns?: string };

const SSHD = "/usr/sbin/sshd";

export async function startSshdFleet(options: {
  dir: string;
  hosts: SshdHostSpec[];
  firstAddress?: number;
  /** Extra inventory variables of a host (vigil_hosts_file: <root>/etc/hosts, ...). */
  hostVars?(host: { name: string; root: string }): Record<string, unknown>;
  /** Servers that outlive this process (npm run fleet:start); stop them by the pids in `hosts`. */
  detached?: boolean;
}): Promise<SshdFleet> {
  if (!existsSync(SSHD)) {
    throw new Error(
      `${SSHD} is missing: install Debian's openssh-server (apt-get install -y openssh-server); .ci/run does this`,
    );
  }
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const clientKey = join(dir, "client_ed25519");
  if (!existsSync(clientKey))
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "vigil-test-client", "-f", clientKey]);
  const authorizedKeys = join(dir, "authorized_keys");
  writeFileSync(authorizedKeys, readFileSync(`${clientKey}.pub`), { mode: 0o600 });
  const user = userInfo().username;
  const hosts: SshdHost[] = [];
  let octet = options.firstAddress ?? 2;
  for (const spec of options.hosts) {
    const address = spec.address ?? `127.0.0.${octet++}`;
    const root = join(dir, "hosts", spec.name);
    for (const folder of ["etc", "var/www", "ssh"]) mkdirSync(join(root, folder), { recursive: true });
    const hostKey = join(root, "ssh", "ssh_host_ed25519_key");
    if (!existsSync(hostKey))
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", spec.name, "-f", hostKey]);
    const port = spec.port ?? (await freePort(address));
    const config = join(root, "ssh", "sshd_config");
    writeFileSync(
      config,
      [
        `ListenAddress ${address}:${port}`,
        `HostKey ${hostKey}`,
        `PidFile ${join(root, "ssh", "sshd.pid")}`,
        `AuthorizedKeysFile ${authorizedKeys}`,
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "MaxStartups 100:30:200",
        "MaxSessions 100",
        "LogLevel ERROR",
        `SetEnv VIGIL_TEST_HOST=${spec.name} VIGIL_TEST_ROOT=${root}`,
        "",
      ].join("\n"),
    );
    const [hostKeyType, hostKeyBlob] = readFileSync(`${hostKey}.pub`, "utf8").split(" ");
    const host: SshdHost = {
      name: spec.name,
      groups: spec.groups,
      address,
      port,
      root,
      hostKeyPublic: `${hostKeyType} ${hostKeyBlob}`,
      netns: spec.netns,
      process: startSshd(config, options.detached === true, spec.netns),
    };
    hosts.push(host);
  }
  await Promise.all(hosts.map((host) => waitForPort(host.address, host.port, host.process)));
  const knownHosts = join(dir, "known_hosts");
  writeFileSync(knownHosts, hosts.map((host) => `[${host.address}]:${host.port} ${host.hostKeyPublic}\n`).join(""));
  const inventory = join(dir, "inventory.yml");
  writeFileSync(inventory, inventoryYaml(hosts, user, clientKey, options.hostVars));
  const stopHost = async (host: SshdHost) => {
    if (host.process.exitCode !== null || host.process.signalCode !== null) return;
    const exited = new Promise((done) => host.process.once("exit", done));
    host.process.kill("SIGTERM");
    await exited;
  };
  return {
    dir,
    hosts,
    clientKey,
    knownHosts,
    inventory,
    user,
    async stop() {
      await Promise.all(hosts.map(stopHost));
    },
    async restart(name) {
      const host = hosts.find((candidate) => candidate.name === name);
      if (host === undefined) throw new Error(`no host ${name}`);
      await stopHost(host);
      host.process = startSshd(join(host.root, "ssh", "sshd_config"), false, host.netns);
      await waitForPort(host.address, host.port, host.process);
    },
  };
}

function startSshd(config: string, detached = false, netns?: string): ChildProcess {
  // -D: stay in the foreground (a child we can stop); -e: errors to stderr.
  const [command, ...args] = [
    ...(netns === undefined ? [] : ["ip", "netns", "exec", netns]),
    SSHD,
    "-D",
    "-e",
    "-f",
    config,
  ];
  if (detached) {
    const child = spawn(command as string, args, { stdio: "ignore", detached: true });
    child.unref();
    return child;
  }
  const child = spawn(command as string, args, { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr?.on("data", (chunk: Buffer) => {
    if (process.env.VIGIL_SSHD_DEBUG) process.stderr.write(`sshd: ${chunk}`);
  });
  return child;
}

/** The inventory of a fleet, in Ansible's YAML layout, grouped as the specs say. */
function inventoryYaml(
  hosts: SshdHost[],
  user: string,
  clientKey: string,
  hostVars?: (host: { name: string; root: string }) => Record<string, unknown>,
): string {
  const groups: Record<string, { hosts: Record<string, unknown> }> = {};
  for (const host of hosts) {
    for (const group of host.groups) {
      groups[group] ??= { hosts: {} };
      (groups[group] as { hosts: Record<string, unknown> }).hosts[host.name] = {
        ansible_host: host.address,
        ansible_port: host.port,
        vigil_root: host.root,
        ...hostVars?.(host),
      };
    }
  }
  return stringify({
    all: { vars: { ansible_user: user, ansible_ssh_private_key_file: clientKey }, children: groups },
  });
}

function freePort(address: string): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, address, () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => done(port));
    });
  });
}

async function waitForPort(address: string, port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(
        `sshd on ${address}:${port} exited with ${child.exitCode}; run with VIGIL_SSHD_DEBUG=1 to see why`,
      );
    const open = await new Promise<boolean>((done) => {
      const socket = connect(port, address);
      socket.once("connect", () => {
        socket.destroy();
        done(true);
      });
      socket.once("error", () => done(false));
    });
    if (open) return;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`sshd on ${address}:${port} did not accept connections within 15 s`);
}

export function removeFleetDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
