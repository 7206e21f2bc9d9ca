import type { Admin } from "kafkajs";
import { parseDuration } from "../runtime/duration.js";
import type { KafkaConfig, TopicConfig } from "../schemas/config.js";

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
 * Creates the configured topics that do not exist and brings the retention
 * and cleanup policy of those that do in line; never changes a partition
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
  if (present.length > 0) {
    await admin.alterConfigs({
      validateOnly: false,
      resources: present.map(([, topic]) => ({ type: 2, name: topic.name, configEntries: topicConfigEntries(topic) })),
    });
  }
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
      action: existing.has(topic.name) ? "updated" : "created",
    };
    if (partitions !== topic.partitions) {
      report.warning = `has ${partitions} partitions, the config asks for ${topic.partitions}: partition counts are never changed by Vigil (keys would move); recreate the topic on an empty pipeline to change it`;
    }
    return report;
  });
}
