import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { MONTH_NAMES } from "../processors/parse/month-names.js";
import { seededRandom } from "./seeded-random.js";

const BLOCK_LINES = 50_000;

/**
 * Writes `lines` lines in the layout of the admins' one-liner (user in field
 * 12, address in field 13 of lines containing `LOGIN,`):
 * `Nov 25 02:00:01 mx1 vpopmail[2231]: vchkpw-pop3: LOGIN, proto=POP3 auth=PLAIN tls=yes session=s0001 john@example.com 192.0.2.7`
 * About 60% are logins, the rest other lines of the same length. Each user
 * draws from a fixed pool of addresses (most 1-3, one in fifty 10-300), so a
 * longer file has the same users and addresses: memory that grows with it
 * would be a leak. Some pools hold an address that is a substring of another
 * (1.2.3.4 and 11.2.3.45), to exercise awk's index() quirk. Deterministic.
 */
export async function writeAwkLoginLog(options: {
  path: string;
  lines: number;
  users: number;
  seed: number;
}): Promise<void> {
  const random = seededRandom(options.seed);
  const pools: string[][] = [];
  const names: string[] = [];
  const octet = () => random.int(1, 254);
  for (let user = 0; user < options.users; user++) {
    names.push(`user${user}@example.com`);
    const size = random.chance(0.02) ? random.int(10, 300) : random.int(1, 3);
    const pool: string[] = [];
    for (let index = 0; index < size; index++) pool.push(`${octet()}.${octet()}.${octet()}.${octet()}`);
    if (user % 50 === 7) {
      const a = random.int(1, 25);
      const d = random.int(1, 25);
      pool.push(`1${a}.2.3.${d}5`, `${a}.2.3.${d}`);
    }
    pools.push(pool);
  }
  const stream = createWriteStream(options.path);
  const start = Date.UTC(2026, 10, 24, 0, 0, 0);
  const step = (86_400_000 * Math.max(1, options.lines / 2_000_000)) / options.lines;
  let block: string[] = [];
  for (let line = 0; line < options.lines; line++) {
    const date = new Date(start + Math.floor(line * step));
    const stamp = `${MONTH_NAMES[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, " ")} ${date.toISOString().slice(11, 19)}`;
    const user = Math.floor(random.next() * random.next() * options.users);
    const pool = pools[user] as string[];
    const ip = pool[Math.floor(random.next() * pool.length)];
    const session = (line % 99991).toString(36);
    block.push(
      random.next() < 0.6
        ? `${stamp} mx1 vpopmail[2231]: vchkpw-pop3: LOGIN, proto=POP3 auth=PLAIN tls=yes session=s${session} ${names[user]} ${ip}`
        : `${stamp} mx1 vpopmail[2231]: vchkpw-pop3: LOGOUT, proto=POP3 bytes=${line % 65536} session=s${session} ${names[user]} ${ip}`,
    );
    if (block.length === BLOCK_LINES) {
      if (!stream.write(`${block.join("\n")}\n`)) await once(stream, "drain");
      block = [];
    }
  }
  if (block.length > 0) stream.write(`${block.join("\n")}\n`);
  stream.end();
  await once(stream, "finish");
}
