import { execFile } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { promisify } from "node:util";
import { canonicalIp } from "../processors/parse/canonical-ip.js";
import type { ConnEvent, Resolution } from "../schemas/outbound-evidence.js";
import { outboundConnections, parseProcNetTcpLine, parseSsLine, type SocketRow } from "./socket-table.js";

const run = promisify(execFile);

/**
 * The web server's view, sampled: its outbound TCP connections (the socket
 * table, through `ss -tanpeH` or /proc/net/tcp{,6}) and how its resolver
 * answers for its sites' domains (`getent ahosts`, which reads the hosts file
 * first, as the site's code does). Commands are argv lists from the config,
 * so a server in a network namespace is sampled with `ip netns exec NAME ...`.
 */
export async function sampleConnections(command: readonly string[], host: string, ts: number): Promise<ConnEvent[]> {
  const rows = command[0] === "proc" ? readProcSockets() : await readSsSockets(command);
  return outboundConnections(rows).map((row) => ({
    ts,
    host,
    source: command[0] === "proc" ? "proc" : "ss",
    process: row.process,
    pid: row.pid,
    uid: row.uid,
    src: row.local,
    src_port: row.localPort,
    dst: row.peer,
    dst_port: row.peerPort,
  }));
}

async function readSsSockets(command: readonly string[]): Promise<SocketRow[]> {
  const { stdout } = await run(command[0] as string, command.slice(1), {
    timeout: 10_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout
    .split("\n")
    .map(parseSsLine)
    .filter((row): row is SocketRow => row !== null);
}

function readProcSockets(): SocketRow[] {
  const rows: SocketRow[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      const row = parseProcNetTcpLine(line);
      if (row !== null) rows.push(row);
    }
  }
  const owners = socketOwners();
  for (const row of rows) {
    const owner = owners.get(row.inode);
    if (owner !== undefined) {
      row.pid = owner.pid;
      row.process = owner.process;
    }
  }
  return rows;
}

/** socket inode -> owning process, from /proc/PID/fd links (needs the right to read other processes' fds). */
function socketOwners(): Map<number, { pid: number; process: string }> {
  const owners = new Map<number, { pid: number; process: string }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    let process = "";
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match === null) continue;
      if (process === "") {
        try {
          process = readFileSync(`/proc/${entry}/comm`, "utf8").trim();
        } catch {
          process = "";
        }
      }
      owners.set(Number(match[1]), { pid: Number(entry), process });
    }
  }
  return owners;
}

export async function resolveSite(
  command: readonly string[],
  host: string,
  domain: string,
  ts: number,
): Promise<Resolution> {
  try {
    const { stdout } = await run(command[0] as string, [...command.slice(1), domain], { timeout: 10_000 });
    const addresses = new Set<string>();
    for (const line of stdout.split("\n")) {
      const address = canonicalIp(line.trim().split(/\s+/)[0] ?? "");
      if (address !== null) addresses.add(address);
    }
    return { ts, host, domain, addresses: [...addresses].sort(), error: "" };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      ts,
      host,
      domain,
      addresses: [],
      error: code === 2 ? "does not resolve" : error instanceof Error ? error.message.slice(0, 200) : String(error),
    };
  }
}
