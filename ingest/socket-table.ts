import { canonicalIp } from "../processors/parse/canonical-ip.js";

/**
 * The kernel's TCP socket table, as `ss -tanpeH` prints it or as
 * /proc/net/tcp{,6} holds it, reduced to what outbound detection needs.
 */
export type SocketRow = {
  state: string;
  local: string;
  localPort: number;
  peer: string;
  peerPort: number;
  process: string;
  pid: number;
  uid: number;
  inode: number;
};

/** One line of `ss -tanpeH`: State Recv-Q Send-Q Local:Port Peer:Port [users:(("name",pid=N,fd=N))] [uid:N] [ino:N] ... */
export function parseSsLine(line: string): SocketRow | null {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 5) return null;
  const local = splitAddress(fields[3] as string);
  const peer = splitAddress(fields[4] as string);
  if (local === null || peer === null) return null;
  const rest = fields.slice(5).join(" ");
  const users = /users:\(\("((?:[^"\\]|\\.)*)",pid=(\d+)/.exec(rest);
  const uid = /(?:^|\s)uid:(\d+)/.exec(rest);
  const inode = /(?:^|\s)ino:(\d+)/.exec(rest);
  return {
    state: normalizeState(fields[0] as string),
    local: local.address,
    localPort: local.port,
    peer: peer.address,
    peerPort: peer.port,
    process: users?.[1] ?? "",
    pid: users === null ? -1 : Number(users[2]),
    // ss leaves uid out for root.
    uid: uid === null ? (users === null ? -1 : 0) : Number(uid[1]),
    inode: inode === null ? -1 : Number(inode[1]),
  };
}

/** `127.0.0.1:80`, `[2001:db8::1]:443`, `10.0.0.2%eth0:5353`, `*:80`, `[::ffff:10.0.0.1]:80`. */
function splitAddress(text: string): { address: string; port: number } | null {
  const colon = text.lastIndexOf(":");
  if (colon < 0) return null;
  let address = text.slice(0, colon);
  const port = text.slice(colon + 1);
  if (address.startsWith("[") && address.endsWith("]")) address = address.slice(1, -1);
  const zone = address.indexOf("%");
  if (zone >= 0) address = address.slice(0, zone);
  return {
    address: address === "*" ? "0.0.0.0" : (canonicalIp(address) ?? address),
    port: port === "*" ? 0 : Number(port),
  };
}

const PROC_STATES: Record<string, string> = {
  "01": "ESTAB",
  "02": "SYN-SENT",
  "0A": "LISTEN",
  "06": "TIME-WAIT",
  "08": "CLOSE-WAIT",
};

function normalizeState(state: string): string {
  return state === "ESTABLISHED" ? "ESTAB" : state === "SYN_SENT" ? "SYN-SENT" : state;
}

/** One data line of /proc/net/tcp or /proc/net/tcp6 (addresses in little-endian hex). */
export function parseProcNetTcpLine(line: string): SocketRow | null {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 10 || !/^\d+:$/.test(fields[0] as string)) return null;
  const local = procAddress(fields[1] as string);
  const peer = procAddress(fields[2] as string);
  if (local === null || peer === null) return null;
  return {
    state: PROC_STATES[(fields[3] as string).toUpperCase()] ?? (fields[3] as string),
    local: local.address,
    localPort: local.port,
    peer: peer.address,
    peerPort: peer.port,
    process: "",
    pid: -1,
    uid: Number(fields[7]),
    inode: Number(fields[9]),
  };
}

function procAddress(text: string): { address: string; port: number } | null {
  const [hex, portHex] = text.split(":");
  if (hex === undefined || portHex === undefined) return null;
  const port = Number.parseInt(portHex, 16);
  if (hex.length === 8) {
    const bytes = Buffer.from(hex, "hex").reverse();
    return { address: [...bytes].join("."), port };
  }
  if (hex.length === 32) {
    // Four 32-bit words, each in host (little-endian) order.
    const words = [0, 8, 16, 24].map((start) => Buffer.from(hex.slice(start, start + 8), "hex").reverse());
    const bytes = Buffer.concat(words);
    const groups: string[] = [];
    for (let index = 0; index < 16; index += 2) groups.push(bytes.readUInt16BE(index).toString(16));
    return { address: canonicalIp(groups.join(":")) ?? groups.join(":"), port };
  }
  return null;
}

/**
 * The outbound connections of a sample: established or still connecting, and
 * not accepted on a port the host listens on (those are its clients).
 */
export function outboundConnections(rows: readonly SocketRow[]): SocketRow[] {
  const listening = new Set(rows.filter((row) => row.state === "LISTEN").map((row) => row.localPort));
  return rows.filter((row) => (row.state === "ESTAB" || row.state === "SYN-SENT") && !listening.has(row.localPort));
}
