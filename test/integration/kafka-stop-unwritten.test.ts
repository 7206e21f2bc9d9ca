import { join } from "node:path";
import type { ClickHouseClient } from "@clickhouse/client";
import type { Admin, Producer } from "kafkajs";
import { Registry } from "prom-client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createKafka } from "../../bus/kafka.js";
import { ensureTopics } from "../../bus/kafka-topics.js";
import { openStore } from "../../cli/open-store.js";
import { type AsnDatabase, loadAsnDatabase } from "../../processors/account-ips/asn-database.js";
import { startAccountIpsStage } from "../../processors/kafka/account-ips-stage.js";
import { packEvents } from "../../processors/kafka/mail-auth-records.js";
import type { RunningStage } from "../../processors/kafka/parse-stage.js";
import { encodeEventRow } from "../../processors/mail-event-rows.js";
import { silentLogger } from "../../runtime/logger.js";
import { createMetrics } from "../../runtime/metrics.js";
import { createStageMetrics } from "../../runtime/stage-metrics.js";
import { ConfigSchema, type KafkaConfig, type VigilConfig } from "../../schemas/config.js";
import { type KafkaBroker, startKafkaBroker } from "../../scripts/kafka/kafka-broker.js";
import { loadCheckpoint } from "../../store/processor-checkpoints.js";
import { rawInsertOf, registerRawInsert } from "../../store/raw-insert.js";
import { testTopics, waitFor } from "../helpers/scaled-out.js";
import { tempDir } from "../helpers/vigil-cli.js";

/**
 * An account-ips worker told to stop while its store refuses writes (a
 * ClickHouse server gone): it must not say its checkpoints were written. Its
 * stop fails naming the partition, the group's offset and the checkpoint stay
 * where the last written checkpoint put them, and the next worker reads the
 * rest again: nothing is lost.
 */

const NAME = "stop-unwritten";
let broker: KafkaBroker;
let admin: Admin;
let client: ClickHouseClient;
let config: VigilConfig;
let kafkaConfig: KafkaConfig;
let asnDatabase: AsnDatabase;
const stages: RunningStage[] = [];

beforeAll(async () => {
  broker = await startKafkaBroker();
  const dir = tempDir(NAME);
  config = ConfigSchema.parse({
    data: join(dir, "data"),
    kafka: {
      brokers: [broker.bootstrap],
      clientId: NAME,
      topics: testTopics(NAME),
      groups: { accountIps: `${NAME}-account-ips` },
      commitInterval: "300ms",
      sessionTimeout: "3s",
    },
    accountIps: { lateness: "2d" },
  });
  kafkaConfig = config.kafka as KafkaConfig;
  admin = createKafka(kafkaConfig, silentLogger()).admin();
  await admin.connect();
  await ensureTopics(admin, kafkaConfig);
  client = await openStore(config);
  asnDatabase = loadAsnDatabase();
}, 120_000);

afterAll(async () => {
  for (const stage of stages) await stage.stop().catch(() => undefined);
  await admin?.disconnect();
  await client?.close();
  await broker?.stop();
});

/** The store, whose writes fail while `gone` is set; reads go through. */
function refusingWrites(store: ClickHouseClient) {
  const control = { gone: false };
  const refuse = () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:8123"));
  const writes = new Set<PropertyKey>(["insert", "exec", "command"]);
  const client = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (writes.has(property) && control.gone) return refuse;
      return value.bind(target);
    },
  });
  // The embedded store's rows go through its raw insert (a file chDB reads): refused the same way.
  const raw = rawInsertOf(store);
  if (raw === undefined) throw new Error("the embedded store has no raw insert");
  registerRawInsert(client, (params) => (control.gone ? refuse() : raw(params)));
  return { client, control };
}

async function startWorker(store: ClickHouseClient): Promise<RunningStage> {
  const stage = await startAccountIpsStage({
    config,
    kafkaConfig,
    kafka: createKafka(kafkaConfig, silentLogger(), "-worker"),
    client: store,
    logger: silentLogger(),
    metrics: createMetrics(new Registry()),
    stageMetrics: createStageMetrics(new Registry()),
    asnDatabase,
  });
  stages.push(stage);
  return stage;
}

const start = Date.parse("2026-11-24T08:00:00Z");
let nextOffset = 0;
async function produceLogin(producer: Producer, user: string, ip: string): Promise<void> {
  nextOffset += 100;
  const event = {
    ts: start + nextOffset * 600,
    host: "mx1",
    service: "imap",
    user,
    user_raw: user,
    ip,
    success: true,
    format: "dovecot",
    reason: "",
  };
  const line = encodeEventRow(event, "source-1", nextOffset);
  await producer.send({ topic: kafkaConfig.topics.mailAuth.name, acks: -1, messages: packEvents([[line]]) });
}

async function committedOffset(): Promise<string> {
  const [entry] = await admin.fetchOffsets({
    groupId: kafkaConfig.groups.accountIps,
    topics: [kafkaConfig.topics.mailAuth.name],
  });
  return entry?.partitions[0]?.offset ?? "none";
}

const checkpointOffset = async () =>
  (
    await loadCheckpoint(client, {
      stage: kafkaConfig.groups.accountIps,
      topic: kafkaConfig.topics.mailAuth.name,
      partition: 0,
    })
  )?.nextOffset;

test("a worker stopped while the store refuses writes says which checkpoints were not written, and the next worker loses nothing", async () => {
  const producer = createKafka(kafkaConfig, silentLogger(), "-test").producer();
  await producer.connect();
  try {
    const store = refusingWrites(client);
    const worker = await startWorker(store.client);
    for (let record = 0; record < 3; record++) await produceLogin(producer, "ann@example.com", "192.0.2.7");
    await waitFor(async () => (await committedOffset()) === "3", "the first three records to be committed", 60_000);

    store.control.gone = true;
    await produceLogin(producer, "ann@example.com", "198.51.100.4");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await expect(worker.stop()).rejects.toThrow(/account-ips partition\(s\) 0 could not be written.*nothing is lost/);
    stages.splice(stages.indexOf(worker), 1);
    expect(await committedOffset()).toBe("3");
    expect(await checkpointOffset()).toBe("3");

    // The next worker, with a store that writes, reads record 3 again and counts the second address.
    await startWorker(client);
    await waitFor(async () => (await committedOffset()) === "4", "record 3 to be read again and committed", 60_000);
    expect(await checkpointOffset()).toBe("4");
    const result = await client.query({
      query: "SELECT ip, logins FROM account_ip_history FINAL WHERE user = {user:String} ORDER BY ip",
      query_params: { user: "ann@example.com" },
      format: "JSONEachRow",
    });
    expect(await result.json()).toEqual([
      { ip: "192.0.2.7", logins: expect.anything() },
      { ip: "198.51.100.4", logins: expect.anything() },
    ]);
  } finally {
    await producer.disconnect();
  }
}, 180_000);
