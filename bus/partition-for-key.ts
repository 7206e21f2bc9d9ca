/**
 * Kafka's murmur2 (as the Java client and kafkajs' default partitioner
 * compute it) in 32-bit integer arithmetic: kafkajs' own version goes through
 * a 64-bit Long emulation and costs more than parsing the line it routes.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let index = 0; index < whole; index += 4) {
    let k =
      (data[index] as number) |
      ((data[index + 1] as number) << 8) |
      ((data[index + 2] as number) << 16) |
      ((data[index + 3] as number) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= (data[whole + 2] as number) << 16;
  if (rest >= 2) h ^= (data[whole + 1] as number) << 8;
  if (rest >= 1) {
    h ^= data[whole] as number;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition Kafka's default partitioner gives `key` on a topic of
 * `partitions` partitions: used to pack the events of many users bound for
 * one partition into one record while every user still lands where a record
 * keyed by that user would.
 */
export function partitionerFor(partitions: number): (key: string) => number {
  return (key) => (murmur2(Buffer.from(key, "utf8")) & 0x7fffffff) % partitions;
}
