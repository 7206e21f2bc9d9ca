import type { Admin } from "kafkajs";

export type PartitionLag = {
  group: string;
  topic: string;
  partition: number;
  committed: string;
  end: string;
  lag: number;
};

/** Per partition of `topic`: the group's committed offset, the partition's end, and the difference. */
export async function groupLag(admin: Admin, group: string, topic: string): Promise<PartitionLag[]> {
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId: group, topics: [topic] }),
  ]);
  const byPartition = new Map(
    (committed.find((entry) => entry.topic === topic)?.partitions ?? []).map((entry) => [
      entry.partition,
      entry.offset,
    ]),
  );
  return ends
    .map((end) => {
      const done = byPartition.get(end.partition) ?? "-1";
      // -1: nothing committed yet, so everything from the start is outstanding.
      const from = Number(done) < 0 ? Number(end.low) : Number(done);
      return {
        group,
        topic,
        partition: end.partition,
        committed: Number(done) < 0 ? "-" : done,
        end: end.high,
        lag: Math.max(0, Number(end.high) - from),
      };
    })
    .sort((a, b) => a.partition - b.partition);
}
