import { once } from "node:events";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ClickHouseClient, createClient } from "@clickhouse/client";
import { buildMailScenario, type MailScenario } from "../../demo/mail-scenario.js";
import { type WrittenFile, writeMailLogs } from "../../demo/write-mail-logs.js";
import { startVigil } from "./vigil-cli.js";

export type VigilProcess = ReturnType<typeof startVigil>;

const DAY = 86_400_000;

/** The demo's mail scenario written as four logs of three hosts, to be fed to live files slice by slice. */
export async function scenarioLogs(dir: string, users = 600) {
  const scenario: MailScenario = buildMailScenario({
    seed: 11,
    users,
    start: Math.floor(Date.now() / DAY) * DAY - DAY,
    hours: 24,
  });
  const written = await writeMailLogs({ scenario, dir: join(dir, "generated"), seed: 11 });
  return { scenario, files: written.files };
}

/** Splits at line boundaries into `parts` pieces of about equal size. */
export function sliceLines(content: Buffer, parts: number): Buffer[] {
  const slices: Buffer[] = [];
  let start = 0;
  for (let part = 1; part <= parts; part++) {
    const target = Math.floor((content.length * part) / parts);
    const end = part === parts ? content.length : content.indexOf(10, target) + 1 || content.length;
    if (end > start) slices.push(content.subarray(start, end));
    start = end;
  }
  return slices;
}

/** Live files that grow as the generated ones are appended to them in `parts` steps. */
export function growingFiles(files: readonly WrittenFile[], liveDir: string, parts: number) {
  mkdirSync(liveDir, { recursive: true });
  const live = files.map((file) => {
    const path = join(liveDir, `${file.host}-${file.path.split("/").at(-1)}`);
    writeFileSync(path, "");
    return { file, path, slices: sliceLines(readFileSync(file.path), parts) };
  });
  return {
    live,
    append(step: number) {
      for (const entry of live) {
        const slice = entry.slices[step];
        if (slice !== undefined) appendFileSync(entry.path, slice);
      }
    },
  };
}

export async function waitFor(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** `vigil store serve` on a free port: resolves with its URL once it serves. */
export async function startStoreServer(dataDir: string, port = 0): Promise<{ process: VigilProcess; url: string }> {
  const child = startVigil(["store", "serve", "--data", dataDir, "--port", String(port)]);
  let url = "";
  await waitFor(
    () => {
      url = /serving .* on (http:\/\/[0-9.:]+)/.exec(child.output())?.[1] ?? "";
      if (child.exitCode !== null) throw new Error(`vigil store serve exited: ${child.output()}`);
      return url !== "";
    },
    "the store server",
    60_000,
  );
  return { process: child, url };
}

/** SIGTERM and the exit code; a process still running after a minute is killed and reported as -1. */
export async function stopProcess(child: VigilProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, "exit") as Promise<[number | null]>;
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const [code] = await exited;
  clearTimeout(timer);
  return child.signalCode === "SIGKILL" ? -1 : code;
}

export async function queryRows<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  const result = await client.query({ query, format: "JSONEachRow" });
  return result.json<T>();
}

/** The result tables of a store, in an order-independent form that two runs over the same lines must share exactly. */
export async function resultTables(client: ClickHouseClient): Promise<Record<string, string[]>> {
  const queries: Record<string, string> = {
    account_ip_history: "SELECT * FROM account_ip_history FINAL ORDER BY user, ip",
    account_windows: "SELECT * FROM account_windows FINAL ORDER BY user, window, window_start",
    // The evidence of an alert is what was known when it fired, which depends on how two hosts' lines interleaved; which alerts fired, at which highest level, does not.
    alerts:
      "SELECT kind, subject, window, window_start, max(level) AS level FROM alerts FINAL GROUP BY kind, subject, window, window_start ORDER BY kind, subject, window, window_start",
    mail_auth_events:
      "SELECT count() AS rows, sum(cityHash64(ts, host, service, user, user_raw, ip, success, format, reason, offset)) AS checksum FROM mail_auth_events FINAL",
    unparsed_lines:
      "SELECT count() AS rows, sum(cityHash64(offset, reason, line)) AS checksum FROM unparsed_lines FINAL",
  };
  const out: Record<string, string[]> = {};
  for (const [table, query] of Object.entries(queries)) {
    out[table] = (await queryRows(client, query)).map((row) => JSON.stringify(row));
  }
  return out;
}

export function storeClient(url: string): ClickHouseClient {
  return createClient({ url, request_timeout: 60_000 });
}

/** A test's own topics (every name under `prefix`, one day's retention), with the web lines on `rawWebPartitions`. */
export function testTopics(prefix: string, rawWebPartitions = 1) {
  const topic = (suffix: string, partitions = 1) => ({ name: `${prefix}.${suffix}`, partitions, retention: "1d" });
  return {
    rawMail: topic("raw.mail"),
    mailAuth: topic("events.mail-auth"),
    alerts: topic("alerts"),
    dlq: topic("dlq"),
    rawWeb: topic("raw.web", rawWebPartitions),
  };
}
