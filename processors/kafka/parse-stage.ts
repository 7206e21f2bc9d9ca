import type { ClickHouseClient } from "@clickhouse/client";
import {
  type Batch,
  CompressionTypes,
  type Consumer,
  type Kafka,
  type KafkaMessage,
  type Message,
  type Producer,
} from "kafkajs";
import { headerStrings, IDEMPOTENT_PRODUCER, stageConsumerConfig } from "../../bus/kafka.js";
import { partitionerFor } from "../../bus/partition-for-key.js";
import type { Logger } from "../../runtime/logger.js";
import type { Metrics } from "../../runtime/metrics.js";
import type { StageMetrics } from "../../runtime/stage-metrics.js";
import type { KafkaConfig, VigilConfig } from "../../schemas/config.js";
import type { ParsedMailAuth } from "../../schemas/mail-auth-event.js";
import { RawMailHeadersSchema } from "../../schemas/raw-mail-record.js";
import { encodeEventRow, encodeUnparsedRow } from "../mail-event-rows.js";
import { insertEncoded, NO_ROWS } from "../mail-rows.js";
import { createMailLineParser, type MailChunkSink, type MailLineParser } from "../parse/mail-line-parser.js";
import { deadLetter } from "./dead-letter.js";
import { createGroupConsumer, startStageMember } from "./group-consumer.js";
import { leaving } from "./leave-quietly.js";
import { packEvents } from "./mail-auth-records.js";

export type StageDeps = {
  config: VigilConfig;
  kafkaConfig: KafkaConfig;
  kafka: Kafka;
  client: ClickHouseClient;
  logger: Logger;
  metrics: Metrics;
  stageMetrics: StageMetrics;
};

export type RunningStage = { stop(): Promise<void>; lastProgressAt(): number };

