/**
 * `npm run bench`: Vigil's mail hot path beside the awk one-liner admins use
 * today, measured in the same run on the same file. Every figure is a whole
 * process timed by GNU time (wall seconds, peak resident memory); ratios are
 * awk's time over ours (above 1: Vigil is faster).
 *
 *   npm run bench [-- --lines 2000000 --big-lines 10000000 --runs 1]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BENCH_APACHE_FORMAT, writeApacheLog } from "../demo/write-apache-log.js";

const BENCH_FORMAT_NOTE = `LogFormat ${BENCH_APACHE_FORMAT}`;

import { writeAwkLoginLog } from "../demo/write-awk-login-log.js";
import { NODE_HEAP_FLAGS } from "../runtime/node-heap-flags.js";

const ONE_LINER = `/LOGIN,/ {if (index(i[$12], $13) == 0) i[$12]=i[$12] " " $13} END {for(p in i) {print split(i[p], a, " ") " " p " " i[p]}}`;
const root = resolve(import.meta.dirname, "..", "..");
const args = new Map<string, string>();
for (let index = 2; index < process.argv.length; index += 2) {
  args.set(process.argv[index]?.replace(/^--/, "") ?? "", process.argv[index + 1] ?? "");
}
const lines = Number(args.get("lines") ?? 2_000_000);
const bigLines = Number(args.get("big-lines") ?? 10_000_000);
const runs = Number(args.get("runs") ?? 1);
const apacheLines = Number(args.get("apache-lines") ?? 1_000_000);
const cacheDir = join(root, ".vigil-cache", "bench");
mkdirSync(cacheDir, { recursive: true });

type Figure = { name: string; lines: number; seconds: number; peakMiB: number };

async function benchFile(count: number): Promise<string> {
  const path = join(cacheDir, `maillog-awk-login-${count}.log`);
  if (!existsSync(path)) {
    process.stderr.write(`generating ${count} lines into ${path} ...\n`);
    await writeAwkLoginLog({ path, lines: count, users: 20_000, seed: 7 });
  }
  return path;
}

/** Runs a command under GNU time, `runs` times (each run gets its command afresh); keeps the median wall time and the largest peak. */
function measure(name: string, count: number, command: string[] | (() => { argv: string[]; cleanup(): void })): Figure {
  const walls: number[] = [];
  let peakKiB = 0;
  for (let run = 0; run < runs; run++) {
    const fresh = typeof command === "function" ? command() : { argv: command, cleanup: () => undefined };
    const result = spawnSync("/usr/bin/time", ["-f", "%e %M", ...fresh.argv], { encoding: "utf8", maxBuffer: 1 << 30 });
    fresh.cleanup();
    if (result.status !== 0) throw new Error(`${name} failed (${result.status}): ${result.stderr.slice(-2000)}`);
    const last = result.stderr.trim().split("\n").at(-1) ?? "";
    const [wall, kib] = last.split(" ").map(Number);
    walls.push(wall ?? Number.NaN);
    peakKiB = Math.max(peakKiB, kib ?? 0);
  }
  walls.sort((a, b) => a - b);
  const figure = {
    name,
    lines: count,
    seconds: walls[Math.floor(walls.length / 2)] ?? Number.NaN,
    peakMiB: peakKiB / 1024,
  };
  process.stderr.write(`  ${name}: ${figure.seconds.toFixed(2)} s, ${figure.peakMiB.toFixed(0)} MiB\n`);
  return figure;
}

const awk = (binary: string, file: string) => [
  "sh",
  "-c",
  `${binary} '${ONE_LINER}' '${file}' | LC_ALL=C sort -n | grep -v '^1 ' > /dev/null`,
];
// Vigil runs with the heap sizes its executable asks for (see runtime/node-heap-flags.ts).
const node = (script: string, ...rest: string[]) => [
  process.execPath,
  ...NODE_HEAP_FLAGS,
  join(root, "dist", script),
  ...rest,
];

