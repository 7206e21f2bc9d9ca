import { join } from "node:path";
import type { ClickHouseClient } from "@clickhouse/client";
import type { Admin, Kafka, Producer } from "kafkajs";
import { Registry } from "prom-client";
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
import { testTopics } from "./scaled-out.js";
import { tempDir } from "./vigil-cli.js";

/**
 * The account-ips stage run in the test's own process on a real broker and the
 * embedded store: one-partition topics under `name`, checkpoints every 300 ms,
 * workers started with any kafkajs client or store client the test wraps.
 */
export async function startAccountIpsRig(name: string) {
  const broker: KafkaBroker = await startKafkaBroker();
  const config: VigilConfig = ConfigSchema.parse({
    data: join(tempDir(name), "data"),
    kafka: {
      brokers: [broker.bootstrap],
      clientId: name,
      topics: testTopics(name),
      groups: { accountIps: `${name}-account-ips` },
      commitInterval: "300ms",
      sessionTimeout: "3s",
    },
    accountIps: { lateness: "2d" },
  });
  const kafkaConfig = config.kafka as KafkaConfig;
  const admin: Admin = createKafka(kafkaConfig, silentLogger()).admin();
  await admin.connect();
  await ensureTopics(admin, kafkaConfig);
  const client: ClickHouseClient = await openStore(config);
  const asnDatabase: AsnDatabase = loadAsnDatabase();
  const stages: RunningStage[] = [];
  const topic = kafkaConfig.topics.mailAuth.name;
  const partition0 = { stage: kafkaConfig.groups.accountIps, topic, partition: 0 };
  let lineOffset = 0;
  const start = Date.parse("2026-11-24T08:00:00Z");

  return {
    broker,
    admin,
    client,
    kafkaConfig,
    /** A worker (an account-ips stage) reading through `kafka` and writing to `store`. */
    async startWorker(options: { kafka?: Kafka; store?: ClickHouseClient } = {}): Promise<RunningStage> {
      const stage = await startAccountIpsStage({
        config,
        kafkaConfig,
        kafka: options.kafka ?? createKafka(kafkaConfig, silentLogger(), "-worker"),
        client: options.store ?? client,
        logger: silentLogger(),
        metrics: createMetrics(new Registry()),
        stageMetrics: createStageMetrics(new Registry()),
        asnDatabase,
      });
      stages.push(stage);
      return stage;
    },
    /** A worker the test stopped itself. */
    forget(stage: RunningStage): void {
      stages.splice(stages.indexOf(stage), 1);
    },
    /** One record of the events topic: logins of `user`, one from each address, a minute apart, from one source. */
    async produceLogins(producer: Producer, user: string, ips: readonly string[]): Promise<void> {
      const lines = ips.map((ip) => {
        lineOffset += 100;
        const event = {
          ts: start + lineOffset * 600,
          host: "mx1",
          service: "imap",
          user,
          user_raw: user,
          ip,
          success: true,
          format: "dovecot",
          reason: "",
        };
        return encodeEventRow(event, "source-1", lineOffset);
      });
      await producer.send({ topic, acks: -1, messages: packEvents([lines]) });
    },
    /** The group's committed offset of the events topic's partition 0. */
    async committedOffset(): Promise<string> {
      const [entry] = await admin.fetchOffsets({ groupId: kafkaConfig.groups.accountIps, topics: [topic] });
      return entry?.partitions[0]?.offset ?? "none";
    },
    /** The next offset partition 0's checkpoint in the store covers. */
    checkpointOffset: async () => (await loadCheckpoint(client, partition0))?.nextOffset,
    async close(): Promise<void> {
      for (const stage of stages) await stage.stop().catch(() => undefined);
      await admin.disconnect();
      await client.close();
      await broker.stop();
    },
  };
}

export type AccountIpsRig = Awaited<ReturnType<typeof startAccountIpsRig>>;
