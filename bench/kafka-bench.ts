/**
 * `npm run bench:kafka`: the scaled-out pipeline on a real Kafka broker (from
 * Maven Central jars) and one store (chDB behind `vigil store serve`), beside
 * the embedded pipeline on the same file in the same run.
 *
 * 1. Throughput: a shipper sends a whole file; one `vigil process` worker
 *    per stage (parse, account-ips) parses and aggregates it; timed from the shipper's start
 *    until every login is counted in account_ip_history. Peak memory (VmHWM)
 *    of shipper and worker.
 * 2. Latency: lines appended to a live file at a steady rate; for each
 *    appended batch, the time until its last line is queryable in
 *    mail_auth_events (polled every 25 ms): p50 and p99.
 *
 *   npm run bench:kafka [-- --lines 500000 --rate 10000 --seconds 20]
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createClient } from "@clickhouse/client";
import { writeAwkLoginLog } from "../demo/write-awk-login-log.js";
import { NODE_HEAP_FLAGS } from "../runtime/node-heap-flags.js";
import { startKafkaBroker } from "../scripts/kafka/kafka-broker.js";

const root = resolve(import.meta.dirname, "..", "..");
const vigilJs = join(root, "dist", "bin", "vigil.js");
const args = new Map<string, string>();
for (let index = 2; index < process.argv.length; index += 2) {
  args.set(process.argv[index]?.replace(/^--/, "") ?? "", process.argv[index + 1] ?? "");
}
const lines = Number(args.get("lines") ?? 500_000);
const rate = Number(args.get("rate") ?? 10_000);
const latencySeconds = Number(args.get("seconds") ?? 20);
const work = mkdtempSync(join(tmpdir(), "vigil-kafka-bench-"));

const say = (text: string) => process.stderr.write(`${text}\n`);

function start(argv: string[]): ChildProcess & { output(): string } {
  // VIGIL_BENCH_PROFILE=DIR writes a CPU profile of every Vigil process into DIR.
  const profile = process.env.VIGIL_BENCH_PROFILE
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.VIGIL_BENCH_PROFILE}`]
    : [];
  const child = spawn(process.execPath, [...NODE_HEAP_FLAGS, ...profile, vigilJs, ...argv], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const chunks: Buffer[] = [];
  child.stdout?.on("data", (data: Buffer) => chunks.push(data));
  child.stderr?.on("data", (data: Buffer) => chunks.push(data));
  return Object.assign(child, { output: () => Buffer.concat(chunks).toString() });
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

function peakMiB(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return Number.NaN;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  await exited;
}

const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

/** Polls `check` every `everyMs` (a FINAL query is not free: polling must not load the store it measures). */
async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number, everyMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

function config(name: string, options: { store: string; brokers: string; data: string; source?: string }): string {
  const path = join(work, `${name}-${options.source === undefined ? "worker" : "ship"}.yaml`);
  writeFileSync(
    path,
    [
      `data: ${options.data}`,
      `clickhouse: { url: "${options.store}" }`,
      "kafka:",
      `  brokers: ["${options.brokers}"]`,
      "  topics:",
      `    rawMail: { name: ${name}.raw.mail, partitions: 2, retention: 1d }`,
      `    mailAuth: { name: ${name}.events.mail-auth, partitions: 4, retention: 1d }`,
      `    alerts: { name: ${name}.alerts, partitions: 1, retention: 1d }`,
      `    dlq: { name: ${name}.dlq, partitions: 1, retention: 1d }`,
      `  groups: { parse: ${name}-parse, accountIps: ${name}-account-ips }`,
      "  ship: { host: bench }",
      options.source === undefined ? "sources: []" : `sources: [ { path: ${options.source}, format: awk-login } ]`,
      "",
    ].join("\n"),
  );
  return path;
}

async function startStore(data: string): Promise<{ child: ReturnType<typeof start>; url: string }> {
  const child = start(["store", "serve", "--data", data, "--port", "0"]);
  let url = "";
  const deadline = Date.now() + 60_000;
  while (url === "") {
    url = /on (http:\/\/[0-9.:]+)/.exec(child.output())?.[1] ?? "";
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`store server: ${child.output()}`);
    await sleep(100);
  }
  return { child, url };
}

say(`work folder ${work}`);
const broker = await startKafkaBroker();
say(`broker ${broker.bootstrap} (pid ${broker.pid})`);
const file = join(work, "maillog");
await writeAwkLoginLog({ path: file, lines, users: 20_000, seed: 7 });
const logins = readFileSync(file, "utf8").split("LOGIN,").length - 1;
say(`${lines} lines, ${logins} logins`);

