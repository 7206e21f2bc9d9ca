import type { Consumer } from "kafkajs";

/** Settles when the consumer stops for good: rejects when kafkajs crashed and will not restart it, resolves on a clean stop. */
export function crashed(consumer: Consumer): Promise<void> {
  return new Promise((resolve, reject) => {
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) reject(event.payload.error);
    });
    consumer.on(consumer.events.STOP, () => resolve());
  });
}
