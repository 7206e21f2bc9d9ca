import type { ClickHouseClient } from "@clickhouse/client";
import { CompressionTypes, type Consumer, type Kafka, type Message, type Producer } from "kafkajs";
import { headerStrings } from "../../bus/kafka.js";
import { parseDuration } from "../../runtime/duration.js";
import type { Logger } from "../../runtime/logger.js";
import type { Metrics } from "../../runtime/metrics.js";
import type { StageMetrics } from "../../runtime/stage-metrics.js";
import type { KafkaConfig, VigilConfig } from "../../schemas/config.js";
import type { MailAuthEvent, ParsedMailAuth } from "../../schemas/mail-auth-event.js";
import { RawMailHeadersSchema } from "../../schemas/raw-mail-record.js";
import { encodeEventRow, encodeUnparsedRow, insertEncoded } from "../mail-rows.js";
import { createMailLineParser, type MailLineParser } from "../parse/mail-line-parser.js";
import { crashed } from "./consumer-crash.js";
import { deadLetter } from "./dead-letter.js";

export type StageDeps = {
  config: VigilConfig;
  kafkaConfig: KafkaConfig;
  kafka: Kafka;
  client: ClickHouseClient;
  logger: Logger;
  metrics: Metrics;
  stageMetrics: StageMetrics;
};

export type RunningStage = { done: Promise<void>; stop(): Promise<void>; lastProgressAt(): number };

const MAX_PARSERS = 256;

/**
 * The parse stage of `vigil process`: raw mail lines (`vigil.raw.mail`, keyed
 * by host) in; per batch of one partition, the events and unparsed lines are
 * written to the store, the events produced to `vigil.events.mail-auth` keyed
 * by user (so one account-ips worker sees every login of a user), records it
 * cannot read go to `vigil.dlq`, and only then is the offset committed.
 * A crash replays the uncommitted records: the store's rows are idempotent
 * and the account-ips stage drops events it has already counted.
 */
export async function startParseStage(deps: StageDeps): Promise<RunningStage> {
  const { kafkaConfig, logger, stageMetrics } = deps;
  const rawTopic = kafkaConfig.topics.rawMail.name;
  const parsers = new Map<string, MailLineParser>();
  const parserFor = (format: string, defaultHost: string | undefined): MailLineParser => {
    const key = `${format}\u0000${defaultHost ?? ""}`;
    let parser = parsers.get(key);
    if (parser === undefined) {
      parser = createMailLineParser({
        format,
        fieldMaps: deps.config.fieldMaps,
        timezone: deps.config.timezone,
        referenceTime: Date.now(),
        ...(defaultHost === undefined ? {} : { defaultHost }),
      });
      if (parsers.size >= MAX_PARSERS) parsers.clear();
      parsers.set(key, parser);
    }
    return parser;
  };

  const sessionTimeout = parseDuration(kafkaConfig.sessionTimeout, "kafka.sessionTimeout");
  const consumer: Consumer = deps.kafka.consumer({
    groupId: kafkaConfig.groups.parse,
    sessionTimeout,
    heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 5)),
    rebalanceTimeout: sessionTimeout * 3,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxWaitTimeInMs: 200,
    allowAutoTopicCreation: false,
  });
  const producer: Producer = deps.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: rawTopic, fromBeginning: true });
  let lastProgress = Date.now();

  const done = crashed(consumer);
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (batch.messages.length === 0 || !isRunning() || isStale()) return;
      const stop = stageMetrics.batchSeconds.startTimer({ stage: "parse" });
      const events: string[] = [];
      const unparsed: string[] = [];
      const out: Message[] = [];
      const dead: Message[] = [];
      let current = { sourceId: "", path: "", format: "" };
      let skipped = 0;
      const sink = {
        event(event: ParsedMailAuth, offset: number) {
          events.push(encodeEventRow(event, current.sourceId, offset));
          const record: MailAuthEvent = { ...event, source_id: current.sourceId, offset };
          out.push({ key: event.user, value: JSON.stringify(record) });
        },
        unparsed(line: Buffer, offset: number, reason: string) {
          unparsed.push(encodeUnparsedRow(line, offset, reason, current, current.format));
        },
        skipped(count: number) {
          skipped += count;
        },
      };
      let lines = 0;
      for (const message of batch.messages) {
        const headers = headerStrings(message.headers);
        const parsed = RawMailHeadersSchema.safeParse(headers);
        const where = { stage: "parse", topic: batch.topic, partition: batch.partition, offset: message.offset };
        if (!parsed.success || message.value === null) {
          const reason = parsed.success
            ? "record has no value"
            : `bad headers: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`;
          dead.push(deadLetter(message, reason, where));
          continue;
        }
        const header = parsed.data;
        let parser: MailLineParser;
        try {
          parser = parserFor(header.format, header["default-host"]);
        } catch (error) {
          dead.push(deadLetter(message, `no parser: ${error instanceof Error ? error.message : String(error)}`, where));
          continue;
        }
        current = { sourceId: header.source, path: header.path, format: header.format };
        const value =
          message.value[message.value.length - 1] === 10
            ? message.value
            : Buffer.concat([message.value, Buffer.from("\n")]);
        const before = events.length + unparsed.length + skipped;
        parser.parseChunk(value, Number(header.offset), sink);
        lines += events.length + unparsed.length + skipped - before;
      }
      await insertEncoded(deps.client, { events, unparsed, history: [], windows: [], alerts: [] }, deps.metrics);
      if (out.length > 0) {
        await producer.send({
          topic: kafkaConfig.topics.mailAuth.name,
          messages: out,
          acks: -1,
          compression: CompressionTypes.GZIP,
        });
      }
      if (dead.length > 0) {
        await producer.send({ topic: kafkaConfig.topics.dlq.name, messages: dead, acks: -1 });
        stageMetrics.deadLetters.inc({ stage: "parse" }, dead.length);
        logger.warn({ count: dead.length, partition: batch.partition }, "records sent to the dead-letter topic");
      }
      const last = batch.lastOffset();
      resolveOffset(last);
      await consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
      ]);
      await heartbeat();
      stageMetrics.linesIn.inc({ stage: "parse" }, lines);
      stageMetrics.recordsOut.inc({ stage: "parse" }, out.length);
      stageMetrics.lag.set(
        { stage: "parse", partition: String(batch.partition) },
        Math.max(0, Number(batch.offsetLag())),
      );
      deps.metrics.parsed.inc({ kind: "mail", outcome: "event" }, events.length);
      deps.metrics.parsed.inc({ kind: "mail", outcome: "skipped" }, skipped);
      deps.metrics.parsed.inc({ kind: "mail", outcome: "unparsed" }, unparsed.length);
      lastProgress = Date.now();
      stop();
    },
  });

  return {
    done,
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
    lastProgressAt: () => lastProgress,
  };
}
