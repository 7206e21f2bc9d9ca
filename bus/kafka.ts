import { promisify } from "node:util";
import { gzip, unzip } from "node:zlib";
import kafkajs, {
  CompressionTypes,
  type ConsumerConfig,
  Kafka,
  type KafkaConfig as KafkaJsConfig,
  type LogEntry,
  logLevel,
  type ProducerConfig,
} from "kafkajs";
import { parseDuration } from "../runtime/duration.js";
import type { Logger } from "../runtime/logger.js";
import type { KafkaConfig } from "../schemas/config.js";
import { hideKafkajsTimeoutWarning } from "./kafkajs-timeout-warning.js";

/**
 * The one place Vigil builds a kafkajs client: brokers and client id from the
 * config, kafkajs' own log lines routed into Vigil's logger. Everything
 * Kafka-specific lives in bus/, so another client could replace kafkajs.
 */
export function createKafka(config: KafkaConfig, logger: Logger, suffix = ""): Kafka {
  hideKafkajsTimeoutWarning();
  const options: KafkaJsConfig = {
    clientId: `${config.clientId}${suffix}`,
    brokers: config.brokers,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        if (level <= logLevel.ERROR) logger.info({ kafka: rest }, `kafka: ${message}`);
        else logger.debug({ kafka: rest }, `kafka: ${message}`);
      },
  };
  return new Kafka(options);
}

/** Every Vigil producer: idempotent (acks from all replicas, one request in flight), never creating topics. */
export const IDEMPOTENT_PRODUCER: ProducerConfig = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
};

/** A stage worker's consumer in `groupId`: session from the config, heartbeats and rebalance time derived from it. */
export function stageConsumerConfig(config: KafkaConfig, groupId: string): ConsumerConfig {
  const sessionTimeout = parseDuration(config.sessionTimeout, "kafka.sessionTimeout");
  return {
    groupId,
    sessionTimeout,
    heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 5)),
    rebalanceTimeout: sessionTimeout * 3,
    maxBytesPerPartition: 1024 * 1024,
    maxWaitTimeInMs: 200,
    allowAutoTopicCreation: false,
  };
}

/** Header values as strings (kafkajs hands them over as Buffers). */
export function headerStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  for (const [key, value] of Object.entries(headers)) {
    if (Buffer.isBuffer(value)) out[key] = value.toString("utf8");
    else if (typeof value === "string") out[key] = value;
  }
  return out;
}

const gzipFast = promisify(gzip);
const gunzip = promisify(unzip);

/**
 * GZIP (the codec every Kafka client reads) at level 1 instead of zlib's
 * default 6: log lines still shrink about 4:1, for a fraction of the CPU,
 * which on a shipper is the CPU of the mail server it runs on.
 */
// kafkajs is CommonJS: its codec table is reached through the default export.
kafkajs.CompressionCodecs[CompressionTypes.GZIP] = () => ({
  compress: (encoder: { buffer: Buffer }) => gzipFast(encoder.buffer, { level: 1 }),
  decompress: (buffer: Buffer) => gunzip(buffer),
});