type Row = { measure: string; lines: number; seconds: number; peaks: string };
const rows: Row[] = [];
const closers: (() => Promise<void>)[] = [];
try {
  // Embedded, same file.
  const embeddedData = join(work, "embedded");
  const timed = spawnSync(
    "/usr/bin/time",
    [
      "-f",
      "%e %M",
      process.execPath,
      ...NODE_HEAP_FLAGS,
      vigilJs,
      "backfill",
      "--format",
      "awk-login",
      "--quiet-alerts",
      "--data",
      embeddedData,
      file,
    ],
    { encoding: "utf8" },
  );
  const [wall, kib] = (timed.stderr.trim().split("\n").at(-1) ?? "").split(" ").map(Number);
  rows.push({
    measure: "embedded: vigil backfill into chDB",
    lines,
    seconds: wall ?? Number.NaN,
    peaks: `${((kib ?? 0) / 1024).toFixed(0)}`,
  });

  // Throughput through Kafka.
  const store = await startStore(join(work, "store"));
  closers.push(() => stop(store.child));
  const client = createClient({ url: store.url, request_timeout: 60_000 });
  closers.push(() => client.close());
  const shipConfig = config("tput", {
    store: store.url,
    brokers: broker.bootstrap,
    data: join(work, "ship"),
    source: file,
  });
  const workerConfig = config("tput", { store: store.url, brokers: broker.bootstrap, data: join(work, "worker") });
  const init = spawnSync(process.execPath, [vigilJs, "kafka", "init", "--config", workerConfig], { encoding: "utf8" });
  if (init.status !== 0) throw new Error(init.stderr);
  // One worker per stage, as a fleet would run them (each stage is single-threaded).
  const worker = start(["process", "--role", "parse", "--config", workerConfig]);
  closers.push(() => stop(worker));
  const aggregator = start(["process", "--role", "account-ips", "--config", workerConfig]);
  closers.push(() => stop(aggregator));
  await sleep(3_000);
  const cpuBefore = [store.child.pid, worker.pid, aggregator.pid, broker.pid].map(cpuSeconds);
  const started = Date.now();
  const shipper = start(["ship", "--config", shipConfig]);
  closers.push(() => stop(shipper));
  let counted = 0;
  let eventsAt = 0;
  await waitFor(
    async () => {
      const result = await client.query({
        query: "SELECT toString(count()) AS n FROM mail_auth_events",
        format: "JSONEachRow",
      });
      const [row] = await result.json<{ n: string }>();
      return Number(row?.n ?? 0) >= logins;
    },
    "every event to be queryable",
    Math.max(120_000, lines / 2),
    250,
  );
  eventsAt = Date.now();
  await waitFor(
    async () => {
      const result = await client.query({
        query: "SELECT toString(sum(logins) + sum(failures)) AS n FROM account_ip_history FINAL",
        format: "JSONEachRow",
      });
      const [row] = await result.json<{ n: string }>();
      counted = Number(row?.n ?? 0);
      return counted >= logins;
    },
    "every login to be counted",
    Math.max(120_000, lines / 2),
    250,
  ).catch((error: unknown) => {
    throw new Error(
      `${String(error)} (${counted} of ${logins})\n--- workers:\n${worker.output().slice(-3000)}\n${aggregator.output().slice(-3000)}\n--- shipper:\n${shipper.output().slice(-3000)}`,
    );
  });
  const seconds = (Date.now() - started) / 1000;
  if (process.env.VIGIL_STORE_TRACE) writeFileSync(join(tmpdir(), "vigil-store-trace.txt"), store.child.output());
  const cpuAfter = [store.child.pid, worker.pid, aggregator.pid, broker.pid].map(cpuSeconds);
  const cpu = ["store", "parse", "account-ips", "broker"].map(
    (name, index) => `${name} ${((cpuAfter[index] ?? 0) - (cpuBefore[index] ?? 0)).toFixed(1)}`,
  );
  cpu.push(`ship ${cpuSeconds(shipper.pid).toFixed(1)}`);
  say(`CPU seconds during the throughput run: ${cpu.join(", ")}`);
  rows.push({
    measure: "kafka: ship -> parse -> events queryable",
    lines,
    seconds: (eventsAt - started) / 1000,
    peaks: "",
  });
  rows.push({
    measure: "kafka: ... -> account-ips -> history complete",
    lines,
    seconds,
    peaks: `ship ${peakMiB(shipper.pid).toFixed(0)}, parse ${peakMiB(worker.pid).toFixed(0)}, account-ips ${peakMiB(aggregator.pid).toFixed(0)}`,
  });
  await stop(shipper);

  // Latency at a steady rate.
  const live = join(work, "live.log");
  writeFileSync(live, "");
  const latShip = config("lat", {
    store: store.url,
    brokers: broker.bootstrap,
    data: join(work, "ship-lat"),
    source: live,
  });
  const latWorker = config("lat", { store: store.url, brokers: broker.bootstrap, data: join(work, "worker-lat") });
  spawnSync(process.execPath, [vigilJs, "kafka", "init", "--config", latWorker]);
  const latencyWorker = start(["process", "--config", latWorker]);
  await stop(worker);
  await stop(aggregator);
  closers.push(() => stop(latencyWorker));
  const latencyShipper = start(["ship", "--config", latShip]);
  closers.push(() => stop(latencyShipper));
  await sleep(4_000);
  const batches: { offset: number; at: number; seenAt?: number }[] = [];
  let size = 0;
  let sequence = 0;
  const perBatch = Math.max(1, Math.round(rate / 10));
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const writer = setInterval(() => {
    const now = new Date();
    const stamp = `${months[now.getUTCMonth()]} ${String(now.getUTCDate()).padStart(2, " ")} ${now.toISOString().slice(11, 19)}`;
    let text = "";
    for (let index = 0; index < perBatch; index++) {
      sequence += 1;
      text += `${stamp} mx9 vpopmail[2231]: vchkpw-pop3: LOGIN, proto=POP3 auth=PLAIN tls=yes session=s${sequence} user${sequence % 5000}@example.com 10.${(sequence >> 16) & 255}.${(sequence >> 8) & 255}.${sequence & 255}\n`;
    }
    appendFileSync(live, text);
    const lastLine = size + text.lastIndexOf("\n", text.length - 2) + 1;
    size += Buffer.byteLength(text);
    batches.push({ offset: lastLine, at: Date.now() });
  }, 100);
  const until = Date.now() + latencySeconds * 1000;
  while (Date.now() < until || batches.some((batch) => batch.seenAt === undefined)) {
    if (Date.now() > until + 30_000) break;
    const result = await client.query({
      query: "SELECT toString(max(offset)) AS o FROM mail_auth_events WHERE host = 'mx9'",
      format: "JSONEachRow",
    });
    const [row] = await result.json<{ o: string }>();
    const seen = Number(row?.o ?? -1);
    const now = Date.now();
    for (const batch of batches) if (batch.seenAt === undefined && batch.offset <= seen) batch.seenAt = now;
    if (Date.now() >= until) clearInterval(writer);
    await sleep(25);
  }
  clearInterval(writer);
  const latencies = batches
    .filter((batch) => batch.seenAt !== undefined)
    .map((batch) => (batch.seenAt as number) - batch.at)
    .sort((a, b) => a - b);
  const quantile = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  const missing = batches.length - latencies.length;
  process.stdout.write(`\nnode ${process.version}, Kafka ${broker.bootstrap}, ${lines} lines (${logins} logins)\n`);
  const width = Math.max(...rows.map((row) => row.measure.length));
  process.stdout.write(`${"measure".padEnd(width)}  seconds    lines/s  peak MiB\n`);
  for (const row of rows) {
    process.stdout.write(
      `${row.measure.padEnd(width)}  ${row.seconds.toFixed(2).padStart(7)}  ${Math.round(row.lines / row.seconds)
        .toLocaleString("en-US")
        .padStart(9)}  ${row.peaks}\n`,
    );
  }
  const embeddedRow = rows[0] as Row;
  const kafkaRow = rows[2] as Row;
  process.stdout.write(`kafka vs embedded: ${(embeddedRow.seconds / kafkaRow.seconds).toFixed(2)}\n`);
  process.stdout.write(
    `latency at ${rate} lines/s for ${latencySeconds} s (append -> row queryable in mail_auth_events): p50 ${quantile(0.5)} ms, p99 ${quantile(0.99)} ms over ${latencies.length} batches${missing > 0 ? `, ${missing} never seen` : ""}; peak MiB ship ${peakMiB(latencyShipper.pid).toFixed(0)}, worker ${peakMiB(latencyWorker.pid).toFixed(0)}\n`,
  );
  process.stdout.write("goals: >= 50,000 lines/s end to end; p99 < 2000 ms at 10,000 lines/s\n");
} finally {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await broker.stop();
  rmSync(work, { recursive: true, force: true });
}
