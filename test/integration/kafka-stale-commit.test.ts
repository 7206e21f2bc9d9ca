import type { Kafka, Producer, ProducerConfig, ProducerRecord } from "kafkajs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createKafka } from "../../bus/kafka.js";
import { silentLogger } from "../../runtime/logger.js";
import { type AccountIpsRig, startAccountIpsRig } from "../helpers/account-ips-rig.js";
import { waitFor } from "../helpers/scaled-out.js";

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

let rig: AccountIpsRig;

beforeAll(async () => {
  rig = await startAccountIpsRig("stale-commit");
}, 120_000);

afterAll(async () => {
  await rig?.close();
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

async function endOffset(topic: string): Promise<string> {
  return (await rig.admin.fetchTopicOffsets(topic))[0]?.high ?? "none";
}

test("a checkpoint's write finished late, after a rebalance gave the partition a new state: the group's offset does not go back", async () => {
  const kafka = createKafka(rig.kafkaConfig, silentLogger(), "-test");
  const producer = kafka.producer();
  await producer.connect();
  const alerts = holdingSendsTo(kafka, rig.kafkaConfig.topics.alerts.name);
  try {
    await rig.startWorker({ kafka: alerts.kafka });
    for (let record = 0; record < 3; record++) await rig.produceLogins(producer, "ann@example.com", ["192.0.2.7"]);
    await waitFor(async () => (await rig.committedOffset()) === "3", "the first three records to be committed", 60_000);

    // Record 3: an account logging in from ten networks. Its checkpoint's alert publish waits.
    alerts.hold();
    const networks = Array.from({ length: 10 }, (_, index) => `203.0.${index + 1}.9`);
    await rig.produceLogins(producer, "victim@example.com", networks);
    await waitFor(() => alerts.held() === 1, "the alert's publish to be held", 60_000);
    alerts.stopHolding();

    // A second worker joins: the group rebalances and the first worker's state of the partition is dropped.
    await rig.startWorker({ kafka });
    await waitFor(
      async () => {
        const [group] = (await rig.admin.describeGroups([rig.kafkaConfig.groups.accountIps])).groups;
        return group?.state === "Stable" && group.members.length === 2;
      },
      "the group to settle with two members",
      60_000,
    );
    // Record 4 arrives; the partition's new state (on either worker) reads from the last checkpoint
    // written, raises the alert again and commits past both records.
    await rig.produceLogins(producer, "ann@example.com", ["192.0.2.7"]);
    await waitFor(async () => (await rig.committedOffset()) === "5", "records 3 and 4 to be committed", 60_000);
    expect(await endOffset(rig.kafkaConfig.topics.alerts.name)).toBe("1");

    // The dropped state's write goes on: its alert is published (at least once), then its commit of
    // offset 4 would land after the 5 above.
    alerts.release();
    await waitFor(
      async () => (await endOffset(rig.kafkaConfig.topics.alerts.name)) === "2",
      "the held alert to be published",
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await rig.committedOffset()).toBe("5");
    // Nor its checkpoint: a worker taking the partition next reads on from 5.
    expect(await rig.checkpointOffset()).toBe("5");
  } finally {
    await producer.disconnect();
  }
}, 180_000);