const file = await benchFile(lines);
const big = bigLines > 0 ? await benchFile(bigLines) : null;
const mib = statSync(file).size / 1048576;
process.stderr.write(`bench file: ${lines} lines, ${mib.toFixed(0)} MiB; ${runs} run(s) each\n`);
const figures: Figure[] = [];
const hasGawk = spawnSync("gawk", ["--version"]).status === 0;
const mawk = measure("mawk one-liner", lines, awk("mawk", file));
figures.push(mawk);
if (hasGawk) figures.push(measure("gawk one-liner", lines, awk("gawk", file)));
figures.push(measure("vigil parse only", lines, node("bench/measure-mail.js", "parse", file)));
figures.push(measure("vigil parse + aggregation", lines, node("bench/measure-mail.js", "aggregate", file)));
// A fresh store for every run: a second import of the same file into the same store would skip it.
figures.push(
  measure("vigil whole pipeline into chDB", lines, () => {
    const dataDir = mkdtempSync(join(tmpdir(), "vigil-bench-"));
    return {
      argv: [...node("bin/vigil.js", "backfill", "--format", "awk-login", "--quiet-alerts", "--data", dataDir), file],
      cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }),
);
if (big !== null)
  figures.push(
    measure("vigil parse + aggregation (big file)", bigLines, node("bench/measure-mail.js", "aggregate", big)),
  );

/** The figures as a table, each with its speed relative to `reference` (above 1: faster than it). */
function figureTable(rows: readonly Figure[], reference: Figure): string {
  const header = ["measure", "lines", "seconds", "lines/s", "peak MiB", "speed vs mawk"];
  const cells = rows.map((figure) => [
    figure.name,
    String(figure.lines),
    figure.seconds.toFixed(2),
    Math.round(figure.lines / figure.seconds).toLocaleString("en-US"),
    figure.peakMiB.toFixed(0),
    (reference.seconds / reference.lines / (figure.seconds / figure.lines)).toFixed(2),
  ]);
  const widths = header.map((title, index) => Math.max(title.length, ...cells.map((row) => row[index]?.length ?? 0)));
  const line = (row: string[]) =>
    row
      .map((cell, index) => (index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0)))
      .join("  ");
  return `${line(header)}\n${cells.map(line).join("\n")}\n`;
}

process.stdout.write(
  `\nnode ${process.version}, ${execFileSync("nproc").toString().trim()} cores, file ${mib.toFixed(0)} MiB\n`,
);
process.stdout.write(figureTable(figures, mawk));
process.stdout.write(
  "goals: parse + aggregation >= 1.00 (as fast as mawk); whole pipeline >= 0.50; peak memory of the big file close to the 2M file (bounded by users, not lines)\n",
);

// Apache access logs: Vigil's parser and web pipeline beside mawk counting requests per vhost, on the same file.
if (apacheLines > 0) {
  const apacheFile = join(cacheDir, `apache-access-${apacheLines}.log`);
  if (!existsSync(apacheFile)) {
    process.stderr.write(`generating ${apacheLines} Apache lines into ${apacheFile} ...\n`);
    await writeApacheLog({ path: apacheFile, lines: apacheLines, seed: 3 });
  }
  const apacheMib = statSync(apacheFile).size / 1048576;
  const perVhost = measure("mawk requests per vhost", apacheLines, [
    "sh",
    "-c",
    `mawk '{c[$1]++} END {for (v in c) print c[v], v}' '${apacheFile}' > /dev/null`,
  ]);
  const apacheFigures = [
    perVhost,
    measure("vigil Apache parse only", apacheLines, node("bench/measure-web.js", "parse", apacheFile)),
    measure("vigil Apache whole pipeline into chDB", apacheLines, () => {
      const dataDir = mkdtempSync(join(tmpdir(), "vigil-bench-web-"));
      return {
        argv: node("bench/measure-web.js", "pipeline", apacheFile, dataDir),
        cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
      };
    }),
  ];
  process.stdout.write(
    `\nApache access log (${BENCH_FORMAT_NOTE}), file ${apacheMib.toFixed(0)} MiB\n${figureTable(apacheFigures, perVhost)}` +
      "mawk only counts the first field; Vigil parses every field (time, client, request, status, size, response time) and, in the pipeline, writes each request and feeds the outbound processor\n",
  );
}
