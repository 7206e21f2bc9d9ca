import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { MONTH_NAMES } from "../processors/parse/month-names.js";
import { seededRandom } from "./seeded-random.js";

/** The LogFormat of the benchmark's access log: vhost first, response time last. */
export const BENCH_APACHE_FORMAT = '%v %h %l %u %t "%r" %>s %b %D';

const BLOCK_LINES = 50_000;

/**
 * Writes `lines` Apache access log lines in BENCH_APACHE_FORMAT: 40 vhosts,
 * a few hundred paths, realistic statuses, sizes and response times, one
 * second apart. Deterministic for a seed.
 */
export async function writeApacheLog(options: { path: string; lines: number; seed: number }): Promise<void> {
  const random = seededRandom(options.seed);
  const vhosts = Array.from({ length: 40 }, (_, index) => `site${index}.example.com`);
  const paths = Array.from({ length: 300 }, (_, index) => `/shop/item/${index}`);
  const statuses = [200, 200, 200, 200, 200, 200, 304, 302, 404, 500];
  const out = createWriteStream(options.path);
  const start = Date.UTC(2026, 11, 1);
  let block: string[] = [];
  for (let line = 0; line < options.lines; line++) {
    const t = new Date(start + line * 1000);
    const stamp = apacheTime(t);
    const vhost = vhosts[random.int(0, vhosts.length - 1)];
    const path = paths[random.int(0, paths.length - 1)];
    const client = `${random.int(1, 223)}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`;
    block.push(
      `${vhost} ${client} - - [${stamp}] "GET ${path}?ref=${random.int(0, 999)} HTTP/1.1" ${statuses[random.int(0, statuses.length - 1)]} ${random.int(200, 90_000)} ${random.int(300, 900_000)}`,
    );
    if (block.length === BLOCK_LINES) {
      if (!out.write(`${block.join("\n")}\n`)) await once(out, "drain");
      block = [];
    }
  }
  if (block.length > 0) out.write(`${block.join("\n")}\n`);
  out.end();
  await once(out, "finish");
}

/** Apache's %t (without brackets), UTC. */
export function apacheTime(date: Date): string {
  const two = (value: number) => String(value).padStart(2, "0");
  return `${two(date.getUTCDate())}/${MONTH_NAMES[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}
