import kafkajs, { type Admin } from "kafkajs";
import { parseDuration } from "../runtime/duration.js";
import type { KafkaConfig, TopicConfig } from "../schemas/config.js";

// kafkajs is CommonJS: its enums are reached through the default export.
const { ConfigResourceTypes, ConfigSource } = kafkajs;

export type TopicReport = {
  role: string;
  name: string;
  partitions: number;
  wanted: number;
  retention: string;
  cleanupPolicy: string;
  action: "created" | "exists" | "updated";
  warning?: string;
};

function topicConfigEntries(topic: TopicConfig): { name: string; value: string }[] {
  return [
    { name: "retention.ms", value: String(parseDuration(topic.retention, `kafka.topics.${topic.name}.retention`)) },
    { name: "cleanup.policy", value: topic.compact ? "compact,delete" : "delete" },
    // Records carry up to kafka.ship.maxRecordBytes of lines; leave room.
    { name: "max.message.bytes", value: String(4 * 1024 * 1024) },
  ];
}

/**
 * Sets the retention, cleanup policy and record size of existing topics where
 * they differ from the config; returns the names of the topics changed. A
 * topic's other settings of its own (set by hand with kafka-configs) are
 * kept: Kafka's AlterConfigs replaces all of them, so they are sent along.
 */
async function bringInLine(admin: Admin, topics: readonly TopicConfig[]): Promise<Set<string>> {
  const changed = new Set<string>();
  if (topics.length === 0) return changed;
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((topic) => ({ type: ConfigResourceTypes.TOPIC, name: topic.name })),
  });
  const resources = topics.flatMap((topic) => {
    const entries = described.resources.find((resource) => resource.resourceName === topic.name)?.configEntries ?? [];
    const current = new Map(entries.map((entry) => [entry.configName, entry.configValue]));
    const wanted = topicConfigEntries(topic);
    if (wanted.every((entry) => current.get(entry.name) === entry.value)) return [];
    changed.add(topic.name);
    const own = entries
      .filter((entry) => entry.configSource === ConfigSource.TOPIC_CONFIG && !entry.isSensitive)
      .filter((entry) => !wanted.some((w) => w.name === entry.configName))
      .map((entry) => ({ name: entry.configName, value: entry.configValue }));
    return [{ type: ConfigResourceTypes.TOPIC, name: topic.name, configEntries: [...own, ...wanted] }];
  });
  if (resources.length > 0) await admin.alterConfigs({ validateOnly: false, resources });
  return changed;
}

/**
 * Creates the configured topics that do not exist and brings the retention
 * and cleanup policy of those that do in line (reported as "updated", or
 * "exists" when nothing differed); never changes a partition
 * count (keys would move between partitions and per-user state with them):
 * a difference is reported as a warning. Idempotent.
 */
export async function ensureTopics(admin: Admin, config: KafkaConfig): Promise<TopicReport[]> {
  const roles = Object.entries(config.topics) as [string, TopicConfig][];
  const existing = new Set(await admin.listTopics());
  const missing = roles.filter(([, topic]) => !existing.has(topic.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map(([, topic]) => ({
        topic: topic.name,
        numPartitions: topic.partitions,
        replicationFactor: -1,
        configEntries: topicConfigEntries(topic),
      })),
    });
  }
  const present = roles.filter(([, topic]) => existing.has(topic.name));
  const updated = await bringInLine(
    admin,
    present.map(([, topic]) => topic),
  );
  const metadata = await admin.fetchTopicMetadata({ topics: roles.map(([, topic]) => topic.name) });
  return roles.map(([role, topic]) => {
    const partitions = metadata.topics.find((entry) => entry.name === topic.name)?.partitions.length ?? 0;
    const report: TopicReport = {
      role,
      name: topic.name,
      partitions,
      wanted: topic.partitions,
      retention: topic.retention,
      cleanupPolicy: topic.compact ? "compact,delete" : "delete",
      action: existing.has(topic.name) ? (updated.has(topic.name) ? "updated" : "exists") : "created",
    };
    if (partitions !== topic.partitions) {
      report.warning = `has ${partitions} partitions, the config asks for ${topic.partitions}: partition counts are never changed by Vigil (keys would move); recreate the topic on an empty pipeline to change it`;
    }
    return report;
  });
}
