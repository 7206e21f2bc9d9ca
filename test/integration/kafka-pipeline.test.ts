import { once } from "node:events";
import { appendFileSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigResourceTypes, Kafka, logLevel } from "kafkajs";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { stringify } from "yaml";
import type { MailScenario } from "../../demo/mail-scenario.js";
import { apacheTime } from "../../demo/write-apache-log.js";
import type { WrittenFile } from "../../demo/write-mail-logs.js";
import type { AlertRow } from "../../processors/account-ips/rows.js";
import { loadStateFile } from "../../processors/state-file.js";
import { freePort, type KafkaBroker, startKafkaBroker } from "../../scripts/kafka/kafka-broker.js";
import {
  growingFiles,
  queryRows,
  resultTables,
  scenarioLogs,
  startStoreServer,
  stopProcess,
  storeClient,
  testTopics,
  type VigilProcess,
  waitFor,
} from "../helpers/scaled-out.js";
import { compromisedAccountAlert } from "../helpers/vigil-alert.js";
import { exitOf, killBackground, startVigil, tempDir, vigil } from "../helpers/vigil-cli.js";

/**
 * The scaled-out pipeline on a real Kafka broker (KRaft, from Maven Central
 * jars): two shippers ("hosts") tail growing files, two `vigil process`
 * workers share the partitions, one ClickHouse engine (chDB behind `vigil
 * store serve`) holds the results. Every variant must end with exactly the
 * ground truth and exactly what the embedded `vigil run` computes.
 */

const SLICES = 10;
/**
 * Each step appends 2.4 hours of event time at once, and the shippers start
 * unevenly: a replay, not live traffic. A lateness over the whole day keeps
 * every window open until the end in both pipelines, so what is compared is
 * loss and double counting, not how far apart two hosts' replays were.
 */
const LATENESS = "accountIps: { lateness: 2d }";
let broker: KafkaBroker;
let root: string;
let scenario: MailScenario;
let files: WrittenFile[];
let reference: Record<string, string[]>;

type Source = { path: string; format: string; host?: string };

function sourcesYaml(sources: readonly Source[]): string {
  return sources
    .map(
      (source) =>
        `  - { path: ${source.path}, format: ${source.format}${source.host === undefined ? "" : `, host: ${source.host}`} }`,
    )
    .join("\n");
}

function writeConfig(
  path: string,
  options: { name: string; storeUrl?: string; data: string; host?: string; sources: Source[] },
) {
  const { name } = options;
  writeFileSync(
    path,
    [
      `data: ${options.data}`,
      ...(options.storeUrl === undefined ? [] : [`clickhouse: { url: "${options.storeUrl}" }`]),
      "kafka:",
      `  brokers: ["${broker.bootstrap}"]`,
      `  clientId: test-${name}`,
      "  topics:",
      `    rawMail: { name: ${name}.raw.mail, partitions: 4, retention: 1d }`,
      `    mailAuth: { name: ${name}.events.mail-auth, partitions: 6, retention: 1d }`,
      `    alerts: { name: ${name}.alerts, partitions: 1, retention: 1d }`,
      `    dlq: { name: ${name}.dlq, partitions: 1, retention: 1d }`,
      `  groups: { parse: ${name}-parse, accountIps: ${name}-account-ips }`,
      `  ship: { host: ${options.host ?? "none"}, maxRecordBytes: 16384 }`,
      "  commitInterval: 300ms",
      "  sessionTimeout: 3s",
      options.sources.length === 0 ? "sources: []" : `sources:\n${sourcesYaml(options.sources)}`,
      "tail: { pollInterval: 50ms, flushInterval: 200ms, batchLines: 2000 }",
      LATENESS,
      "",
    ].join("\n"),
  );
}

/** Shipper A carries mx1 and mx2's logs, shipper B mx3's syslog and exim's own log. */
function split(live: { file: WrittenFile; path: string }[]): { a: Source[]; b: Source[] } {
  const a: Source[] = [];
  const b: Source[] = [];
  for (const entry of live) {
    const source: Source =
      entry.file.format === "exim"
        ? { path: entry.path, format: "exim", host: entry.file.host }
        : { path: entry.path, format: "auto" };
    (entry.file.host === "mx3" ? b : a).push(source);
  }
  return { a, b };
}

