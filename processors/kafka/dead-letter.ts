import type { KafkaMessage, Message } from "kafkajs";
import type { DeadLetterHeaders } from "../../schemas/raw-mail-record.js";

/** A record for `vigil.dlq`: the original key, value and headers, plus why and where it could not be read. */
export function deadLetter(
  message: KafkaMessage,
  reason: string,
  where: { stage: string; topic: string; partition: number; offset: string },
): Message {
  const added: DeadLetterHeaders = {
    "dlq-reason": reason.slice(0, 2000),
    "dlq-stage": where.stage,
    "dlq-topic": where.topic,
    "dlq-partition": String(where.partition),
    "dlq-offset": where.offset,
  };
  return { key: message.key, value: message.value, headers: { ...(message.headers ?? {}), ...added } };
}
