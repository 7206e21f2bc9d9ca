import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../runtime/logger.js";

/**
 * Runs `connect` (a stage's start-up: clients connecting, topics looked up)
 * until it succeeds, while the failures are Kafka's (broker unreachable or
 * restarting): a worker started before its broker, or during a broker
 * restart, waits instead of exiting. Other errors are raised at once.
 */
export async function waitForKafka<T>(connect: () => Promise<T>, logger: Logger, signal: AbortSignal): Promise<T> {
  let delay = 1_000;
  for (;;) {
    try {
      return await connect();
    } catch (error) {
      const name = error instanceof Error ? error.name : "";
      if (!name.startsWith("KafkaJS") || signal.aborted) throw error;
      logger.warn(
        { err: error instanceof Error ? error.message : String(error), retryInMs: delay },
        "Kafka is not reachable yet; waiting for it",
      );
      await sleep(delay, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) throw error;
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