const expectedTotal = () => scenario.events.length;

type Scenario = {
  name: string;
  /** Runs once the topics exist, before any shipper or worker starts. */
  afterInit?: () => Promise<void>;
  /** Runs after half of the lines were appended. */
  disrupt?: (context: {
    workers: VigilProcess[];
    shippers: VigilProcess[];
    restartShipper(index: number): void;
    startWorker(): void;
    restartStore(downMs: number): Promise<void>;
  }) => Promise<void>;
};

const trace = (what: string) => {
  if (process.env.VIGIL_TEST_TRACE) process.stderr.write(`[${new Date().toISOString()}] ${what}\n`);
};

async function runScaledOut(
  variant: Scenario,
): Promise<{ tables: Record<string, string[]>; extra: Record<string, unknown> }> {
  const dir = join(root, variant.name);
  const { live, append } = growingFiles(files, join(dir, "live"), SLICES);
  let store = await startStoreServer(join(dir, "store"));
  const { a, b } = split(live);
  const restartStore = async (downMs: number) => {
    const port = Number(new URL(store.url).port);
    await stopProcess(store.process);
    await new Promise((resolve) => setTimeout(resolve, downMs));
    store = await startStoreServer(join(dir, "store"), port);
  };
  const worker = join(dir, "worker.yaml");
  writeConfig(worker, { name: variant.name, storeUrl: store.url, data: join(dir, "worker"), sources: [] });
  const shipperConfigs = [join(dir, "ship-a.yaml"), join(dir, "ship-b.yaml")];
  writeConfig(shipperConfigs[0] as string, {
    name: variant.name,
    storeUrl: store.url,
    data: join(dir, "ship-a"),
    host: "host-a",
    sources: a,
  });
  writeConfig(shipperConfigs[1] as string, {
    name: variant.name,
    storeUrl: store.url,
    data: join(dir, "ship-b"),
    host: "host-b",
    sources: b,
  });
  const init = await vigil(["kafka", "init", "--config", worker]);
  expect(init.code, init.stderr).toBe(0);
  await variant.afterInit?.();

  const workers: VigilProcess[] = [];
  const startWorker = () => {
    workers.push(startVigil(["process", "--config", worker, "--data", join(dir, `worker-${workers.length}`)]));
  };
  const shippers: VigilProcess[] = shipperConfigs.map((config) => startVigil(["ship", "--config", config]));
  const restartShipper = (index: number) => {
    shippers[index] = startVigil(["ship", "--config", shipperConfigs[index] as string]);
  };
  startWorker();
  startWorker();
  const client = storeClient(store.url);
  try {
    for (let step = 0; step < SLICES; step++) {
      append(step);
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (step === SLICES / 2 - 1 && variant.disrupt !== undefined) {
        await variant.disrupt({ workers, shippers, restartShipper, startWorker, restartStore });
      }
    }
    trace("all appended");
    let counted = 0;
    await waitFor(
      async () => {
        const [row] = await queryRows<{ events: string }>(
          client,
          "SELECT toString(sum(logins) + sum(failures)) AS events FROM account_ip_history FINAL",
        ).catch(() => [{ events: "0" }]);
        counted = Number(row?.events ?? 0);
        return counted === expectedTotal();
      },
      `the Kafka pipeline to count every login (counted so far: ${counted} of ${expectedTotal()})`,
      180_000,
    ).catch((error: unknown) => {
      throw new Error(
        `${String(error)}; counted ${counted} of ${expectedTotal()}\n--- workers:\n${workers.map((w) => w.output().slice(-3000)).join("\n---\n")}\n--- shippers:\n${shippers.map((s) => s.output().slice(-2000)).join("\n---\n")}`,
      );
    });
    trace("counted");
    // Every shipper has sent every byte (and its checkpoint says so).
    await waitFor(
      () =>
        checkpointedEverything(join(dir, "ship-a", "ship-state.json"), a) &&
        checkpointedEverything(join(dir, "ship-b", "ship-state.json"), b),
      "the shippers to checkpoint every file's end",
      30_000,
    );
    trace("shipped");
    // Drained, as an operator stops a fleet: every record read and committed by every group. Duplicates
    // (a stage replaying after the kill or a rebalance) may still be in flight after the counts are right.
    let behind = "";
    await waitFor(
      async () => {
        const drained = await vigil(["status", "--config", worker, "--format", "json"]);
        if (drained.code !== 0) return false;
        const lagging = (JSON.parse(drained.stdout) as { groups: { lag: number }[] }).groups.filter(
          (row) => row.lag !== 0,
        );
        behind = JSON.stringify(lagging);
        return lagging.length === 0;
      },
      "every group to read every record",
      60_000,
    ).catch((error: unknown) => {
      throw new Error(
        `${String(error)}; partitions behind: ${behind}\n--- workers:\n${workers.map((w) => w.output().slice(-3000)).join("\n---\n")}`,
      );
    });
    trace("drained");
    for (const child of workers) {
      if (child.signalCode === null) expect(await stopProcess(child), child.output().slice(-3000)).toBe(0);
    }
    trace("workers stopped");
    for (const child of workers) {
      for (const line of child.output().split("\n"))
        if (/failed|refused|rejoin/.test(line)) trace(`worker: ${line.slice(0, 300)}`);
    }
    for (const child of shippers) {
      if (child.signalCode === null) expect(await stopProcess(child), child.output().slice(-3000)).toBe(0);
    }
    trace("shippers stopped");
    // vigil status: every partition of both groups caught up, both shippers' positions known.
    const status = await vigil(["status", "--config", worker, "--format", "json"]);
    expect(status.code, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as { groups: { lag: number }[]; shippers: { host: string }[] };
    expect(report.groups.length).toBe(4 + 6);
    // Every partition caught up (the rows behind, if any, are the message).
    expect(report.groups.filter((row) => row.lag !== 0)).toEqual([]);
    expect(new Set(report.shippers.map((row) => row.host))).toEqual(new Set(["host-a", "host-b"]));
    const tables = await resultTables(client);
    const perPair = await queryRows<{ user: string; ip: string; logins: string; failures: string }>(
      client,
      "SELECT user, ip, toString(logins) AS logins, toString(failures) AS failures FROM account_ip_history FINAL",
    );
    const published = await publishedAlerts(`${variant.name}.alerts`);
    const workerOutput = workers.map((child) => child.output()).join("\n");
    return { tables, extra: { perPair, published, workerOutput } };
  } finally {
    for (const child of [...workers, ...shippers]) if (child.exitCode === null) child.kill("SIGKILL");
    await client.close();
    await stopProcess(store.process);
  }
}

/** The state file at `statePath` has every source at its file's current end. */
function checkpointedEverything(statePath: string, sources: readonly { path: string }[]): boolean {
  try {
    const state = loadStateFile(statePath);
    if (state === null) return false;
    return sources.every((source) =>
      state.positions.some(
        (position) => position.path === source.path && position.offset === statSync(source.path).size,
      ),
    );
  } catch {
    return false;
  }
}

/** (user, ip) -> "logins/failures" straight from the generated scenario: the ground truth. */
function groundTruthPairs(): Map<string, string> {
  const counts = new Map<string, { logins: number; failures: number }>();
  for (const event of scenario.events) {
    const key = `${event.user}\t${event.ip}`;
    const entry = counts.get(key) ?? { logins: 0, failures: 0 };
    if (event.success) entry.logins += 1;
    else entry.failures += 1;
    counts.set(key, entry);
  }
  return new Map([...counts].map(([key, value]) => [key, `${value.logins}/${value.failures}`]));
}

/**
 * Every alert on `topic` (all of them: the workers have stopped), as the store's `alerts` rows are compared:
 * per (kind, subject, window, window start) the highest level. An alert may be there twice (published again
 * after a failure before its checkpoint), never missing.
 */
let readers = 0;
async function publishedAlerts(topic: string): Promise<string[]> {
  const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: "alerts-reader", logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const total = offsets.reduce((sum, entry) => sum + Number(entry.high) - Number(entry.low), 0);
  const highest = new Map<
    string,
    { kind: string; subject: string; window: string; window_start: string; level: number }
  >();
  let read = 0;
  readers += 1;
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${readers}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        read += 1;
        const alert = JSON.parse(message.value?.toString("utf8") ?? "{}") as AlertRow;
        // As the store holds it: DateTime('UTC') in seconds.
        const windowStart = new Date(alert.window_start).toISOString().slice(0, 19).replace("T", " ");
        const key = [alert.kind, alert.subject, alert.window, windowStart].join("\t");
        const known = highest.get(key);
        if (known === undefined || known.level < alert.level)
          highest.set(key, {
            kind: alert.kind,
            subject: alert.subject,
            window: alert.window,
            window_start: windowStart,
            level: alert.level,
          });
      },
    });
    await waitFor(() => read >= total, `reading the ${total} alerts on ${topic} (read ${read})`, 60_000);
  } finally {
    await consumer.disconnect();
  }
  return [...highest.values()].map((row) => JSON.stringify(row)).sort();
}

