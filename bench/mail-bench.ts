/**
 * `npm run bench`: Vigil's mail hot path beside the awk one-liner admins use
 * today, measured in the same run on the same file. Every figure is a whole
 * process timed by GNU time (wall seconds, peak resident memory); ratios are
 * awk's time over ours per line (above 1: Vigil is faster), taken in each
 * round (every measure runs once per round, in turn) and their median kept.
 *
 *   npm run bench [-- --lines 2000000 --big-lines 10000000 --runs 1 --apache-lines 1000000]
 *
 * `--runs N`: rounds; `--big-lines 0` and `--apache-lines 0` leave those files out.
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

/** A command to time: its argv, or a function that makes a fresh one (and cleans up after it) for every run. */
type Command = string[] | (() => { argv: string[]; cleanup(): void });
type Measure = { name: string; lines: number; command: Command };
/** A measure's runs: wall seconds per round, in round order (the table shows their median), and the largest peak. */
type Figure = { name: string; lines: number; walls: number[]; peakMiB: number };

async function benchFile(count: number): Promise<string> {
  const path = join(cacheDir, `maillog-awk-login-${count}.log`);
  if (!existsSync(path)) {
    process.stderr.write(`generating ${count} lines into ${path} ...\n`);
    await writeAwkLoginLog({ path, lines: count, users: 20_000, seed: 7 });
  }
  return path;
}

/** Runs a command once under GNU time: wall seconds and peak resident KiB. */
function runOnce(name: string, command: Command): { wall: number; peakKiB: number } {
  const fresh = typeof command === "function" ? command() : { argv: command, cleanup: () => undefined };
  const result = spawnSync("/usr/bin/time", ["-f", "%e %M", ...fresh.argv], { encoding: "utf8", maxBuffer: 1 << 30 });
  fresh.cleanup();
  if (result.status !== 0) throw new Error(`${name} failed (${result.status}): ${result.stderr.slice(-2000)}`);
  const last = result.stderr.trim().split("\n").at(-1) ?? "";
  const [wall, kib] = last.split(" ").map(Number);
  return { wall: wall ?? Number.NaN, peakKiB: kib ?? 0 };
}

/**
 * Runs the measures in rounds, each measure once per round in turn, `runs` rounds: a ratio is then taken
 * between runs made in the same minutes (on a shared machine the speed of both moves over minutes;
 * all of one measure's runs and then all of the next's compared different minutes). Keeps every wall
 * time and the largest peak.
 */
function measureInRounds(measures: readonly Measure[]): Figure[] {
  const figures: Figure[] = measures.map(({ name, lines }) => ({ name, lines, walls: [], peakMiB: 0 }));
  for (let round = 0; round < runs; round++) {
    measures.forEach((measure, index) => {
      const figure = figures[index] as Figure;
      const { wall, peakKiB } = runOnce(measure.name, measure.command);
      figure.walls.push(wall);
      figure.peakMiB = Math.max(figure.peakMiB, peakKiB / 1024);
      process.stderr.write(
        `  round ${round + 1}/${runs}  ${measure.name}: ${wall.toFixed(2)} s, ${(peakKiB / 1024).toFixed(0)} MiB\n`,
      );
    });
  }
  return figures;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Speed against `reference` (above 1: faster than it, per line): the median of the rounds' ratios. */
function speedAgainst(figure: Figure, reference: Figure): number {
  return median(
    figure.walls.map((wall, round) => (reference.walls[round] ?? Number.NaN) / reference.lines / (wall / figure.lines)),
  );
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
process.stderr.write(`bench file: ${lines} lines, ${mib.toFixed(0)} MiB; ${runs} round(s)\n`);
const hasGawk = spawnSync("gawk", ["--version"]).status === 0;
const mailMeasures: Measure[] = [
  { name: "mawk one-liner", lines, command: awk("mawk", file) },
  ...(hasGawk ? [{ name: "gawk one-liner", lines, command: awk("gawk", file) }] : []),
  { name: "vigil parse only, one thread", lines, command: node("bench/measure-mail.js", "parse", file) },
  // An import's parse stage alone: what parse + aggregation would take if the aggregation cost nothing.
  { name: "vigil parse only, parse worker", lines, command: node("bench/measure-mail.js", "worker-parse", file) },
  { name: "vigil parse + aggregation", lines, command: node("bench/measure-mail.js", "aggregate", file) },
  // A fresh store for every run: a second import of the same file into the same store would skip it.
  {
    name: "vigil whole pipeline into chDB",
    lines,
    command: () => {
      const dataDir = mkdtempSync(join(tmpdir(), "vigil-bench-"));
      return {
        argv: [...node("bin/vigil.js", "backfill", "--format", "awk-login", "--quiet-alerts", "--data", dataDir), file],
        cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  },
  ...(big === null
    ? []
    : [
        {
          name: "vigil parse + aggregation (big file)",
          lines: bigLines,
          command: node("bench/measure-mail.js", "aggregate", big),
        },
      ]),
];
const figures = measureInRounds(mailMeasures);
const mawk = figures[0] as Figure;

/** The figures as a table, each with its speed relative to `reference` (above 1: faster than it). */
function figureTable(rows: readonly Figure[], reference: Figure): string {
  const header = ["measure", "lines", "seconds", "lines/s", "peak MiB", `speed vs ${reference.name.split(" ")[0]}`];
  const cells = rows.map((figure) => {
    const seconds = median(figure.walls);
    return [
      figure.name,
      String(figure.lines),
      seconds.toFixed(2),
      Math.round(figure.lines / seconds).toLocaleString("en-US"),
      figure.peakMiB.toFixed(0),
      speedAgainst(figure, reference).toFixed(2),
    ];
  });
  const widths = header.map((title, index) => Math.max(title.length, ...cells.map((row) => row[index]?.length ?? 0)));
  const line = (row: string[]) =>
    row
      .map((cell, index) => (index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0)))
      .join("  ");
  return `${line(header)}\n${cells.map(line).join("\n")}\n`;
}

process.stdout.write(
  `\nnode ${process.version}, ${execFileSync("nproc").toString().trim()} cores, file ${mib.toFixed(0)} MiB ` +
    `(${runs} round(s), every measure once per round; median wall time, largest peak; speed: the median of the rounds' ratios to mawk)\n`,
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
  const apacheFigures = measureInRounds([
    {
      name: "mawk requests per vhost",
      lines: apacheLines,
      command: ["sh", "-c", `mawk '{c[$1]++} END {for (v in c) print c[v], v}' '${apacheFile}' > /dev/null`],
    },
    { name: "vigil Apache parse only", lines: apacheLines, command: node("bench/measure-web.js", "parse", apacheFile) },
    {
      name: "vigil Apache whole pipeline into chDB",
      lines: apacheLines,
      command: () => {
        const dataDir = mkdtempSync(join(tmpdir(), "vigil-bench-web-"));
        return {
          argv: node("bench/measure-web.js", "pipeline", apacheFile, dataDir),
          cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
        };
      },
    },
  ]);
  const perVhost = apacheFigures[0] as Figure;
  process.stdout.write(
    `\nApache access log (${BENCH_FORMAT_NOTE}), file ${apacheMib.toFixed(0)} MiB\n${figureTable(apacheFigures, perVhost)}` +
      "mawk only counts the first field; Vigil parses every field (time, client, request, status, size, response time) and, in the pipeline, writes each request and feeds the outbound processor\n",
  );
}
