import { createHmac, timingSafeEqual } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Host key checking against an OpenSSH known_hosts file, as `ssh` does it:
 * plain and hashed (`|1|salt|hash`) names, `[host]:port` for other ports,
 * comma lists, `*`/`?` wildcards and `!` negation, `@revoked` lines. Strict
 * by default: an unknown host is refused; with `acceptNew` its key is added
 * (OpenSSH's StrictHostKeyChecking=accept-new). A changed key is always
 * refused.
 */
export type HostKeyVerdict =
  | { ok: true; added?: boolean }
  | { ok: false; reason: "unknown" | "changed" | "revoked"; message: string };

export type HostKeyChecker = {
  /** Key types known for the host (e.g. ssh-ed25519), so the connection asks the server for one of them. */
  knownTypes(address: string, port: number): string[];
  verify(address: string, port: number, key: Buffer): HostKeyVerdict;
};

type Entry = { patterns: string[]; type: string; blob: string; marker: string | null };

export function createHostKeyChecker(options: { path: string; acceptNew: boolean }): HostKeyChecker {
  const { path, acceptNew } = options;
  const load = (): Entry[] => (existsSync(path) ? parseKnownHosts(readFileSync(path, "utf8")) : []);
  const entriesFor = (address: string, port: number) => {
    const name = hostToken(address, port);
    return load().filter((entry) => matchesHost(entry.patterns, name));
  };
  return {
    knownTypes(address, port) {
      return [
        ...new Set(
          entriesFor(address, port)
            .filter((e) => e.marker === null)
            .map((e) => e.type),
        ),
      ];
    },
    verify(address, port, key) {
      const name = hostToken(address, port);
      const type = keyType(key);
      const blob = key.toString("base64");
      const entries = entriesFor(address, port);
      if (entries.some((entry) => entry.marker === "@revoked" && entry.blob === blob)) {
        return { ok: false, reason: "revoked", message: `the host key of ${name} is marked @revoked in ${path}` };
      }
      const plain = entries.filter((entry) => entry.marker === null);
      if (plain.some((entry) => entry.type === type && entry.blob === blob)) return { ok: true };
      if (plain.some((entry) => entry.type === type)) {
        return {
          ok: false,
          reason: "changed",
          message: `REMOTE HOST IDENTIFICATION HAS CHANGED for ${name}: its ${type} key is not the one in ${path} (someone may be intercepting the connection, or the server was reinstalled); if the change is expected, remove the old line with: ssh-keygen -R '${name}' -f ${path}`,
        };
      }
      if (!acceptNew) {
        return {
          ok: false,
          reason: "unknown",
          message: `${name} is not in ${path} (no ${type} key known); verify its fingerprint and add it (ssh-keyscan -p ${port} ${address} >> ${path}), or run with --accept-new to trust it on first use`,
        };
      }
      mkdirSync(dirname(path), { recursive: true });
      appendFileSync(path, `${name} ${type} ${blob}\n`, { mode: 0o600 });
      return { ok: true, added: true };
    },
  };
}

export function hostToken(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function parseKnownHosts(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith("@") ? (fields.shift() ?? null) : null;
    const [hosts, type, blob] = fields;
    if (hosts === undefined || type === undefined || blob === undefined) continue;
    if (marker !== null && marker !== "@revoked") continue; // @cert-authority: certificates are not used here
    entries.push({ patterns: hosts.split(","), type, blob, marker });
  }
  return entries;
}

function matchesHost(patterns: string[], name: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith("|1|")) {
      if (hashedMatches(pattern, name)) matched = true;
    } else if (pattern.startsWith("!")) {
      if (globMatches(pattern.slice(1), name)) return false;
    } else if (globMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

function hashedMatches(pattern: string, name: string): boolean {
  const [, , salt, hash] = pattern.split("|");
  if (salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function globMatches(pattern: string, name: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${regex}$`, "i").test(name);
}

/** The key type named inside an SSH public key blob (a length-prefixed string). */
export function keyType(blob: Buffer): string {
  if (blob.length < 4) return "unknown";
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString("latin1");
}