/** Every alert the store holds was published on the alerts topic, at its highest level. */
function expectAlertsPublished(result: { tables: Record<string, string[]>; extra: Record<string, unknown> }) {
  expect(result.extra.published).toEqual([...(result.tables.alerts ?? [])].sort());
}

/** Sets a topic's `max.message.bytes`: 64 refuses every alert (MESSAGE_TOO_LARGE, not retried), as a broken topic would. */
async function setMaxMessageBytes(topic: string, bytes: number): Promise<void> {
  const admin = new Kafka({
    brokers: [broker.bootstrap],
    clientId: "topic-config",
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: [{ name: "max.message.bytes", value: String(bytes) }],
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

function expectGroundTruth(result: { extra: Record<string, unknown> }) {
  const rows = result.extra.perPair as { user: string; ip: string; logins: string; failures: string }[];
  const measured = new Map(rows.map((row) => [`${row.user}\t${row.ip}`, `${row.logins}/${row.failures}`]));
  expect(measured).toEqual(groundTruthPairs());
}

beforeAll(async () => {
  root = tempDir("kafka");
  broker = await startKafkaBroker();
  ({ scenario, files } = await scenarioLogs(root));
  // The embedded pipeline over the same complete files is the reference.
  const dir = join(root, "embedded");
  const { live, append } = growingFiles(files, join(dir, "live"), 1);
  append(0);
  const { a, b } = split(live);
  const config = join(dir, "vigil.yaml");
  writeFileSync(
    config,
    [
      `data: ${join(dir, "data")}`,
      "sources:",
      sourcesYaml([...a, ...b]),
      "tail: { pollInterval: 50ms, flushInterval: 200ms }",
      LATENESS,
      "",
    ].join("\n"),
  );
  const run = startVigil(["run", "--config", config]);
  await waitFor(
    () => checkpointedEverything(join(dir, "data", "state.json"), live),
    "the embedded run to commit every file",
  );
  run.kill("SIGTERM");
  const code = await exitOf(run);
  expect(code, run.output()).toBe(0);
  const store = await startStoreServer(join(dir, "data"));
  const client = storeClient(store.url);
  try {
    reference = await resultTables(client);
  } finally {
    await client.close();
    await stopProcess(store.process);
  }
}, 300_000);

// A failed or timed-out scenario must not leave its processes to disturb the next one.
afterEach(() => killBackground());

afterAll(async () => {
  await broker?.stop();
});

describe("vigil ship and vigil process over a real Kafka broker", () => {
  test("two shippers and two workers: exactly the ground truth, and exactly what the embedded pipeline computes", async () => {
    const result = await runScaledOut({ name: "plain" });
    expectGroundTruth(result);
    expect(reference.account_ip_history?.length).toBeGreaterThan(500);
    expect(reference.alerts?.length).toBeGreaterThan(0);
    expect(result.tables).toEqual(reference);
    expectAlertsPublished(result);
  }, 300_000);

  test("a worker killed with SIGKILL mid-stream and restarted: no loss, no double count", async () => {
    const result = await runScaledOut({
      name: "kill-worker",
      async disrupt({ workers, startWorker }) {
        const victim = workers[0] as VigilProcess;
        victim.kill("SIGKILL");
        await once(victim, "exit");
        await new Promise((resolve) => setTimeout(resolve, 1000));
        startWorker();
      },
    });
    expectGroundTruth(result);
    expect(result.tables).toEqual(reference);
    expectAlertsPublished(result);
  }, 300_000);

  test("a worker added mid-stream takes partitions over: no loss, no double count", async () => {
    const result = await runScaledOut({
      name: "add-worker",
      async disrupt({ startWorker }) {
        startWorker();
      },
    });
    expectGroundTruth(result);
    expect(result.tables).toEqual(reference);
    expectAlertsPublished(result);
  }, 300_000);

  test("the broker stopped for ten seconds and started again: everything arrives once", async () => {
    const result = await runScaledOut({
      name: "broker-restart",
      async disrupt() {
        const { runDir, port, controllerPort } = broker;
        await broker.stop({ keepData: true });
        await new Promise((resolve) => setTimeout(resolve, 10_000));
        broker = await startKafkaBroker({ runDir, port, controllerPort });
      },
    });
    expectGroundTruth(result);
    expect(result.tables).toEqual(reference);
    expectAlertsPublished(result);
  }, 300_000);

  test("alerts the alerts topic refuses for a while are published once it takes them: none lost", async () => {
    const topic = "refused-alerts.alerts";
    const result = await runScaledOut({
      name: "refused-alerts",
      afterInit: () => setMaxMessageBytes(topic, 64),
      async disrupt() {
        // Half of the lines are in; the partitions that raised alerts fail their checkpoints meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        await setMaxMessageBytes(topic, 1_048_588);
      },
    });
    expect(result.extra.workerOutput).toMatch(/writing a checkpoint failed/);
    expectGroundTruth(result);
    expect(result.tables).toEqual(reference);
    expectAlertsPublished(result);
  }, 300_000);

  test("a shipper killed with SIGKILL and restarted resumes from its checkpoint: no loss, no double count", async () => {
    const result = await runScaledOut({
      name: "kill-shipper",
      async disrupt({ shippers, restartShipper }) {
        const victim = shippers[0] as VigilProcess;
        victim.kill("SIGKILL");
        await once(victim, "exit");
        await new Promise((resolve) => setTimeout(resolve, 500));
        restartShipper(0);
      },
    });
    expectGroundTruth(result);
    expect(result.tables).toEqual(reference);
    expectAlertsPublished(result);
  }, 300_000);

  test("records no stage can read go to the dead-letter topic with the reason", async () => {
    const name = "poison";
    const dir = join(root, name);
    const store = await startStoreServer(join(dir, "store"));
    const config = join(dir, "worker.yaml");
    writeConfig(config, { name, storeUrl: store.url, data: join(dir, "worker"), sources: [] });
    expect((await vigil(["kafka", "init", "--config", config])).code).toBe(0);
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: "poison-test", logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: `${name}.raw.mail`,
      messages: [{ key: "h", value: "Nov 24 00:00:00 mx1 x: y\n", headers: { host: "h" } }],
    });
    await producer.send({
      topic: `${name}.events.mail-auth`,
      messages: [
        { key: "u", value: "{not an event line" },
        {
          key: "u",
          value: [
            "soon",
            "mx1",
            "imap",
            "x; rm -rf /",
            "x",
            "192.0.2.7",
            "1",
            "dovecot",
            "",
            "0123456789abcdef",
            "7",
          ].join("\t"),
        },
      ],
    });
    await producer.disconnect();
    // The dead-letter topic refuses them at first: they must arrive once it takes them, not be lost.
    await setMaxMessageBytes(`${name}.dlq`, 64);
    const worker = startVigil(["process", "--config", config, "--metrics-port", "0"]);
    await waitFor(
      () => /sending dead letters failed/.test(worker.output()),
      "the account-ips stage to fail sending its dead letters",
      30_000,
    );
    await setMaxMessageBytes(`${name}.dlq`, 1_048_588);
    const consumer = kafka.consumer({ groupId: `${name}-reader` });
    const reasons: string[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: `${name}.dlq`, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          reasons.push(`${message.headers?.["dlq-stage"]?.toString()}: ${message.headers?.["dlq-reason"]?.toString()}`);
        },
      });
      await waitFor(() => reasons.length >= 3, "three dead letters", 60_000);
      // The worker's own account of it, and its health.
      const port = /metrics on http:\/\/127\.0\.0\.1:(\d+)/.exec(worker.output())?.[1];
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/vigil_stage_dead_letters_total\{stage="parse"\} 1/);
      expect(metrics).toMatch(/vigil_stage_dead_letters_total\{stage="account-ips"\} 2/);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await consumer.disconnect();
      expect(await stopProcess(worker), worker.output()).toBe(0);
      await stopProcess(store.process);
    }
    expect(reasons.sort()).toEqual([
      expect.stringMatching(/^account-ips: not a mail auth event: expected 11 tab-separated fields/),
      expect.stringMatching(/^account-ips: not a mail auth event: ts: /),
      expect.stringMatching(/^parse: bad headers: path: /),
    ]);
  }, 120_000);

  test("vigil serve reads vigil.alerts and turns each alert into an action by the rules", async () => {
    const name = "serve";
    const dir = join(root, name);
    const config = join(dir, "serve.yaml");
    mkdirSync(dir, { recursive: true });
    writeConfig(config, { name, data: join(dir, "data"), sources: [] });
    writeFileSync(join(dir, "inventory.yml"), "mail:\n  hosts:\n    mail-1: { ansible_host: 192.0.2.25 }\n");
    writeFileSync(
      join(dir, "rules.yml"),
      "rules:\n  - name: lock-compromised\n    match: { kind: compromised-account }\n    remediation: lock-account\n    group: mail\n    params: { user: '{subject}' }\n    mode: notify\n",
    );
    const port = await freePort();
    appendFileSync(
      config,
      `actions:\n  inventory: ${join(dir, "inventory.yml")}\n  rules: ${join(dir, "rules.yml")}\n  serve: { listen: "127.0.0.1:${port}" }\n`,
    );
    expect((await vigil(["kafka", "init", "--config", config])).code).toBe(0);
    const serve = startVigil(["serve", "--config", config], { env: { VIGIL_WEBHOOK_TOKEN: "t" } });
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: "serve-test", logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const alert = compromisedAccountAlert("victim@example.com");
    type Row = { state: string; remediation: string; actor: string; params: { user: string } };
    let rows: Row[] = [];
    try {
      // serve reads alerts published after it joined its group: publish until the first is seen (repeats are ignored).
      await waitFor(
        async () => {
          await producer.send({
            topic: `${name}.alerts`,
            messages: [{ key: alert.subject, value: JSON.stringify(alert) }],
          });
          const response = await fetch(`http://127.0.0.1:${port}/api/actions`, {
            headers: { authorization: "Bearer t" },
          }).catch(() => null);
          rows = response?.ok === true ? ((await response.json()) as { actions: Row[] }).actions : [];
          return rows.some((row) => row.state === "notified");
        },
        "vigil serve to act on an alert from the topic",
        60_000,
      );
    } finally {
      await producer.disconnect();
      expect(await stopProcess(serve), serve.output()).toBe(0);
    }
    expect(rows.filter((row) => row.state === "notified")).toEqual([
      expect.objectContaining({
        remediation: "lock-account",
        actor: "rule:lock-compromised",
        params: { user: "victim@example.com" },
      }),
    ]);
  }, 120_000);

  test("a web server's evidence through Kafka: vigil ship sends Apache lines and samples, vigil process --role outbound finds its own domain leaving it", async () => {
    const name = "web";
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const store = await startStoreServer(join(dir, "store"));
    const logFormat = '%v %h %l %u %t "%r" %>s %b %D';
    const accessLog = join(dir, "access.log");
    const now = Date.now();
    const stamp = (ms: number) => `[${apacheTime(new Date(ms))}]`;
    const lines = Array.from(
      { length: 300 },
      (_, i) =>
        `shop.test 203.0.113.${i % 250} - - ${stamp(now - 300_000 + i * 1000)} "GET /page/${i} HTTP/1.1" 200 512 ${i % 3 === 0 ? 850000 : 3000}`,
    );
    writeFileSync(accessLog, `${lines.join("\n")}\n`);
    // Stand-ins for ss and getent on the web server: its curl connects to 10.9.9.9, which shop.test resolves to there.
    const ssOutput = join(dir, "ss.txt");
    writeFileSync(
      ssOutput,
      'LISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:(("apache2",pid=10,fd=3))\nESTAB 0 0 10.0.0.2:40001 10.9.9.9:80 users:(("curl",pid=11,fd=3)) uid:33\nESTAB 0 0 10.0.0.2:80 198.51.100.7:5555 users:(("apache2",pid=12,fd=4))\n',
    );
    const config = (data: string, storeUrl?: string) =>
      stringify({
        data,
        ...(storeUrl === undefined ? {} : { clickhouse: { url: storeUrl } }),
        kafka: {
          brokers: [broker.bootstrap],
          clientId: `test-${name}`,
          topics: testTopics(name, 2),
          groups: { parse: `${name}-parse`, accountIps: `${name}-account-ips`, outbound: `${name}-outbound` },
          ship: { host: "web1" },
          sessionTimeout: "3s",
        },
        sources: [{ path: accessLog, kind: "apache-access", format: logFormat, host: "web1" }],
        web: {
          host: "web1",
          sites: [{ domain: "shop.test" }],
          sampler: { interval: "200ms", command: ["sh", "-c", `cat ${ssOutput}`] },
          resolver: { interval: "300ms", command: ["sh", "-c", "echo 10.9.9.9 STREAM shop.test"] },
          learningPeriod: "0s",
        },
        tail: { pollInterval: "50ms", flushInterval: "200ms" },
      });
    const shipConfig = join(dir, "ship.yaml");
    const workerConfig = join(dir, "worker.yaml");
    writeFileSync(shipConfig, config(join(dir, "ship")));
    writeFileSync(workerConfig, config(join(dir, "worker"), store.url));
    expect((await vigil(["kafka", "init", "--config", workerConfig])).code).toBe(0);
    // The alerts topic refuses the finding at first: it must reach the topic once it takes it, not be lost.
    await setMaxMessageBytes(`${name}.alerts`, 64);
    const shipper = startVigil(["ship", "--config", shipConfig]);
    const worker = startVigil(["process", "--role", "outbound", "--config", workerConfig]);
    const client = storeClient(store.url);
    try {
      await waitFor(
        async () => {
          const [row] = await queryRows<{ requests: string; verdict: string }>(
            client,
            "SELECT toString((SELECT count() FROM http_requests FINAL)) AS requests, (SELECT any(verdict) FROM outbound_destinations FINAL WHERE address = '10.9.9.9') AS verdict",
          ).catch(() => [{ requests: "0", verdict: "" }]);
          return row?.requests === String(lines.length) && row.verdict === "own-domain-leaves-host";
        },
        "the outbound stage to store every request and the finding",
        90_000,
      );
      const destinations = await queryRows<{ host: string; address: string; port: number; processes: string[] }>(
        client,
        "SELECT host, address, port, processes FROM outbound_destinations FINAL ORDER BY address",
      );
      // Only the outbound connection: the client connected to port 80, which the server listens on, is not one.
      expect(destinations).toEqual([{ host: "web1", address: "10.9.9.9", port: 80, processes: ["curl"] }]);
      await waitFor(
        async () =>
          (
            await queryRows<{ n: string }>(
              client,
              "SELECT toString(count()) AS n FROM alerts FINAL WHERE kind = 'own-domain-leaves-host' AND subject = 'shop.test'",
            )
          )[0]?.n !== "0",
        "the finding in the alerts table",
        30_000,
      );
      // Stored (the rows go first), refused on the topic; then the topic takes it, and the stage sends it again.
      expect(await publishedAlerts(`${name}.alerts`)).toEqual([]);
      await setMaxMessageBytes(`${name}.alerts`, 1_048_588);
      // Every alert the store holds (the finding, and a new-destination alert when the connection was seen
      // before the resolution) reaches the topic.
      let published: string[] = [];
      let stored: string[] = [];
      await waitFor(
        async () => {
          published = await publishedAlerts(`${name}.alerts`);
          stored = (
            await queryRows(
              client,
              "SELECT kind, subject, window, window_start, max(level) AS level FROM alerts FINAL GROUP BY kind, subject, window, window_start",
            )
          )
            .map((row) => JSON.stringify(row))
            .sort();
          return (
            published.some((row) => row.includes('"own-domain-leaves-host"')) && published.join() === stored.join()
          );
        },
        "every stored alert, the finding among them, on the alerts topic",
        90_000,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}; published ${published.join(" ")}; stored ${stored.join(" ")}`);
      });
      expect(published).toEqual(stored);
      expect(published.map((row) => JSON.parse(row) as { kind: string; subject: string })).toContainEqual(
        expect.objectContaining({ kind: "own-domain-leaves-host", subject: "shop.test" }),
      );
    } finally {
      for (const child of [shipper, worker]) expect(await stopProcess(child), child.output().slice(-2000)).toBe(0);
      await client.close();
      await stopProcess(store.process);
    }
  }, 180_000);
});