const MAX_PARSERS = 256;
/** Events (and unparsed lines) parsed before they are written and the offset committed. */
const PART_EVENTS = 20_000;

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

  const createConsumer = (): Consumer =>
    deps.kafka.consumer(stageConsumerConfig(kafkaConfig, kafkaConfig.groups.parse));
  const producer: Producer = deps.kafka.producer(IDEMPOTENT_PRODUCER);
  // Events are packed per partition of the events topic, placed as a record keyed by the user would be.
  const admin = deps.kafka.admin();
  const metadata = await (async () => {
    try {
      await producer.connect();
      await admin.connect();
      return await admin.fetchTopicMetadata({ topics: [kafkaConfig.topics.mailAuth.name] });
    } catch (error) {
      await leaving(producer.disconnect(), logger);
      throw error;
    } finally {
      await leaving(admin.disconnect(), logger);
    }
  })();
  const eventPartitions = metadata.topics[0]?.partitions.length ?? 0;
  if (eventPartitions === 0)
    throw new Error(`topic ${kafkaConfig.topics.mailAuth.name} has no partitions: run vigil kafka init`);
  const partitionOf = partitionerFor(eventPartitions);
  let lastProgress = Date.now();

  type Part = {
    events: string[];
    unparsed: string[];
    /** Per partition of the events topic: the events bound for it, one JSON object per line. */
    out: string[][];
    events_out: number;
    dead: Message[];
    skipped: number;
    lines: number;
    lastOffset: string;
    current: { sourceId: string; path: string; format: string };
  };
  const newPart = (): Part => ({
    events: [],
    unparsed: [],
    out: Array.from({ length: eventPartitions }, () => []),
    events_out: 0,
    dead: [],
    skipped: 0,
    lines: 0,
    lastOffset: "",
    current: { sourceId: "", path: "", format: "" },
  });

  const read = (message: KafkaMessage, batch: Batch, part: Part, sink: MailChunkSink) => {
    const headers = headerStrings(message.headers);
    const parsed = RawMailHeadersSchema.safeParse(headers);
    const where = { stage: "parse", topic: batch.topic, partition: batch.partition, offset: message.offset };
    if (!parsed.success || message.value === null) {
      const reason = parsed.success
        ? "record has no value"
        : `bad headers: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`;
      part.dead.push(deadLetter(message, reason, where));
      return;
    }
    const header = parsed.data;
    let parser: MailLineParser;
    try {
      parser = parserFor(header.format, header["default-host"]);
    } catch (error) {
      part.dead.push(
        deadLetter(message, `no parser: ${error instanceof Error ? error.message : String(error)}`, where),
      );
      return;
    }
    part.current = { sourceId: header.source, path: header.path, format: header.format };
    const value =
      message.value[message.value.length - 1] === 10
        ? message.value
        : Buffer.concat([message.value, Buffer.from("\n")]);
    const before = part.events.length + part.unparsed.length + part.skipped;
    parser.parseChunk(value, Number(header.offset), sink);
    part.lines += part.events.length + part.unparsed.length + part.skipped - before;
  };

  /**
   * Rows into the store and events into Kafka (at once), dead letters, then the offset, committed through
   * the member that read the part (never a fresh one that replaced it and may have committed further).
   */
  const commitPart = async (
    part: Part,
    from: { consumer: Consumer; topic: string; partition: number; resolveOffset: (offset: string) => void },
  ) => {
    const { topic, partition, resolveOffset } = from;
    const stop = stageMetrics.batchSeconds.startTimer({ stage: "parse" });
    await Promise.all([
      insertEncoded(
        deps.client,
        { events: part.events, unparsed: part.unparsed, history: NO_ROWS, windows: NO_ROWS, alerts: [] },
        deps.metrics,
      ),
      part.events_out === 0
        ? Promise.resolve()
        : producer.send({
            topic: kafkaConfig.topics.mailAuth.name,
            messages: packEvents(part.out),
            acks: -1,
            compression: CompressionTypes.GZIP,
          }),
    ]);
    if (part.dead.length > 0) {
      await producer.send({ topic: kafkaConfig.topics.dlq.name, messages: part.dead, acks: -1 });
      stageMetrics.deadLetters.inc({ stage: "parse" }, part.dead.length);
      logger.warn({ count: part.dead.length, partition }, "records sent to the dead-letter topic");
    }
    resolveOffset(part.lastOffset);
    await from.consumer.commitOffsets([{ topic, partition, offset: (BigInt(part.lastOffset) + 1n).toString() }]);
    stageMetrics.linesIn.inc({ stage: "parse" }, part.lines);
    stageMetrics.recordsOut.inc({ stage: "parse" }, part.events_out);
    deps.metrics.parsed.inc({ kind: "mail", outcome: "event" }, part.events.length);
    deps.metrics.parsed.inc({ kind: "mail", outcome: "skipped" }, part.skipped);
    deps.metrics.parsed.inc({ kind: "mail", outcome: "unparsed" }, part.unparsed.length);
    lastProgress = Date.now();
    stop();
  };

  const runWith = (consumer: Consumer) =>
    consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (batch.messages.length === 0 || !isRunning() || isStale()) return;
        let part = newPart();
        const sink = {
          event(event: ParsedMailAuth, offset: number) {
            // One encoding for both the store and the events topic.
            const row = encodeEventRow(event, part.current.sourceId, offset);
            part.events.push(row);
            (part.out[partitionOf(event.user)] as string[]).push(row);
            part.events_out += 1;
          },
          unparsed(line: Buffer, offset: number, reason: string) {
            part.unparsed.push(encodeUnparsedRow(line, offset, reason, part.current, part.current.format));
          },
          skipped(count: number) {
            part.skipped += count;
          },
        };
        // Bounded work between commits (a fetch may hold many records of many lines each), and the
        // next part is parsed while the previous one is written: parts commit in order.
        let writing: Promise<void> = Promise.resolve();
        const commitInOrder = (done: Part) => {
          const previous = writing;
          writing = previous.then(() =>
            commitPart(done, { consumer, topic: batch.topic, partition: batch.partition, resolveOffset }),
          );
          return previous;
        };
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          read(message, batch, part, sink);
          part.lastOffset = message.offset;
          if (part.events_out + part.unparsed.length >= PART_EVENTS) {
            await commitInOrder(part);
            part = newPart();
            await heartbeat();
          }
        }
        if (part.lastOffset !== "" && isRunning() && !isStale()) commitInOrder(part);
        await writing;
        stageMetrics.lag.set(
          { stage: "parse", partition: String(batch.partition) },
          Math.max(0, Number(batch.offsetLag())),
        );
        await heartbeat();
      },
    });

  const group = createGroupConsumer({ create: createConsumer, topic: rawTopic, run: runWith, logger });
  return startStageMember({ group, producer, logger, lastProgressAt: () => lastProgress });
}
