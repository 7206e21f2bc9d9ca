import { writeFileSync } from "node:fs";
import { join } from "node:path";
import kafkajs, { type Admin } from "kafkajs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createKafka } from "../../bus/kafka.js";
import { silentLogger } from "../../runtime/logger.js";
import { ConfigSchema, type KafkaConfig } from "../../schemas/config.js";
import { type KafkaBroker, startKafkaBroker } from "../../scripts/kafka/kafka-broker.js";
import { testTopics } from "../helpers/scaled-out.js";
import { tempDir, vigil } from "../helpers/vigil-cli.js";

// kafkajs is CommonJS: its enums are reached through the default export.
const { ConfigResourceTypes, ConfigSource } = kafkajs;

/**
 * `vigil kafka init` on a real broker, as a user runs it again and again:
 * topics created, then reported as existing, retention changed in the config
 * reported as updated, a partition count never changed, and a topic setting
 * set by hand (kafka-configs) kept.
 */

const NAME = "topics";
let broker: KafkaBroker;
let admin: Admin;
let dir: string;

beforeAll(async () => {
  broker = await startKafkaBroker();
  dir = tempDir(NAME);
  admin = createKafka(kafkaConfigOf(configWith("1d", 1)), silentLogger()).admin();
  await admin.connect();
}, 120_000);

afterAll(async () => {
  await admin?.disconnect();
  await broker?.stop();
});

function configWith(eventsRetention: string, eventsPartitions: number) {
  const topics = testTopics(NAME);
  return {
    data: join(dir, "data"),
    kafka: {
      brokers: [broker.bootstrap],
      clientId: NAME,
      topics: { ...topics, mailAuth: { ...topics.mailAuth, retention: eventsRetention, partitions: eventsPartitions } },
    },
  };
}

const kafkaConfigOf = (raw: unknown) => ConfigSchema.parse(raw).kafka as KafkaConfig;

async function init(raw: unknown) {
  const path = join(dir, "vigil.json");
  writeFileSync(path, JSON.stringify(raw));
  const result = await vigil(["kafka", "init", "--config", path]);
  expect(result.code, result.stderr).toBe(0);
  const actions = new Map<string, string>();
  for (const line of result.stdout.split("\n").slice(2)) {
    const [, topic, , , , action] = line.trim().split(/\s+/);
    if (topic !== undefined && action !== undefined) actions.set(topic, action);
  }
  return { actions, stderr: result.stderr };
}

async function eventsTopicConfig(name: string): Promise<Map<string, string>> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name }],
  });
  return new Map(described.resources[0]?.configEntries.map((entry) => [entry.configName, entry.configValue]));
}

test("kafka init creates, then reports existing topics, updates only what the config changed, and keeps settings set by hand", async () => {
  const events = `${NAME}.events.mail-auth`;
  const first = await init(configWith("1d", 1));
  expect(new Set(first.actions.values())).toEqual(new Set(["created"]));
  expect(first.actions.size).toBe(5);

  const again = await init(configWith("1d", 1));
  expect(new Set(again.actions.values())).toEqual(new Set(["exists"]));

  // An operator's own setting of the events topic.
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: events,
        configEntries: [...(await ownEntries(events)), { name: "segment.ms", value: "3600000" }],
      },
    ],
  });
  const changed = await init(configWith("2d", 3));
  expect(changed.actions.get(events)).toBe("updated");
  expect([...changed.actions].filter(([, action]) => action !== "exists")).toEqual([[events, "updated"]]);
  expect(changed.stderr).toContain(`${events} has 1 partitions, the config asks for 3`);
  const config = await eventsTopicConfig(events);
  expect(config.get("retention.ms")).toBe(String(2 * 86_400_000));
  expect(config.get("segment.ms")).toBe("3600000");
  const metadata = await admin.fetchTopicMetadata({ topics: [events] });
  expect(metadata.topics[0]?.partitions.length).toBe(1);
}, 120_000);

async function ownEntries(name: string) {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name }],
  });
  return (described.resources[0]?.configEntries ?? [])
    .filter((entry) => entry.configSource === ConfigSource.TOPIC_CONFIG)
    .map((entry) => ({ name: entry.configName, value: entry.configValue }));
}
