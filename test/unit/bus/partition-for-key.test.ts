import fc from "fast-check";
import { type PartitionerArgs, Partitioners } from "kafkajs";
import { describe, expect, test } from "vitest";
import { partitionerFor } from "../../../bus/partition-for-key.js";

/** kafkajs' own default partitioner, for `partitions` partitions. */
function kafkajsPartition(partitions: number) {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
  })) as unknown as PartitionerArgs["partitionMetadata"];
  return (key: string) => partitioner({ topic: "t", partitionMetadata, message: { key, value: null } });
}

describe("partitionerFor", () => {
  test("places every key where kafkajs' default partitioner (Java-compatible murmur2) places it", () => {
    for (const partitions of [1, 4, 6, 12, 31]) {
      const ours = partitionerFor(partitions);
      const theirs = kafkajsPartition(partitions);
      fc.assert(
        fc.property(fc.string({ unit: "binary", maxLength: 80 }), (key) => {
          expect(ours(key)).toBe(theirs(key));
        }),
        { numRuns: 400 },
      );
      for (const key of ["", "a", "ab", "abc", "abcd", "anna.10@example.net", "ünïcødé@exämple.de"]) {
        expect(ours(key)).toBe(theirs(key));
      }
    }
  });
});
