import type { Consumer, Producer } from "kafkajs";
import type { Logger } from "../../runtime/logger.js";
import { leaving } from "./leave-quietly.js";

export type GroupConsumer = {
  /** The live kafkajs consumer: replaced when kafkajs gave one up. */
  current(): Consumer;
  start(): Promise<void>;
  /** Stops fetching (the group membership stays until `disconnect`). */
  stop(): Promise<void>;
  /** Leaves the group; errors here change nothing committed and are only logged. */
  disconnect(): Promise<void>;
};

/**
 * A consumer-group member that does not die with its kafkajs consumer.
 * kafkajs restarts a consumer after retriable errors only; after others (the
 * coordinator forgot the member while the broker restarted, a rebalance lost
 * mid-commit) it disconnects for good. Here a fresh consumer rejoins after a
 * short, growing delay, as a supervisor would restart the process, and
 * resumes from the committed offsets.
 */
export function createGroupConsumer(options: {
  create(): Consumer;
  topic: string;
  /** Adds event listeners to each new consumer (before it joins). */
  configure?(consumer: Consumer): void;
  /** Calls `consumer.run` with the stage's handlers. */
  run(consumer: Consumer): Promise<void>;
  logger: Logger;
}): GroupConsumer {
  const { logger } = options;
  let consumer = options.create();
  let stopping = false;
  let delay = 1_000;
  let timer: NodeJS.Timeout | null = null;

  const startOne = async (fresh: Consumer) => {
    options.configure?.(fresh);
    fresh.on(fresh.events.CRASH, (event) => {
      if (event.payload.restart || stopping) return;
      logger.warn(
        { err: event.payload.error?.message, retryInMs: delay },
        "kafka: the consumer stopped on an error kafkajs does not retry; rejoining with a fresh one",
      );
      schedule();
    });
    fresh.on(fresh.events.GROUP_JOIN, () => {
      delay = 1_000;
    });
    await fresh.connect();
    await fresh.subscribe({ topic: options.topic, fromBeginning: true });
    await options.run(fresh);
  };

  const schedule = () => {
    if (stopping || timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      if (stopping) return;
      consumer = options.create();
      startOne(consumer).catch((error: unknown) => {
        logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          "kafka: rejoining failed; trying again",
        );
        void consumer.disconnect().catch(() => undefined);
        schedule();
      });
    }, delay);
    delay = Math.min(delay * 2, 30_000);
  };

  return {
    current: () => consumer,
    start: () => startOne(consumer),
    async stop() {
      stopping = true;
      if (timer !== null) clearTimeout(timer);
      await leaving(consumer.stop(), logger, "stopping the consumer");
    },
    async disconnect() {
      stopping = true;
      if (timer !== null) clearTimeout(timer);
      await leaving(consumer.disconnect(), logger);
    },
  };
}

/**
 * Starts a stage's group member and gives the stage's stop: leave the group,
 * then close the stage's producer. If joining fails, both are closed.
 */
export async function startStageMember(options: {
  group: GroupConsumer;
  producer: Producer;
  logger: Logger;
  lastProgressAt(): number;
}): Promise<{ stop(): Promise<void>; lastProgressAt(): number }> {
  const { group, producer, logger } = options;
  const stop = async () => {
    await group.disconnect();
    await leaving(producer.disconnect(), logger);
  };
  try {
    await group.start();
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop, lastProgressAt: options.lastProgressAt };
}
