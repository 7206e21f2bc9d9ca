import { join } from "node:path";
import type { ClickHouseClient } from "@clickhouse/client";
import type { Admin, Kafka, Producer, ProducerConfig, ProducerRecord } from "kafkajs";
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
import { testTopics, waitFor } from "../helpers/scaled-out.js";
import { tempDir } from "../helpers/vigil-cli.js";

/**
 * The account-ips stage in this process on a real broker and chDB, with the
 * alerts publish of one checkpoint held back (a real producer whose send to
 * the alerts topic waits while the test says so: the broker away, retries
 * under way) while the group rebalances. The state the rebalance dropped
 * finishes its write late, after the partition's new state committed
 * further; that late write must not move the group's offset (nor the
 * checkpoint) back. Nothing moved the offset forward again: the owner had
 * already read past it, and `vigil status` showed lag until the worker
 * stopped (the rare "broker stopped for ten seconds" CI failure: "committed
 * 3, end 6" with every login counted).
 */

const NAME = "stale-commit";
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

/** A kafkajs client whose producers' sends to `topic` wait, while held, until released. */
function holdingSendsTo(kafka: Kafka, topic: string) {
  let gate: Promise<void> | null = null;
  let open = () => {};
  let held = 0;
  const producer = (producerConfig?: ProducerConfig): Producer => {
    const real = kafka.producer(producerConfig);
    return {
      ...real,
      async send(record: ProducerRecord) {
        const closed = gate;
        if (closed !== null && record.topic === topic) {
          held += 1;
          await closed;
        }
        return real.send(record);
      },
    };
  };
  return {
    kafka: Object.assign(Object.create(kafka) as Kafka, { producer }),
    /** Sends from now on wait. */
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    /** Sends from now on go through; those waiting still wait. */
    stopHolding() {
      gate = null;
    },
    release: () => open(),
    held: () => held,
  };
}

async function startWorker(kafka: Kafka): Promise<RunningStage> {
  const stage = await startAccountIpsStage({
    config,
    kafkaConfig,
    kafka,
    client,
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
/** One record of the events topic: logins of `user`, one from each address, a minute apart, from one source. */
async function produceLogins(producer: Producer, user: string, ips: string[]): Promise<void> {
  const lines = ips.map((ip) => {
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
    return encodeEventRow(event, "source-1", nextOffset);
  });
  await producer.send({ topic: kafkaConfig.topics.mailAuth.name, acks: -1, messages: packEvents([lines]) });
}

async function committedOffset(): Promise<string> {
  const [entry] = await admin.fetchOffsets({
    groupId: kafkaConfig.groups.accountIps,
    topics: [kafkaConfig.topics.mailAuth.name],
  });
  return entry?.partitions[0]?.offset ?? "none";
}

async function endOffset(topic: string): Promise<string> {
  return (await admin.fetchTopicOffsets(topic))[0]?.high ?? "none";
}

test("a checkpoint's write finished late, after a rebalance gave the partition a new state: the group's offset does not go back", async () => {
  const kafka = createKafka(kafkaConfig, silentLogger(), "-test");
  const producer = kafka.producer();
  await producer.connect();
  const alerts = holdingSendsTo(kafka, kafkaConfig.topics.alerts.name);
  try {
    await startWorker(alerts.kafka);
    for (let record = 0; record < 3; record++) await produceLogins(producer, "ann@example.com", ["192.0.2.7"]);
    await waitFor(async () => (await committedOffset()) === "3", "the first three records to be committed", 60_000);

    // Record 3: an account logging in from ten networks. Its checkpoint's alert publish waits.
    alerts.hold();
    const networks = Array.from({ length: 10 }, (_, index) => `203.0.${index + 1}.9`);
    await produceLogins(producer, "victim@example.com", networks);
    await waitFor(() => alerts.held() === 1, "the alert's publish to be held", 60_000);
    alerts.stopHolding();

    // A second worker joins: the group rebalances and the first worker's state of the partition is dropped.
    await startWorker(kafka);
    await waitFor(
      async () => {
        const [group] = (await admin.describeGroups([kafkaConfig.groups.accountIps])).groups;
        return group?.state === "Stable" && group.members.length === 2;
      },
      "the group to settle with two members",
      60_000,
    );
    // Record 4 arrives; the partition's new state (on either worker) reads from the last checkpoint
    // written, raises the alert again and commits past both records.
    await produceLogins(producer, "ann@example.com", ["192.0.2.7"]);
    await waitFor(async () => (await committedOffset()) === "5", "records 3 and 4 to be committed", 60_000);
    expect(await endOffset(kafkaConfig.topics.alerts.name)).toBe("1");

    // The dropped state's write goes on: its alert is published (at least once), then its commit of
    // offset 4 would land after the 5 above.
    alerts.release();
    await waitFor(
      async () => (await endOffset(kafkaConfig.topics.alerts.name)) === "2",
      "the held alert to be published",
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await committedOffset()).toBe("5");
    // Nor its checkpoint: a worker taking the partition next reads on from 5.
    const checkpoint = await loadCheckpoint(client, {
      stage: kafkaConfig.groups.accountIps,
      topic: kafkaConfig.topics.mailAuth.name,
      partition: 0,
    });
    expect(checkpoint?.nextOffset).toBe("5");
  } finally {
    await producer.disconnect();
  }
}, 180_000);
